import { createPrivateKey, createPublicKey, generateKeyPairSync } from 'node:crypto';
import { calculateJwkThumbprint, exportJWK } from 'jose';
import type { AuditService } from '../../../platform/audit/audit.service.ts';
import type { Database } from '../../../platform/db/database.ts';
import { lockIdOf, lockUntilTransactionEnds } from '../../../platform/db/transaction-lock.ts';
import type { OutboundPolicy } from '../../../platform/net/outbound-request.ts';
import type { SecretBoxes } from '../../../platform/secrets/secret-box.ts';
import { findOrCreateExampleOrganisation } from '../../console/console.contract.ts';
import { createAgreementStore } from '../agreements/agreement.store.ts';
import { createAgreements } from '../agreements/agreements.ts';
import { ExchangeError, type ExchangeErrorCode } from '../exchange.errors.ts';
import { createExchangeKeyStore } from '../gateway/exchange-key.store.ts';
import { formatService, formatSubsystem } from '../registry/identifiers.ts';
import { createRegistryStore } from '../registry/registry.store.ts';
import { createRegistry, type RegistryActor } from '../registry/registry.ts';
import { DEMO_PROVIDER_PATH } from './demo-provider.routes.ts';
import { PIP_AWARD_OPENAPI } from './pip-awards.ts';

const ACTOR: RegistryActor = { audit: 'system:exchange-demo', isOperator: true };
const MEMBER_CLASS = 'GOV';
const PROVIDER = { organisation: 'Example Benefits Agency (demo)', type: 'agency', memberCode: 'DEMO-BENEFITS', subsystemCode: 'pip' } as const;
const CONSUMER = { organisation: 'Example Borough Council (demo)', type: 'council', memberCode: 'DEMO-COUNCIL', subsystemCode: 'blue-badge' } as const;
const SERVICE_CODE = 'pip-award';
/** The example's members, for the consent part of the example (demo-consent.ts). */
export const DEMO_MEMBER_CLASS = MEMBER_CLASS;
export const DEMO_PROVIDER = PROVIDER;
export const DEMO_COUNCIL = CONSUMER;
const AGREED_FIELDS = '$.status,$.rate';
/** The council's private key is kept beside Civitas's own keys, sealed, under a purpose nothing publishes. */
const COUNCIL_KEY_PURPOSE = 'demo-council-client';
const COUNCIL_KEY_SEAL = 'exchange-demo-council-key';

export type DemoExchangeDependencies = { db: Database; audit: AuditService; secrets: SecretBoxes; instance: string; baseUrl: string; outbound: OutboundPolicy; clock?: () => Date };

/** The example's identifiers, as the walk-through uses them. */
export type DemoExchange = { client: string; service: string; serviceId: string; agreementId: string; exampleUrl: string };

/** The example agency's service, as X-Road-Service names it on the calls Civitas forwards. */
export function demoServiceIdentifier(instance: string): string {
  return formatService({ instance, memberClass: MEMBER_CLASS, memberCode: PROVIDER.memberCode, subsystemCode: PROVIDER.subsystemCode, serviceCode: SERVICE_CODE });
}

/** Exchange calls may reach the example's provider on Civitas's own address, and nothing else of it. */
export function demoOutboundPolicy(policy: OutboundPolicy, baseUrl: string): OutboundPolicy {
  return { ...policy, privateUrlPrefixes: [...(policy.privateUrlPrefixes ?? []), `${baseUrl}${DEMO_PROVIDER_PATH}`] };
}

/** Finds a thing; when it is missing adds it, and when another process added it meanwhile, finds that one. */
export async function findOrAdd<T>(find: () => Promise<T | undefined>, add: () => Promise<unknown>, existsCode: ExchangeErrorCode): Promise<T> {
  const found = await find();
  if (found !== undefined) return found;
  try {
    await add();
  } catch (error) {
    if (!(error instanceof ExchangeError && error.code === existsCode)) throw error;
  }
  const added = await find();
  if (added === undefined) throw new Error('the Exchange example could not be set up');
  return added;
}

/** The council's key pair: made once, sealed in the database, so every process and the CLI share it. */
async function loadOrCreateCouncilKey(dependencies: DemoExchangeDependencies): Promise<string> {
  const box = dependencies.secrets.forPurpose(COUNCIL_KEY_SEAL);
  const row = await dependencies.db.transaction().execute(async (transaction) => {
    await lockUntilTransactionEnds(transaction, lockIdOf(`exchange-key:${COUNCIL_KEY_PURPOSE}`));
    const store = createExchangeKeyStore(transaction);
    const current = await store.findCurrent(COUNCIL_KEY_PURPOSE);
    if (current) return current;
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const created = {
      key_id: crypto.randomUUID(),
      purpose: COUNCIL_KEY_PURPOSE,
      private_key: box.seal(privateKey.export({ type: 'pkcs8', format: 'pem' }).toString()),
      public_jwk: JSON.stringify(publicKey.export({ format: 'jwk' })),
      created_at: (dependencies.clock ?? (() => new Date()))().toISOString(),
      retired_at: null,
    };
    await store.insert(created);
    return created;
  });
  return box.open(row.private_key);
}

/**
 * Sets up Exchange's working example, or puts back what is missing of it: an example benefits
 * agency providing `pip-award` from its information system inside Civitas, an example council
 * whose `blue-badge` subsystem may call `GET /awards/*`, and an agreement between them, approved
 * by both, limited to award status and rate, ending a year after it is made. Every step is
 * audited as `system:exchange-demo`.
 */
export async function setUpDemoExchange(dependencies: DemoExchangeDependencies): Promise<DemoExchange> {
  const { db, audit, instance } = dependencies;
  const clock = dependencies.clock ?? (() => new Date());
  const registry = createRegistry({ db, audit, instance, outbound: demoOutboundPolicy(dependencies.outbound, dependencies.baseUrl), clock });
  const store = createRegistryStore(db);

  async function memberOf(side: typeof PROVIDER | typeof CONSUMER) {
    return findOrAdd(
      () => store.findMemberByIdentifier(instance, MEMBER_CLASS, side.memberCode),
      async () => {
        const organisation = await findOrCreateExampleOrganisation({ db, audit, clock }, { name: side.organisation, type: side.type, actor: ACTOR.audit });
        await registry.addMember({ organisationId: organisation.id, memberClass: MEMBER_CLASS, memberCode: side.memberCode, actor: ACTOR });
      },
      'exchange.MEMBER_EXISTS',
    );
  }

  async function subsystemOf(side: typeof PROVIDER | typeof CONSUMER, publicKeyPem: () => string) {
    const identifier = formatSubsystem({ instance, memberClass: MEMBER_CLASS, memberCode: side.memberCode, subsystemCode: side.subsystemCode });
    const subsystem = await findOrAdd(
      () => store.findSubsystemByIdentifier({ instance, memberClass: MEMBER_CLASS, memberCode: side.memberCode, subsystemCode: side.subsystemCode }),
      async () => registry.addSubsystem({ memberId: (await memberOf(side)).id, subsystemCode: side.subsystemCode, publicKeys: publicKeyPem(), actor: ACTOR }),
      'exchange.SUBSYSTEM_EXISTS',
    );
    return { id: subsystem.id, identifier };
  }

  const [provider, consumer] = [await memberOf(PROVIDER), await memberOf(CONSUMER)];
  // The agency's subsystem only provides: the private half of its key is never needed.
  const providerSubsystem = await subsystemOf(PROVIDER, () => generateKeyPairSync('ed25519').publicKey.export({ type: 'spki', format: 'pem' }).toString());
  const councilPublicKey = createPublicKey(createPrivateKey(await loadOrCreateCouncilKey(dependencies))).export({ type: 'spki', format: 'pem' }).toString();
  const consumerSubsystem = await subsystemOf(CONSUMER, () => councilPublicKey);
  // A council subsystem made before the key (the key was lost) is given it; a key revoked on purpose stays revoked.
  const councilThumbprint = await calculateJwkThumbprint(await exportJWK(createPublicKey(councilPublicKey)));
  await findOrAdd(() => store.findKey(councilThumbprint), () => registry.addKeys({ subsystem: consumerSubsystem.identifier, publicKeys: councilPublicKey, actor: ACTOR }), 'exchange.KEY_EXISTS');

  const service = await findOrAdd(
    () => store.findServiceByCode(providerSubsystem.id, SERVICE_CODE),
    () => registry.addService({ subsystem: providerSubsystem.identifier, serviceCode: SERVICE_CODE, baseUrl: `${dependencies.baseUrl}${DEMO_PROVIDER_PATH}`, openApi: PIP_AWARD_OPENAPI, personalData: true, actor: ACTOR }),
    'exchange.SERVICE_EXISTS',
  );
  if ((await store.listActiveAccessRights(service.id, consumerSubsystem.id)).length === 0) {
    await registry.grantAccess({ serviceId: service.id, client: consumerSubsystem.identifier, endpoint: 'GET /awards/*', actor: ACTOR });
  }

  const [inForce] = await createAgreementStore(db).listInForce(service.id, consumer.id, clock().toISOString());
  let agreementId = inForce?.id;
  if (agreementId === undefined) {
    const agreements = createAgreements({ db, audit, clock });
    const oneYearOn = new Date(clock().getTime() + 365 * 86_400_000).toISOString().slice(0, 10);
    agreementId = await agreements.add({
      providerMemberId: provider.id,
      consumerMemberId: consumer.id,
      serviceId: service.id,
      purpose: 'Blue Badge applications: whether the applicant gets the mobility part of PIP, which makes them eligible without further assessment',
      lawfulBasis: 'public-task',
      legalGateway: 'Digital Economy Act 2017, Part 5 (public service delivery)',
      fields: AGREED_FIELDS,
      until: oneYearOn,
      actor: ACTOR,
    });
    await agreements.approve(agreementId, provider.id, ACTOR);
    await agreements.approve(agreementId, consumer.id, ACTOR);
  }
  const serviceIdentifier = demoServiceIdentifier(instance);
  return { client: consumerSubsystem.identifier, service: serviceIdentifier, serviceId: service.id, agreementId, exampleUrl: `${dependencies.baseUrl}/r1/${serviceIdentifier}/awards/QQ123456A?dateOfBirth=1968-04-12&name=Alex%20Example` };
}

/** The council subsystem's private key (PKCS#8 PEM), for the walk-through to sign calls with; undefined before the example is set up. */
export async function readDemoCouncilKey(dependencies: Pick<DemoExchangeDependencies, 'db' | 'secrets'>): Promise<string | undefined> {
  const row = await createExchangeKeyStore(dependencies.db).findCurrent(COUNCIL_KEY_PURPOSE);
  return row ? dependencies.secrets.forPurpose(COUNCIL_KEY_SEAL).open(row.private_key) : undefined;
}
