import { SignJWT } from 'jose';
import type { AuditService } from '../../../platform/audit/audit.service.ts';
import type { Database } from '../../../platform/db/database.ts';
import { findConsoleOrganisation } from '../../console/console.contract.ts';
import { createAgreementStore, type AgreementRow } from '../agreements/agreement.store.ts';
import { nameAgreedFields, type FieldName } from '../agreements/field-names.ts';
import type { ExchangeKeys } from '../gateway/exchange-keys.ts';
import { formatService, formatSubsystem, parseSubsystem, type SubsystemIdentifier } from '../registry/identifiers.ts';
import { createRegistryStore, type SubsystemWithMember } from '../registry/registry.store.ts';
import { createConsentStore, type ConsentRequestRow } from './consent.store.ts';

/** How long a person has to answer once a consumer sends them to the consent page. */
export const CONSENT_REQUEST_MINUTES = 60;
/** How long the consumer has to check the signed answer it is sent back with. */
const ANSWER_TOKEN_SECONDS = 10 * 60;
export const CONSENT_ANSWER_TYPE = 'exchange-consent+jwt';
/**
 * The person's record at the provider a consent is for, as a call's path names it: letters,
 * digits and `.` `_` `~` `-`, which a path carries as they are (no spelling of it but one); not
 * dots alone, which a path cannot name.
 */
const RECORD = /^(?!\.+$)[A-Za-z0-9._~-]{1,100}$/;

/** Why a consent request cannot go on; `code` names it for the page that explains it. */
export class ConsentRequestError extends Error {
  readonly code: 'invalid-request' | 'not-found' | 'other-person' | 'answered';
  constructor(code: ConsentRequestError['code'], message: string) {
    super(message);
    this.name = 'ConsentRequestError';
    this.code = code;
  }
}

/** Everything the person is told before they answer: who will see what, why and until when. */
export type ConsentRequestView = {
  id: string;
  consumerName: string;
  consumerSystem: string;
  providerName: string;
  service: string;
  purpose: string;
  lawfulBasis: string;
  legalGateway: string | null;
  /** The agreed fields, as JSON paths such as `$.status`. */
  fields: string[];
  /** The same fields in plain words, in English and Welsh (see nameAgreedFields). */
  fieldNames: FieldName[];
  /** The person's record at the provider, the only one the consent lets the consumer ask about. */
  record: string;
  /** The last day the consent can be in force (the agreement's end date). */
  lastDay: string;
};

/** The person's `sub` as the given One Login client knows them: the identity module works it out. */
export type SubjectOfPerson = (oneLoginClientId: string) => Promise<string>;

function readIdentifier(text: string): SubsystemIdentifier | undefined {
  try {
    return parseSubsystem(text);
  } catch {
    return undefined;
  }
}

const invalid = (message: string) => new ConsentRequestError('invalid-request', message);

/**
 * A person's consent, asked for by a consumer: the consumer sends the person to Civitas with its
 * subsystem, the agreement, a state and one of its registered return URLs; the person (signed in
 * with One Login) is shown the agreement and agrees or refuses; the consumer is sent back with
 * the state, the result and a token signed by Civitas's Exchange key. A request belongs to the
 * person who first opened it and is answered once.
 */
export function createConsentRequests(dependencies: { db: Database; audit: AuditService; keys: ExchangeKeys; issuer: string; clock?: () => Date }) {
  const { db, audit, keys, issuer } = dependencies;
  const clock = dependencies.clock ?? (() => new Date());

  async function agreementInForce(id: string, now: Date): Promise<AgreementRow | undefined> {
    const agreement = await createAgreementStore(db).find(id);
    const inForce = agreement?.status === 'active' && agreement.starts_at <= now.toISOString() && agreement.ends_at > now.toISOString();
    return inForce ? agreement : undefined;
  }

  async function requireOpenRequest(id: string, now: Date): Promise<ConsentRequestRow> {
    const request = /^[0-9a-f-]{36}$/.test(id) ? await createConsentStore(db).findRequest(id) : undefined;
    // A request from before consents named a record could only give a consent that lets no call through: it is asked again.
    if (!request || request.expires_at <= now.toISOString() || request.record === null) throw new ConsentRequestError('not-found', 'There is no such consent request, or it has expired');
    return request;
  }

  /** The request, bound to this person on first sight; refused for anyone else, or once answered. */
  async function requireRequestOf(id: string, subjectOf: SubjectOfPerson, now: Date) {
    const request = await requireOpenRequest(id, now);
    const link = await createConsentStore(db).findLink(request.client_subsystem_id);
    if (!link) throw new ConsentRequestError('not-found', 'The consumer no longer asks for consent');
    const subject = await subjectOf(link.one_login_client_id);
    if (!(await createConsentStore(db).bindRequest(request.id, subject))) throw new ConsentRequestError('other-person', 'This consent request was opened by someone else');
    if (request.status !== 'pending') throw new ConsentRequestError('answered', 'This consent request has been answered');
    return { request, subject, link };
  }

  async function viewOf(request: ConsentRequestRow, now: Date): Promise<{ view: ConsentRequestView; agreement: AgreementRow; client: SubsystemWithMember }> {
    const registry = createRegistryStore(db);
    const [agreement, client] = await Promise.all([agreementInForce(request.agreement_id, now), registry.findSubsystem(request.client_subsystem_id)]);
    const service = agreement && (await registry.findService(agreement.service_id));
    const provider = service && (await registry.findSubsystem(service.subsystem_id));
    if (!agreement || !client || !service || !provider) throw new ConsentRequestError('not-found', 'The agreement is no longer in force');
    const [consumerOrganisation, providerOrganisation] = await Promise.all([findConsoleOrganisation(db, client.member.organisation_id), findConsoleOrganisation(db, provider.member.organisation_id)]);
    const identifierOf = (subsystem: SubsystemWithMember) => ({ instance: subsystem.member.instance, memberClass: subsystem.member.member_class, memberCode: subsystem.member.member_code, subsystemCode: subsystem.subsystem_code });
    const fields = JSON.parse(agreement.fields) as string[];
    return {
      agreement,
      client,
      view: {
        id: request.id,
        consumerName: consumerOrganisation?.name ?? client.member.member_code,
        consumerSystem: formatSubsystem(identifierOf(client)),
        providerName: providerOrganisation?.name ?? provider.member.member_code,
        service: formatService({ ...identifierOf(provider), serviceCode: service.service_code }),
        purpose: agreement.purpose,
        lawfulBasis: agreement.lawful_basis,
        legalGateway: agreement.legal_gateway,
        fields,
        fieldNames: await nameAgreedFields({ openApi: service.openapi, fields }),
        record: request.record ?? '',
        lastDay: new Date(Date.parse(agreement.ends_at) - 86_400_000).toISOString().slice(0, 10),
      },
    };
  }

  async function answerUrl(input: { request: ConsentRequestRow; client: SubsystemWithMember; subject: string; result: 'agreed' | 'refused'; consentId: string | null; now: Date }): Promise<string> {
    const key = await keys.current('request-signing');
    const seconds = Math.floor(input.now.getTime() / 1000);
    const token = await new SignJWT({ result: input.result, consent_id: input.consentId, agreement_id: input.request.agreement_id, record: input.request.record, state: input.request.state })
      .setProtectedHeader({ alg: 'EdDSA', kid: key.keyId, typ: CONSENT_ANSWER_TYPE })
      .setIssuer(issuer)
      .setAudience(formatSubsystem({ instance: input.client.member.instance, memberClass: input.client.member.member_class, memberCode: input.client.member.member_code, subsystemCode: input.client.subsystem_code }))
      .setSubject(input.subject)
      .setJti(input.request.id)
      .setIssuedAt(seconds)
      .setExpirationTime(seconds + ANSWER_TOKEN_SECONDS)
      .sign(key.privateKey);
    const url = new URL(input.request.return_url);
    url.searchParams.set('state', input.request.state);
    url.searchParams.set('result', input.result);
    if (input.consentId) url.searchParams.set('consent_id', input.consentId);
    url.searchParams.set('consent_token', token);
    return url.href;
  }

  return {
    /**
     * Checks what the consumer sent and keeps it as a request; returns its id. Nothing here
     * redirects: a consumer, agreement or return URL that does not check out is an error page.
     */
    async start(input: { client: string; agreementId: string; record: string; state: string; returnUrl: string }): Promise<string> {
      const now = clock();
      const identifier = readIdentifier(input.client);
      const client = identifier && (await createRegistryStore(db).findSubsystemByIdentifier(identifier));
      const link = client && client.member.status === 'approved' ? await createConsentStore(db).findLink(client.id) : undefined;
      if (!client || !link) throw invalid('The consumer is not a subsystem that asks for consent');
      if (!(JSON.parse(link.return_urls) as string[]).includes(input.returnUrl)) throw invalid('The return URL is not one the consumer registered');
      if (!/^[\x21-\x7e]{1,200}$/.test(input.state)) throw invalid('The state must be 1 to 200 printable characters');
      if (!RECORD.test(input.record)) throw invalid("The record must be the person's reference at the provider: 1 to 100 letters, digits, '.', '_', '~' or '-'");
      const agreement = /^[0-9a-f-]{36}$/.test(input.agreementId) ? await agreementInForce(input.agreementId, now) : undefined;
      const service = agreement && (await createRegistryStore(db).findService(agreement.service_id));
      if (!agreement || agreement.consumer_member_id !== client.member_id || service?.under_consent !== 1) throw invalid("The agreement is not one of the consumer's in force for a service under consent");
      const id = crypto.randomUUID();
      const store = createConsentStore(db);
      await store.removeRequestsExpiredBefore(now.toISOString());
      await store.insertRequest({
        id,
        client_subsystem_id: client.id,
        agreement_id: agreement.id,
        state: input.state,
        return_url: input.returnUrl,
        record: input.record,
        subject: null,
        status: 'pending',
        consent_id: null,
        created_at: now.toISOString(),
        expires_at: new Date(now.getTime() + CONSENT_REQUEST_MINUTES * 60_000).toISOString(),
        decided_at: null,
      });
      return id;
    },

    /** What the person is asked, once the request is theirs. */
    async open(id: string, subjectOf: SubjectOfPerson): Promise<ConsentRequestView> {
      const now = clock();
      const { request } = await requireRequestOf(id, subjectOf, now);
      return (await viewOf(request, now)).view;
    },

    /** Records the answer (once) and returns where to send the person: the consumer's return URL. */
    async answer(input: { id: string; subjectOf: SubjectOfPerson; agree: boolean; actor: string; requestId?: string }): Promise<string> {
      const now = clock();
      const { request, subject, link } = await requireRequestOf(input.id, input.subjectOf, now);
      const { agreement, client } = await viewOf(request, now);
      const consentId = input.agree ? crypto.randomUUID() : null;
      const result = input.agree ? 'agreed' : 'refused';
      await db.transaction().execute(async (transaction) => {
        const store = createConsentStore(transaction);
        if (!(await store.decideRequest(request.id, subject, { status: result, consentId, at: now.toISOString() }))) throw new ConsentRequestError('answered', 'This consent request has been answered');
        if (consentId) {
          await store.insertConsent({
            id: consentId,
            subject,
            one_login_client_id: link.one_login_client_id,
            consumer_member_id: client.member_id,
            consumer_subsystem_id: client.id,
            service_id: agreement.service_id,
            agreement_id: agreement.id,
            record: request.record,
            status: 'active',
            given_at: now.toISOString(),
            expires_at: agreement.ends_at,
            withdrawn_at: null,
          });
        }
        await audit.record(
          { actor: input.actor, action: input.agree ? 'exchange.consent.given' : 'exchange.consent.refused', subject: consentId ? `exchange-consent:${consentId}` : `exchange-consent-request:${request.id}`, outcome: 'success', ...(input.requestId ? { requestId: input.requestId } : {}), details: { agreement_id: agreement.id, consumer_subsystem_id: client.id } },
          transaction,
        );
      });
      return answerUrl({ request, client, subject, result, consentId, now });
    },
  };
}

export type ConsentRequests = ReturnType<typeof createConsentRequests>;
