import { createHash, createHmac } from 'node:crypto';
import type { AuditKey } from './audit-keys.ts';
import type { AuditEventRow } from './audit.store.ts';

/** The `previous_hash` of the first event, which has no event before it. */
export const GENESIS_HASH = '0'.repeat(64);

const KEYED_EVENT_FORMAT = 'civitas-audit-event/2';

type EventFields = Omit<AuditEventRow, 'hash' | 'key_id'>;

// Arrays fix the field order, so a MAC never depends on how an object was built.
function listFields(row: EventFields) {
  return [
    row.sequence,
    row.id,
    row.occurred_at,
    row.actor,
    row.action,
    row.subject,
    row.outcome,
    row.request_id,
    row.details,
    row.previous_hash,
  ];
}

/**
 * The hash events carried before the trail was keyed: SHA-256 over every other column. Anyone
 * can compute it, so it only ever vouches for the unkeyed events at the start of an old trail,
 * which the first keyed event then seals by naming the last one's hash.
 */
export function computeUnkeyedAuditEventHash(row: EventFields): string {
  return createHash('sha256').update(JSON.stringify(listFields(row))).digest('hex');
}

/**
 * The HMAC a keyed event carries in `hash`: over every other column, its key id and the previous
 * event's MAC included, under a key that is not in the database.
 */
export function computeAuditEventMac(row: EventFields, key: AuditKey): string {
  const canonical = JSON.stringify([KEYED_EVENT_FORMAT, key.id, ...listFields(row)]);
  return createHmac('sha256', key.eventKey).update(canonical).digest('hex');
}
