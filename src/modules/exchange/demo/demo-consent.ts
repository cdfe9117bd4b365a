import { createPrivateKey, generateKeyPairSync } from 'node:crypto';
import { calculateJwkThumbprint, createLocalJWKSet, exportJWK, jwtVerify } from 'jose';
import { createSigner, httpbis } from 'http-message-signatures';
import type { Database } from '../../../platform/db/database.ts';
import type { SecretBoxes } from '../../../platform/secrets/secret-box.ts';
import { findOrCreateExampleOrganisation, findOrCreateExampleService, registerOneLoginClientOfService } from '../../console/console.contract.ts';
import { createAgreementStore } from '../agreements/agreement.store.ts';
import { createAgreements } from '../agreements/agreements.ts';
import { CONSENT_ANSWER_TYPE, ConsentRequestError } from '../consent/consent-requests.ts';
import { createConsentStore } from '../consent/consent.store.ts';
import { linkConsumerToOneLogin } from '../consent/consumer-links.ts';
import { USER_ID_COUNTRY } from '../gateway/consent-check.ts';
import { createExchangeKeys } from '../gateway/exchange-keys.ts';
import { formatService, formatSubsystem, parseSubsystem } from '../registry/identifiers.ts';
import { createRegistryStore } from '../registry/registry.store.ts';
import { createRegistry, type RegistryActor } from '../registry/registry.ts';
import { DEMO_COUNCIL, DEMO_MEMBER_CLASS, DEMO_PROVIDER, demoOutboundPolicy, findOrAdd, readDemoCouncilKey, setUpDemoExchange, type DemoExchangeDependencies } from './demo-exchange.ts';
import { DEMO_PROVIDER_PATH } from './demo-provider.routes.ts';
import { PIP_AWARD_OPENAPI } from './pip-awards.ts';

const ACTOR: RegistryActor = { audit: 'system:exchange-demo', isOperator: true };
/** The same records as `pip-award`, published a second time under consent: the council's Blue Badge form asks the person first. */
export const CONSENTED_SERVICE_CODE = 'pip-award-with-consent';
const COUNCIL_SERVICE_NAME = 'Blue Badge (demo)';
const CALL_TIMEOUT_MS = 10_000;

export function demoConsentedServiceIdentifier(instance: string): string {
  return formatService({ instance, memberClass: DEMO_MEMBER_CLASS, memberCode: DEMO_PROVIDER.memberCode, subsystemCode: DEMO_PROVIDER.subsystemCode, serviceCode: CONSENTED_SERVICE_CODE });
}

/** What a consumer inside Civitas needs to ask for consent and call: the council's subsystem, the service and the agreement in force. */
export type DemoConsent = { client: string; service: string; agreementId: string; councilServiceId: string };

/**
 * The example council asks people's consent before it checks their PIP award: the agency's
 * records published again as `pip-award-with-consent` (under consent, the council allowed
 * `GET /awards/*`, an agreement approved by both), and the council's subsystem linked to a One
 * Login client of the council's own (a console service "Blue Badge (demo)") registered on
 * Civitas's own address, with `returnUrls` the consent page may send people back to. Made once,
 * put back when missing, audited as `system:exchange-demo`.
 */
export async function setUpDemoConsent(dependencies: DemoExchangeDependencies, input: { returnUrls: readonly string[] }): Promise<DemoConsent> {
  const { db, audit, instance } = dependencies;
  const clock = dependencies.clock ?? (() => new Date());
  const demo = await setUpDemoExchange(dependencies);
  const registry = createRegistry({ db, audit, instance, outbound: demoOutboundPolicy(dependencies.outbound, dependencies.baseUrl), clock });
  const store = createRegistryStore(db);
  const provider = await store.findSubsystemByIdentifier({ instance, memberClass: DEMO_MEMBER_CLASS, memberCode: DEMO_PROVIDER.memberCode, subsystemCode: DEMO_PROVIDER.subsystemCode });
  const consumer = await store.findSubsystemByIdentifier(parseSubsystem(demo.client));
  if (!provider || !consumer) throw new Error('the Exchange example could not be set up');
  const service = await findOrAdd(
    () => store.findServiceByCode(provider.id, CONSENTED_SERVICE_CODE),
    () => registry.addService({ subsystem: formatSubsystem({ instance, memberClass: DEMO_MEMBER_CLASS, memberCode: DEMO_PROVIDER.memberCode, subsystemCode: DEMO_PROVIDER.subsystemCode }), serviceCode: CONSENTED_SERVICE_CODE, baseUrl: `${dependencies.baseUrl}${DEMO_PROVIDER_PATH}`, openApi: PIP_AWARD_OPENAPI, personalData: true, underConsent: true, actor: ACTOR }),
    'exchange.SERVICE_EXISTS',
  );
  if ((await store.listActiveAccessRights(service.id, consumer.id)).length === 0) {
    await registry.grantAccess({ serviceId: service.id, client: demo.client, endpoint: 'GET /awards/*', actor: ACTOR });
  }
  const [inForce] = await createAgreementStore(db).listInForce(service.id, consumer.member_id, clock().toISOString());
  let agreementId = inForce?.id;
  if (agreementId === undefined) {
    const agreements = createAgreements({ db, audit, clock });
    agreementId = await agreements.add({
      providerMemberId: provider.member_id,
      consumerMemberId: consumer.member_id,
      serviceId: service.id,
      purpose: 'Blue Badge applications, with the applicant’s consent: whether they get the mobility part of PIP at the enhanced rate, which makes them eligible without further assessment',
      lawfulBasis: 'public-task',
      legalGateway: 'Digital Economy Act 2017, Part 5 (public service delivery)',
      fields: '$.status,$.rate',
      until: new Date(clock().getTime() + 365 * 86_400_000).toISOString().slice(0, 10),
      actor: ACTOR,
    });
    await agreements.approve(agreementId, provider.member_id, ACTOR);
    await agreements.approve(agreementId, consumer.member_id, ACTOR);
  }

  const organisation = await findOrCreateExampleOrganisation({ db, audit, clock }, { name: DEMO_COUNCIL.organisation, type: DEMO_COUNCIL.type, actor: ACTOR.audit });
  const councilService = await findOrCreateExampleService({ db, audit, clock }, { organisationId: organisation.id, name: COUNCIL_SERVICE_NAME, actor: ACTOR.audit });
  const link = await createConsentStore(db).findLink(consumer.id);
  const linked = link ? (JSON.parse(link.return_urls) as string[]) : [];
  if (!link || input.returnUrls.some((url) => !linked.includes(url))) {
    const publicKey = generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey.export({ type: 'spki', format: 'pem' }).toString();
    // Registered on Civitas's own address, so One Login gives the person the same `sub` as it gives Forms.
    const oneLoginClientId = await registerOneLoginClientOfService(
      { db, audit },
      { serviceId: councilService.id, client: { name: COUNCIL_SERVICE_NAME, redirectUris: [`${dependencies.baseUrl}/forms/sign-in/callback`], publicKey }, actor: ACTOR.audit, clock },
    );
    await linkConsumerToOneLogin({ db, audit, clock }, { subsystem: demo.client, oneLoginClientId, returnUrls: [...new Set([...linked, ...input.returnUrls])].slice(-10), actor: ACTOR });
  }
  return { client: demo.client, service: demoConsentedServiceIdentifier(instance), agreementId, councilServiceId: councilService.id };
}

/** The agreement in force between the consumer subsystem's member and the service, if any. */
export async function findAgreementInForce(db: Database, input: { client: string; service: string; now: Date }): Promise<string | undefined> {
  const store = createRegistryStore(db);
  let consumer;
  try {
    consumer = await store.findSubsystemByIdentifier(parseSubsystem(input.client));
  } catch {
    return undefined;
  }
  const parts = input.service.split('/');
  const provider = parts.length === 5 ? await store.findSubsystemByIdentifier({ instance: parts[0] as string, memberClass: parts[1] as string, memberCode: parts[2] as string, subsystemCode: parts[3] as string }) : undefined;
  const service = provider && (await store.findServiceByCode(provider.id, parts[4] as string));
  if (!consumer || !service) return undefined;
  const [agreement] = await createAgreementStore(db).listInForce(service.id, consumer.member_id, input.now.toISOString());
  return agreement?.id;
}

/** What the consent page sent the consumer back with, once its token is checked. */
export type ConsentAnswer = { result: 'agreed' | 'refused'; consentId: string | null; agreementId: string; subject: string; requestId: string };

/**
 * Checks the token the consent page sent a consumer back with, as a consumer must: signed by
 * Civitas's Exchange key (EdDSA, `typ` exchange-consent+jwt), issued by Civitas, for this
 * subsystem, with this state, not expired. Throws ConsentRequestError('invalid-request') otherwise.
 */
export async function readConsentAnswer(dependencies: { db: Database; secrets: SecretBoxes; issuer: string }, input: { token: string; client: string; state: string }): Promise<ConsentAnswer> {
  const keys = createExchangeKeys({ db: dependencies.db, secrets: dependencies.secrets });
  try {
    const { payload } = await jwtVerify(input.token, createLocalJWKSet(await keys.publish('request-signing')), {
      issuer: dependencies.issuer,
      audience: input.client,
      typ: CONSENT_ANSWER_TYPE,
      algorithms: ['EdDSA'],
      requiredClaims: ['sub', 'jti', 'exp', 'state', 'result', 'agreement_id'],
    });
    const result = payload.result;
    if (payload.state !== input.state || (result !== 'agreed' && result !== 'refused') || typeof payload.agreement_id !== 'string') throw new Error('claims');
    const consentId = typeof payload.consent_id === 'string' ? payload.consent_id : null;
    if (result === 'agreed' && consentId === null) throw new Error('claims');
    return { result, consentId, agreementId: payload.agreement_id, subject: String(payload.sub), requestId: String(payload.jti) };
  } catch {
    throw new ConsentRequestError('invalid-request', 'The consent answer is not one Civitas signed for this consumer and journey');
  }
}

/** A call's answer as the consumer got it from the /r1 gateway. */
export type ExchangeAnswer = { status: number; errorType: string | null; xRoadId: string | null; body: unknown };

/**
 * A call through Civitas's /r1 gateway signed as the example council's subsystem (whose private
 * key Civitas keeps for the example; `client` must be it), naming the person in X-Road-UserId by the `sub` the
 * council's One Login client has for them. Throws when the gateway cannot be reached in time.
 */
export async function callAsDemoCouncil(dependencies: { db: Database; secrets: SecretBoxes; baseUrl: string; instance: string }, input: { client: string; service: string; path: string; subject: string; issue?: string }): Promise<ExchangeAnswer> {
  const pem = await readDemoCouncilKey(dependencies);
  if (!pem) throw new Error('the example council has no key');
  const privateKey = createPrivateKey(pem);
  const keyId = await calculateJwkThumbprint(await exportJWK(privateKey));
  const url = `${dependencies.baseUrl}/r1/${input.service}${input.path}`;
  const client = formatSubsystem({ instance: dependencies.instance, memberClass: DEMO_MEMBER_CLASS, memberCode: DEMO_COUNCIL.memberCode, subsystemCode: DEMO_COUNCIL.subsystemCode });
  if (input.client !== client) throw new Error('Civitas holds a key for the example council only');
  const headers: Record<string, string> = { 'x-road-client': client, 'x-road-userid': `${USER_ID_COUNTRY}${input.subject}`, ...(input.issue ? { 'x-road-issue': input.issue } : {}) };
  const signed = await httpbis.signMessage(
    {
      key: createSigner(privateKey, 'ecdsa-p256-sha256', keyId),
      fields: ['@method', '@target-uri', 'x-road-client', 'x-road-userid'],
      params: ['created', 'keyid', 'alg', 'nonce'],
      paramValues: { created: new Date(), nonce: crypto.randomUUID() },
    },
    { method: 'GET', url, headers },
  );
  const response = await fetch(url, { headers: signed.headers as Record<string, string>, redirect: 'error', signal: AbortSignal.timeout(CALL_TIMEOUT_MS) });
  const text = await response.text();
  let body: unknown = null;
  try {
    body = text ? JSON.parse(text) : null;
  } catch {
    body = null;
  }
  return { status: response.status, errorType: response.headers.get('x-road-error'), xRoadId: response.headers.get('x-road-id'), body };
}
