import type { Executor } from '../../../platform/db/database.ts';
import { createConsentStore } from '../consent/consent.store.ts';
import { isPathParameter, type Endpoint } from '../registry/openapi-description.ts';
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
 * The person's record a call names: the value of its endpoint's path parameters
 * (`/awards/{reference}`), which must all be the same one; undefined when the call reaches no
 * endpoint of the service's description, one without parameters, or names two records.
 * Only the path counts: a query value could name anything beside the record the provider reads.
 */
export function recordOfCall(endpoint: Endpoint | undefined, path: string): string | undefined {
  if (!endpoint) return undefined;
  const pathParts = path.split('/');
  const values = new Set(endpoint.path.split('/').flatMap((part, index) => (isPathParameter(part) ? [pathParts[index] ?? ''] : [])));
  return values.size === 1 ? [...values][0] : undefined;
}

/**
 * For a service under consent: the consent in force of the person X-Road-UserId names, for the
 * client's member, the service, the agreement and the record the call names (see recordOfCall):
 * one person's consent never reaches another's record. The person is known by the `sub` of the One
 * Login client the client subsystem is linked to, so a `sub` another client (another sector) was
 * given matches no consent. Returns the consent's id; null for a service not under consent.
 */
export async function checkConsent(input: { db: Executor; client: SubsystemWithMember; service: ServiceRow; agreementId: string; userId: string | string[] | undefined; record: string | undefined; now: Date }): Promise<string | null> {
  if (input.service.under_consent !== 1) return null;
  const subject = subjectOfUserId(input.userId);
  if (subject === undefined) throw new XRoadError('Client.BadRequest', `This service shares personal data only with the person's consent: X-Road-UserId must name them, as ${USER_ID_COUNTRY} followed by their One Login subject for your service`);
  const store = createConsentStore(input.db);
  const link = await store.findLink(input.client.id);
  const consent =
    link && input.record !== undefined
      ? await store.findInForce({ subject, oneLoginClientId: link.one_login_client_id, consumerMemberId: input.client.member_id, serviceId: input.service.id, agreementId: input.agreementId, record: input.record, now: input.now.toISOString() })
      : undefined;
  if (!consent) throw new XRoadError('Server.ServerProxy.AccessDenied', 'Request is not allowed: the person named in X-Road-UserId has no consent in force for this consumer, service and purpose, and the record the path names');
  return consent.id;
}
