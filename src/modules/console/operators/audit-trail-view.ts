import type { AuditService, AuditVerification, RecordedAuditEvent } from '../../../platform/audit/audit.service.ts';
import type { ConsoleActor } from '../organisations/organisations.ts';

/** The action a verification from the operators' pages is recorded under; the page shows the newest. */
export const AUDIT_VERIFIED_ACTION = 'console.audit.verified';
export const AUDIT_PAGE_SIZE = 50;
const REASON_LIMIT = 500;
/** What could be an email address, or a telephone number (international, or national from 0) in a detail. */
const EMAIL_ADDRESS = /[^\s@;:]+@[^\s@;]+/g;
const PHONE_NUMBER = /\+\d{10,15}\b|\b0\d{9,10}\b/g;
const HIDDEN = '[hidden]';

/** An event as the operators' pages show it: details with anything like an email address or phone number hidden. */
export type ShownAuditEvent = Pick<RecordedAuditEvent, 'sequence' | 'occurredAt' | 'actor' | 'action' | 'subject' | 'outcome'> & { details: string };

const hideEmailAddresses = (text: string) => text.replace(EMAIL_ADDRESS, HIDDEN);
export const hidePersonalData = (text: string) => hideEmailAddresses(text).replace(PHONE_NUMBER, HIDDEN);

export function showAuditEvent(event: RecordedAuditEvent): ShownAuditEvent {
  const details = Object.entries(event.details ?? {})
    .map(([name, value]) => `${name}: ${String(value)}`)
    .join('; ');
  return {
    sequence: event.sequence,
    occurredAt: event.occurredAt,
    actor: hideEmailAddresses(event.actor),
    action: event.action,
    subject: hideEmailAddresses(event.subject),
    outcome: event.outcome,
    details: hidePersonalData(details),
  };
}

/** Runs `audit verify` over the whole trail and records who ran it and what it found, in the trail itself. */
export async function verifyAuditTrailFor(audit: AuditService, actor: ConsoleActor): Promise<AuditVerification> {
  const result = await audit.verify();
  const details: Record<string, string | number | boolean | null> = result.intact
    ? { intact: true, eventCount: result.eventCount, checkpointCount: result.checkpointCount, checkpointedTo: result.checkpointedTo }
    : { intact: false, eventCount: result.eventCount, brokenAt: result.sequence, reason: result.reason.slice(0, REASON_LIMIT) };
  await audit.record({ actor: actor.audit, action: AUDIT_VERIFIED_ACTION, subject: 'platform:audit-trail', outcome: result.intact ? 'success' : 'failure', details });
  return result;
}

/** The newest verification run from the operators' pages, as its event recorded it. */
export async function findLastVerification(audit: AuditService): Promise<RecordedAuditEvent | undefined> {
  const [event] = await audit.search({ action: AUDIT_VERIFIED_ACTION, limit: 1 });
  return event;
}
