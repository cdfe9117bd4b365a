/**
 * What other modules may use of Exchange. Everything else in src/modules/exchange is private.
 */
import type { AuditService } from '../../platform/audit/audit.service.ts';
import type { Database, Executor } from '../../platform/db/database.ts';
import type { SecretBoxes } from '../../platform/secrets/secret-box.ts';
import { createConsentRequests } from './consent/consent-requests.ts';
import { createConsentStore } from './consent/consent.store.ts';
import { createPersonView } from './consent/person-view.ts';
import { createExchangeKeys } from './gateway/exchange-keys.ts';
import { createMessageLogStore } from './message-log/message-log.store.ts';

export {
  formatMember,
  formatService,
  formatSubsystem,
  parseSubsystem,
  type MemberIdentifier,
  type ServiceIdentifier,
  type SubsystemIdentifier,
} from './registry/identifiers.ts';
export {
  createAgreementRequests,
  findLatestAskedLastDay,
  MAX_ASKED_AGREEMENT_YEARS,
  type AgreementRequests,
  type AgreementSummary,
  type ExchangeServiceSummary,
} from './agreements/agreement-requests.ts';
export { LAWFUL_BASES } from './agreements/agreements.ts';
export { ExchangeError } from './exchange.errors.ts';
export { EXCHANGE_JWKS_PATH, EXCHANGE_LOG_JWKS_PATH } from './gateway/exchange-keys.ts';
export { USER_ID_COUNTRY } from './gateway/consent-check.ts';
export { CONSENT_ANSWER_TYPE, ConsentRequestError, type ConsentRequestView, type SubjectOfPerson } from './consent/consent-requests.ts';
export type { ConsentForPerson, ExchangeForPerson, SubjectsOfPerson } from './consent/person-view.ts';
/**
 * A consumer inside Civitas (Forms' eligibility step): the example council's consent set-up, the
 * agreement in force, the consent page's answer checked, and calls signed as the example council.
 */
export {
  callAsDemoCouncil,
  findAgreementInForce,
  readConsentAnswer,
  setUpDemoConsent,
  type ConsentAnswer,
  type DemoConsent,
  type ExchangeAnswer,
} from './demo/demo-consent.ts';

/**
 * What a person's account pages use of Exchange: the consent page (a consumer's request, shown and
 * answered), "who has seen my data" (every exchange that named them, their consents, withdrawing
 * one), and which One Login clients consumers know people by. Exchange knows a person only by the
 * pairwise `sub` each of those clients has for them; the identity module works those out.
 */
export function createPersonalDataSharing(dependencies: { db: Database; audit: AuditService; secrets: SecretBoxes; issuer: string; clock?: () => Date }) {
  const keys = createExchangeKeys({ db: dependencies.db, secrets: dependencies.secrets, ...(dependencies.clock ? { clock: dependencies.clock } : {}) });
  return {
    consentRequests: createConsentRequests({ ...dependencies, keys }),
    person: createPersonView(dependencies),
    /** The One Login clients that consumer subsystems send people's `sub` of. */
    listLinkedOneLoginClients: () => createConsentStore(dependencies.db).listLinkedClientIds(),
  };
}

export type PersonalDataSharing = ReturnType<typeof createPersonalDataSharing>;

/** One call that named a person (X-Road-UserId), as the message log keeps it: never its body. */
export type ExchangeOfPerson = {
  xRoadId: string;
  /** The consumer subsystem that asked, `INSTANCE/CLASS/MEMBER/SUBSYSTEM`. */
  client: string | null;
  /** The service asked, `INSTANCE/CLASS/MEMBER/SUBSYSTEM/SERVICE`. */
  service: string | null;
  /** The endpoint template reached, such as `GET /awards/{reference}`. */
  endpoint: string | null;
  /** The case or application the consumer gave (X-Road-Issue). */
  issue: string | null;
  agreementId: string | null;
  statusCode: number;
  /** Set when Exchange refused the call: an X-Road error type. */
  errorType: string | null;
  at: string;
};

/**
 * The exchanges of a person's data, newest first, for "who has seen my data": every call whose
 * X-Road-UserId was `userId` (the reference the consumer sends, such as `GB` and the person's
 * One Login subject), allowed or refused, by a client that proved who it was (a call refused for
 * its signature could name anyone).
 */
export async function listExchangesOfPerson(db: Executor, userId: string, limit = 100): Promise<ExchangeOfPerson[]> {
  const rows = await createMessageLogStore(db).listForPerson(userId, limit);
  return rows.map((row) => ({
    xRoadId: row.x_road_id,
    client: row.client,
    service: row.service,
    endpoint: row.endpoint,
    issue: row.issue,
    agreementId: row.agreement_id,
    statusCode: row.status_code,
    errorType: row.error_type,
    at: row.recorded_at,
  }));
}
