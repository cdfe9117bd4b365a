import type { Executor } from '../../../platform/db/database.ts';
import { createConsentStore } from '../consent/consent.store.ts';
import type { ServiceRow, SubsystemWithMember } from '../registry/registry.store.ts';
import { XRoadError } from './xroad-error.ts';

/** X-Road-UserId is a country code and the person's reference: here `GB` and their One Login `sub`. */
export const USER_ID_COUNTRY = 'GB';

/** The person's One Login `sub` that X-Road-UserId names, or undefined when it names none. */
export function subjectOfUserId(header: string | string[] | undefined): string | undefined {
  if (typeof header !== 'string' || !header.startsWith(USER_ID_COUNTRY)) return undefined;
  const subject = header.slice(USER_ID_COUNTRY.length);
  return /^[\x21-\x7e]{1,200}$/.test(subject) ? subject : undefined;
}

/**
 * For a service under consent: the consent in force of the person X-Road-UserId names, for the
 * client's member, the service and the agreement. The person is known by the `sub` of the One
 * Login client the client subsystem is linked to, so a `sub` another client (another sector) was
 * given matches no consent. Returns the consent's id; null for a service not under consent.
 */
export async function checkConsent(input: { db: Executor; client: SubsystemWithMember; service: ServiceRow; agreementId: string; userId: string | string[] | undefined; now: Date }): Promise<string | null> {
  if (input.service.under_consent !== 1) return null;
  const subject = subjectOfUserId(input.userId);
  if (subject === undefined) throw new XRoadError('Client.BadRequest', `This service shares personal data only with the person's consent: X-Road-UserId must name them, as ${USER_ID_COUNTRY} followed by their One Login subject for your service`);
  const store = createConsentStore(input.db);
  const link = await store.findLink(input.client.id);
  const consent = link
    ? await store.findInForce({ subject, oneLoginClientId: link.one_login_client_id, consumerMemberId: input.client.member_id, serviceId: input.service.id, agreementId: input.agreementId, now: input.now.toISOString() })
    : undefined;
  if (!consent) throw new XRoadError('Server.ServerProxy.AccessDenied', 'Request is not allowed: the person named in X-Road-UserId has no consent in force for this consumer, service and purpose');
  return consent.id;
}
