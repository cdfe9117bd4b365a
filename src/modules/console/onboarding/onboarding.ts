import type { AuditService } from '../../../platform/audit/audit.service.ts';
import type { Database, Executor } from '../../../platform/db/database.ts';
import { createTimeOrderedId } from '../../../platform/db/time-ordered-id.ts';
import { isUniqueViolation } from '../../../platform/db/unique-violation.ts';
import type { SecretBox } from '../../../platform/secrets/secret-box.ts';
import type { ClientDescription, NewClient, ServiceClients } from '../../identity/identity.contract.ts';
import type { NotifyKeySummary, NotifyKeyType, ServiceNotify } from '../../notify/notify.contract.ts';
import type { PayKeySummary, ServicePay } from '../../pay/pay.contract.ts';
import { ConsoleError } from '../console.errors.ts';
import type { ConsoleActor } from '../organisations/organisations.ts';
import type { ServiceRow } from '../organisations/organisation.store.ts';
import { createServiceComponentStore, type ComponentKind } from './service-component.store.ts';

/** A secret not shown within this long after it was made is dropped unseen (the person makes another). */
export const ONE_TIME_SECRET_SECONDS = 10 * 60;

export type OneTimeSecretKind = 'client-secret' | 'notify-key' | 'pay-key';
export type ChecklistStep = { id: 'client' | 'notify' | 'pay' | 'live'; done: boolean };

/**
 * What a service team sets up for one console service in the other modules: One Login clients,
 * a Notify service and its keys, a Pay account and its keys. Each is made by that module's own
 * code (the same as its CLI's) and recorded here as the service's; every change is audited with
 * the organisation and service, never a secret or an email address. The caller has checked the
 * service is the organisation's and the person may act for it.
 */
export function createOnboarding(dependencies: {
  db: Database;
  audit: AuditService;
  clients: ServiceClients;
  notify: ServiceNotify;
  pay: ServicePay;
  /** Seals one-time secrets while they wait for their page. */
  secrets: SecretBox;
  clock?: () => Date;
}) {
  const { db, audit, clients, notify, pay, secrets } = dependencies;
  const clock = dependencies.clock ?? (() => new Date());
  const store = createServiceComponentStore(db);

  async function record(service: ServiceRow, actor: ConsoleActor, event: { action: string; subject: string; details?: Record<string, string> }, executor: Executor = db) {
    await audit.record(
      {
        actor: actor.audit,
        action: event.action,
        subject: event.subject,
        outcome: 'success',
        details: { organisationId: service.organisation_id, serviceId: service.id, ...event.details },
      },
      executor,
    );
  }

  /**
   * Makes a component in its module and records that the service owns it, in one transaction:
   * if recording fails, the component is not made either (no orphan without an owner). For a
   * single kind made meanwhile by another request, undefined: nothing of this one is kept.
   */
  async function makeOwned(
    input: { service: ServiceRow; actor: ConsoleActor; kind: ComponentKind; single: boolean; action: string },
    make: (transaction: Executor) => Promise<{ id: string; subject: string; details?: Record<string, string> }>,
  ): Promise<string | undefined> {
    try {
      return await db.transaction().execute(async (transaction) => {
        const made = await make(transaction);
        await createServiceComponentStore(transaction).insertComponent({
          kind: input.kind,
          external_id: made.id,
          organisation_id: input.service.organisation_id,
          service_id: input.service.id,
          single: input.single ? `${input.service.id}:${input.kind}` : null,
          created_at: clock().toISOString(),
        });
        await record(input.service, input.actor, { action: input.action, subject: made.subject, ...(made.details ? { details: made.details } : {}) }, transaction);
        return made.id;
      });
    } catch (error) {
      if (input.single && isUniqueViolation(error)) return undefined;
      throw error;
    }
  }

  const idsOf = async (service: ServiceRow, kind: ComponentKind) =>
    (await store.listComponents(service.id)).filter((row) => row.kind === kind).map((row) => row.external_id);
  const singleOf = async (service: ServiceRow, kind: ComponentKind) => (await store.findSingle(service.id, kind))?.external_id;

  async function requireNotifyService(service: ServiceRow): Promise<string> {
    const id = await singleOf(service, 'notify-service');
    if (!id) throw new ConsoleError('console.COMPONENT_NOT_FOUND', 'The service has no Notify service yet', 404);
    return id;
  }
  async function requirePayAccount(service: ServiceRow): Promise<string> {
    const id = await singleOf(service, 'pay-account');
    if (!id) throw new ConsoleError('console.COMPONENT_NOT_FOUND', 'The service has no Pay account yet', 404);
    return id;
  }

  async function listNotifyKeys(service: ServiceRow): Promise<NotifyKeySummary[]> {
    const id = await singleOf(service, 'notify-service');
    return id ? notify.listApiKeys(id) : [];
  }
  async function listPayKeys(service: ServiceRow): Promise<PayKeySummary[]> {
    const id = await singleOf(service, 'pay-account');
    return id ? pay.listKeys(id) : [];
  }

  return {
    /** Throws ClientRegistrationError unless One Login would take the text as a client's public key. */
    checkPublicKey: (text: string) => clients.checkPublicKey(text),

    /** Registers a One Login client for the service through One Login's registry (the CLI's path). */
    async registerClient(input: { service: ServiceRow; client: NewClient; actor: ConsoleActor }): Promise<{ clientId: string; clientSecret?: string }> {
      let registered: { clientId: string; clientSecret?: string } | undefined;
      await makeOwned({ ...input, kind: 'identity-client', single: false, action: 'console.client.registered' }, async (transaction) => {
        registered = await clients.register(input.client, transaction);
        return { id: registered.clientId, subject: `client:${registered.clientId}`, details: { keySource: input.client.jwksUri ? 'jwks_uri' : 'public_key' } };
      });
      if (!registered) throw new Error('a client was registered without its id');
      return registered;
    },

    async listClients(service: ServiceRow): Promise<ClientDescription[]> {
      const described = await Promise.all((await idsOf(service, 'identity-client')).map((id) => clients.describe(id)));
      return described.filter((client): client is ClientDescription => client !== undefined);
    },

    /** The client, if it is this service's. */
    async findClient(service: ServiceRow, clientId: string): Promise<ClientDescription | undefined> {
      if (!(await store.findComponent({ serviceId: service.id, kind: 'identity-client', externalId: clientId }))) return undefined;
      return clients.describe(clientId);
    },

    async setRedirectUris(input: { service: ServiceRow; clientId: string; uris: string[]; actor: ConsoleActor }): Promise<void> {
      if (!(await store.findComponent({ serviceId: input.service.id, kind: 'identity-client', externalId: input.clientId }))) {
        throw new ConsoleError('console.COMPONENT_NOT_FOUND', 'The service has no such client', 404);
      }
      await clients.setRedirectUris(input.clientId, input.uris);
      await record(input.service, input.actor, { action: 'console.client.redirect-uris-changed', subject: `client:${input.clientId}`, details: { count: String(input.uris.length) } });
    },

    notifyServiceOf: (service: ServiceRow) => singleOf(service, 'notify-service'),

    /** Makes the service's Notify service, once: a second request finds the first's. */
    async createNotifyService(input: { service: ServiceRow; actor: ConsoleActor }): Promise<string> {
      const existing = await singleOf(input.service, 'notify-service');
      if (existing) return existing;
      const made = await makeOwned({ ...input, kind: 'notify-service', single: true, action: 'console.notify-service.created' }, async (transaction) => {
        const { id } = await notify.createService({ name: input.service.name, actor: input.actor.audit, transaction });
        return { id, subject: `notify-service:${id}` };
      });
      return made ?? requireNotifyService(input.service);
    },

    listNotifyKeys,

    async createNotifyKey(input: { service: ServiceRow; keyType: NotifyKeyType; name: string; actor: ConsoleActor }): Promise<{ id: string; key: string }> {
      const serviceId = await requireNotifyService(input.service);
      const made = await notify.createApiKey({ serviceId, keyType: input.keyType, name: input.name, actor: input.actor.audit });
      await record(input.service, input.actor, { action: 'console.notify-key.created', subject: `notify-api-key:${made.id}`, details: { keyType: input.keyType } });
      return made;
    },

    /** Revokes a Notify key of this service's Notify service only (another's id is not found). */
    async revokeNotifyKey(input: { service: ServiceRow; keyId: string; actor: ConsoleActor }): Promise<void> {
      const serviceId = await requireNotifyService(input.service);
      await notify.revokeApiKey({ serviceId, keyId: input.keyId, actor: input.actor.audit });
      await record(input.service, input.actor, { action: 'console.notify-key.revoked', subject: `notify-api-key:${input.keyId}` });
    },

    payAccountOf: (service: ServiceRow) => singleOf(service, 'pay-account'),

    /** Makes the service's Pay account (test payments, through the sandbox), once. */
    async createPayAccount(input: { service: ServiceRow; actor: ConsoleActor }): Promise<string> {
      const existing = await singleOf(input.service, 'pay-account');
      if (existing) return existing;
      const made = await makeOwned({ ...input, kind: 'pay-account', single: true, action: 'console.pay-account.created' }, async (transaction) => {
        const { id } = await pay.createAccount({ name: input.service.name.slice(0, 100), actor: input.actor.audit, transaction });
        return { id, subject: `pay-account:${id}` };
      });
      return made ?? requirePayAccount(input.service);
    },

    listPayKeys,

    async createPayKey(input: { service: ServiceRow; description: string; actor: ConsoleActor }): Promise<{ id: string; key: string }> {
      const accountId = await requirePayAccount(input.service);
      const made = await pay.createTestKey({ accountId, description: input.description, actor: input.actor.audit });
      await record(input.service, input.actor, { action: 'console.pay-key.created', subject: `pay-account:${accountId}`, details: { keyId: made.id } });
      return made;
    },

    /** Revokes a Pay key of this service's account only (another account's id is not found). */
    async revokePayKey(input: { service: ServiceRow; keyId: string; actor: ConsoleActor }): Promise<void> {
      const accountId = await requirePayAccount(input.service);
      await pay.revokeKey({ accountId, keyId: input.keyId, actor: input.actor.audit });
      await record(input.service, input.actor, { action: 'console.pay-key.revoked', subject: `pay-account:${accountId}`, details: { keyId: input.keyId } });
    },

    /** What the service has done towards going live, in the order a team does it. */
    async checklist(service: ServiceRow): Promise<ChecklistStep[]> {
      const [clientIds, notifyKeys, payKeys, payAccountId] = await Promise.all([
        idsOf(service, 'identity-client'),
        listNotifyKeys(service),
        listPayKeys(service),
        singleOf(service, 'pay-account'),
      ]);
      const payAccount = payAccountId ? await pay.findAccount(payAccountId) : undefined;
      const liveNotify = notifyKeys.some((key) => key.keyType === 'normal' && key.revokedAt === null);
      return [
        { id: 'client', done: clientIds.length > 0 },
        { id: 'notify', done: notifyKeys.some((key) => key.revokedAt === null) },
        { id: 'pay', done: payKeys.some((key) => key.revokedAt === null) },
        // Live: real messages (a live Notify key) and real payments (an operator connected a provider).
        { id: 'live', done: liveNotify && payAccount?.liveProvider != null },
      ];
    },

    /** Keeps a secret, sealed, for the next page this session opens of this service. */
    async keepSecret(input: { sessionKey: string; service: ServiceRow; kind: OneTimeSecretKind; value: string }): Promise<void> {
      const now = clock();
      await store.removeSecretsBefore(new Date(now.getTime() - ONE_TIME_SECRET_SECONDS * 1000).toISOString());
      await store.insertSecret({
        id: createTimeOrderedId(),
        session_hash: input.sessionKey,
        service_id: input.service.id,
        kind: input.kind,
        sealed: secrets.seal(input.value),
        created_at: now.toISOString(),
      });
    },

    /** The secrets waiting for this session on this service's page, each given once and deleted. */
    async takeSecrets(input: { sessionKey: string; service: ServiceRow }): Promise<Array<{ kind: OneTimeSecretKind; value: string }>> {
      const since = new Date(clock().getTime() - ONE_TIME_SECRET_SECONDS * 1000).toISOString();
      const taken: Array<{ kind: OneTimeSecretKind; value: string }> = [];
      for (const row of await store.listSecrets(input.sessionKey, input.service.id)) {
        if (!(await store.removeSecret(row.id)) || row.created_at < since) continue;
        taken.push({ kind: row.kind as OneTimeSecretKind, value: secrets.open(row.sealed) });
      }
      return taken;
    },
  };
}

export type Onboarding = ReturnType<typeof createOnboarding>;
