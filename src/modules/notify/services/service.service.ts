import { randomUUID } from 'node:crypto';
import type { AuditService } from '../../../platform/audit/audit.service.ts';
import type { Database, Executor } from '../../../platform/db/database.ts';
import { runInTransaction } from '../../../platform/db/in-transaction.ts';
import { checkOutboundUrl, type OutboundPolicy } from '../../../platform/net/outbound-request.ts';
import { authError } from '../notify.errors.ts';
import { checkIssuedAt, isSignedWith, readBearerToken } from '../api/verify-token.ts';
import { checkEmailAddress, checkPhoneNumber, normaliseEmailAddress } from '../templates/recipients.ts';
import type { SecretBox } from './secret-box.ts';
import type { ReadCache } from '../notify.read-cache.ts';
import type { ApiKeyRow, ApiKeyType, SenderRow, ServiceRow, ServiceStore } from './service.store.ts';

export const DEFAULT_LIMITS = {
  rateLimit: 3000,
  emailDaily: 250_000,
  smsDaily: 250_000,
  letterDaily: 20_000,
  retentionDays: 7,
} as const;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
export const CALLBACK_URL_LIMIT = 2048;
/** Notify's shortest bearer token; the longest is Civitas' own limit (Notify has none). */
export const CALLBACK_TOKEN_MIN_LENGTH = 10;
export const CALLBACK_TOKEN_MAX_LENGTH = 1000;
const KEY_NAME = /^[A-Za-z0-9_]+(?:[ _-][A-Za-z0-9_]+)*$/;

export class ServiceAdminError extends Error {
  readonly code: string;
  constructor(code: string, message: string) {
    super(message);
    this.name = 'ServiceAdminError';
    this.code = code;
  }
}

export type AuthenticatedCaller = { service: ServiceRow; apiKey: Pick<ApiKeyRow, 'id' | 'key_type' | 'name'> };

/** The callers' view of an API key type: `live` is Notify's `normal`. */
export function parseKeyType(type: string): ApiKeyType | undefined {
  if (type === 'live' || type === 'normal') return 'normal';
  if (type === 'team' || type === 'test') return type;
  return undefined;
}

/** Services, their API keys, team members, guest list, senders and callbacks. */
export function createServiceAdmin(dependencies: {
  db: Database;
  store: ServiceStore;
  audit: AuditService;
  secrets: SecretBox;
  caches: { services: ReadCache<ServiceRow | undefined>; apiKeys: ReadCache<ApiKeyRow[]>; senders: ReadCache<SenderRow[]> };
  /** Which callback URLs may be set: https in production, public addresses unless allowed. */
  outboundPolicy: OutboundPolicy;
  clock?: () => Date;
}) {
  const { db, store, audit, secrets, caches } = dependencies;
  const clock = dependencies.clock ?? (() => new Date());
  // Decrypting is cheap but not free; a key's secret never changes, so keep what was opened.
  const openedSecrets = new Map<string, string>();

  function openSecret(key: ApiKeyRow): string {
    let secret = openedSecrets.get(key.id);
    if (secret === undefined) {
      secret = secrets.open(key.secret);
      if (openedSecrets.size > 10_000) openedSecrets.clear();
      openedSecrets.set(key.id, secret);
    }
    return secret;
  }

  async function requireService(id: string): Promise<ServiceRow> {
    const service = UUID.test(id) ? await store.findService(db, id) : undefined;
    if (!service) throw new ServiceAdminError('SERVICE_NOT_FOUND', `There is no service with id ${id}`);
    return service;
  }

  return {
    requireService,
    findService: (id: string) => (UUID.test(id) ? store.findService(db, id) : Promise.resolve(undefined)),
    findPlatformService: () => store.findServiceBySystemKey(db, 'platform'),
    listServices: (ids?: readonly string[]) => store.listServices(db, ids),

    /** In `transaction` when given (a caller's own change that must stand or fall with this one). */
    async createService(input: { name: string; actor: string; rateLimit?: number; transaction?: Executor }): Promise<ServiceRow> {
      const name = input.name.trim();
      if (name.length < 1 || name.length > 255) throw new ServiceAdminError('INVALID_NAME', 'A service name is 1 to 255 characters');
      const row: ServiceRow = {
        id: randomUUID(),
        name,
        active: 1,
        system_key: null,
        rate_limit: input.rateLimit ?? DEFAULT_LIMITS.rateLimit,
        email_daily_limit: DEFAULT_LIMITS.emailDaily,
        sms_daily_limit: DEFAULT_LIMITS.smsDaily,
        letter_daily_limit: DEFAULT_LIMITS.letterDaily,
        retention_days: DEFAULT_LIMITS.retentionDays,
        can_send_international_sms: 0,
        sms_sender: 'Civitas',
        delivery_callback_url: null,
        delivery_callback_token: null,
        inbound_callback_url: null,
        inbound_callback_token: null,
        inbound_number: null,
        created_at: clock().toISOString(),
      };
      await runInTransaction(input.transaction ?? db, async (transaction) => {
        await store.insertService(transaction, row);
        await audit.record(
          { actor: input.actor, action: 'notify.service.created', subject: `notify-service:${row.id}`, outcome: 'success' },
          transaction,
        );
      });
      return row;
    },

    async updateSettings(input: {
      serviceId: string;
      actor: string;
      changes: Partial<Pick<ServiceRow, 'rate_limit' | 'email_daily_limit' | 'sms_daily_limit' | 'letter_daily_limit' | 'retention_days' | 'can_send_international_sms' | 'sms_sender' | 'inbound_number' | 'active' | 'name'>>;
    }): Promise<void> {
      await requireService(input.serviceId);
      await db.transaction().execute(async (transaction) => {
        await store.updateService(transaction, input.serviceId, input.changes);
        await audit.record(
          {
            actor: input.actor,
            action: 'notify.service.settings-changed',
            subject: `notify-service:${input.serviceId}`,
            outcome: 'success',
            details: { changed: Object.keys(input.changes).join(',') },
          },
          transaction,
        );
      });
      caches.services.forget(input.serviceId);
    },

    /** Makes a key and returns it whole, once: `{name}-{service id}-{secret}`. Only the sealed secret is kept. */
    async createApiKey(input: { serviceId: string; keyType: ApiKeyType; name: string; actor: string }): Promise<{ key: string; id: string }> {
      await requireService(input.serviceId);
      const name = input.name.trim();
      if (!KEY_NAME.test(name) || name.length > 255) {
        throw new ServiceAdminError('INVALID_KEY_NAME', 'A key name is letters, digits, spaces, hyphens and underscores');
      }
      const secret = randomUUID();
      const id = randomUUID();
      await db.transaction().execute(async (transaction) => {
        await store.insertApiKey(transaction, {
          id,
          service_id: input.serviceId,
          name,
          key_type: input.keyType,
          secret: secrets.seal(secret),
          created_at: clock().toISOString(),
          revoked_at: null,
        });
        await audit.record(
          {
            actor: input.actor,
            action: 'notify.api-key.created',
            subject: `notify-api-key:${id}`,
            outcome: 'success',
            details: { serviceId: input.serviceId, keyType: input.keyType, name },
          },
          transaction,
        );
      });
      caches.apiKeys.forget(input.serviceId);
      const keyName = name.toLowerCase().replace(/[\s_]+/g, '_');
      return { key: `${keyName}-${input.serviceId}-${secret}`, id };
    },

    listApiKeys: (serviceId: string) => store.listApiKeys(db, serviceId),

    /** Revokes a key by its id, or by the whole key string. */
    async revokeApiKey(input: { serviceId: string; key: string; actor: string }): Promise<string> {
      const keys = await store.listApiKeys(db, input.serviceId);
      const secretOfWholeKey = input.key.length > 73 ? input.key.slice(-36) : undefined;
      const key = keys.find((candidate) => candidate.id === input.key || (secretOfWholeKey !== undefined && openSecret(candidate) === secretOfWholeKey));
      if (!key) throw new ServiceAdminError('KEY_NOT_FOUND', 'The service has no such API key');
      await db.transaction().execute(async (transaction) => {
        const revoked = await store.revokeApiKey(transaction, { serviceId: input.serviceId, keyId: key.id, now: clock().toISOString() });
        if (!revoked) throw new ServiceAdminError('KEY_ALREADY_REVOKED', 'That API key is already revoked');
        await audit.record(
          { actor: input.actor, action: 'notify.api-key.revoked', subject: `notify-api-key:${key.id}`, outcome: 'success', details: { serviceId: input.serviceId } },
          transaction,
        );
      });
      caches.apiKeys.forget(input.serviceId);
      return key.id;
    },

    /**
     * Checks the request's bearer token as Notify does, with Notify's 401 and 403 messages:
     * tries every key of the service that `iss` names; a revoked key that matches is refused.
     * The keys are read through the read cache, as Notify keeps them in memory for 2 seconds:
     * a key revoked here is refused at once, one revoked by another process within a second.
     */
    async authenticate(authorization: string | undefined): Promise<AuthenticatedCaller> {
      const token = readBearerToken(authorization);
      if (!UUID.test(token.issuer)) throw authError(403, 'Invalid token: service id is not the right data type');
      const serviceId = token.issuer.toLowerCase();
      const service = await caches.services.get(serviceId, () => store.findService(db, serviceId));
      if (!service) throw authError(403, 'Invalid token: service not found');
      const keys = await caches.apiKeys.get(service.id, () => store.listApiKeys(db, service.id));
      if (keys.length === 0) throw authError(403, 'Invalid token: service has no API keys');
      if (!service.active) throw authError(403, 'Invalid token: service is archived');
      for (const key of keys) {
        if (!isSignedWith(token, openSecret(key))) continue;
        const clockProblem = checkIssuedAt(token, clock().getTime() / 1000);
        if (clockProblem) throw clockProblem;
        if (key.revoked_at) throw authError(403, 'Invalid token: API key revoked');
        return { service, apiKey: { id: key.id, key_type: key.key_type, name: key.name } };
      }
      throw authError(403, 'Invalid token: API key not found');
    },

    async setCallback(input: {
      serviceId: string;
      kind: 'delivery' | 'inbound';
      url: string | null;
      bearerToken: string | null;
      /** A new URL with the token already set (a team changing only the address). */
      keepBearerToken?: boolean;
      actor: string;
      /** More facts for the audit record, such as whose console service it is. */
      auditDetails?: Record<string, string>;
    }): Promise<void> {
      const service = await requireService(input.serviceId);
      const kept = input.kind === 'delivery' ? service.delivery_callback_token : service.inbound_callback_token;
      const keeping = input.keepBearerToken === true && input.url !== null && kept !== null;
      if (input.url !== null) {
        const problem = input.url.length > CALLBACK_URL_LIMIT ? 'INVALID_URL' : checkOutboundUrl(input.url, dependencies.outboundPolicy);
        if (problem === 'PRIVATE_ADDRESS') {
          throw new ServiceAdminError('PRIVATE_CALLBACK_URL', 'A callback URL must be a public address, not a private, loopback or other internal one');
        }
        if (problem !== undefined) {
          throw new ServiceAdminError('INVALID_CALLBACK_URL', 'A callback URL must be a full https:// address (http:// only outside production)');
        }
        const length = input.bearerToken?.length ?? 0;
        if (!keeping && (length < CALLBACK_TOKEN_MIN_LENGTH || length > CALLBACK_TOKEN_MAX_LENGTH)) {
          throw new ServiceAdminError('INVALID_BEARER_TOKEN', `A callback bearer token is ${CALLBACK_TOKEN_MIN_LENGTH} to ${CALLBACK_TOKEN_MAX_LENGTH} characters`);
        }
      }
      const sealed = input.url === null ? null : keeping ? kept : input.bearerToken ? secrets.seal(input.bearerToken) : null;
      const changes =
        input.kind === 'delivery'
          ? { delivery_callback_url: input.url, delivery_callback_token: sealed }
          : { inbound_callback_url: input.url, inbound_callback_token: sealed };
      await db.transaction().execute(async (transaction) => {
        await store.updateService(transaction, input.serviceId, changes);
        await audit.record(
          {
            actor: input.actor,
            action: input.url ? 'notify.callback.set' : 'notify.callback.removed',
            subject: `notify-service:${input.serviceId}`,
            outcome: 'success',
            details: { ...input.auditDetails, kind: input.kind, host: input.url ? new URL(input.url).host : null },
          },
          transaction,
        );
      });
      caches.services.forget(input.serviceId);
    },

    openCallbackToken(sealed: string): string {
      return secrets.open(sealed);
    },

    async addTeamMember(input: { serviceId: string; emailAddress: string; phoneNumber?: string; actor: string }): Promise<void> {
      await requireService(input.serviceId);
      const email = checkEmailAddress(input.emailAddress);
      if (!email.ok) throw new ServiceAdminError('INVALID_EMAIL', email.message);
      let phone: string | null = null;
      if (input.phoneNumber) {
        const checked = checkPhoneNumber(input.phoneNumber);
        if (!checked.ok) throw new ServiceAdminError('INVALID_PHONE', checked.message);
        phone = checked.value.normalised;
      }
      await db.transaction().execute(async (transaction) => {
        await store.upsertTeamMember(transaction, {
          service_id: input.serviceId,
          email_address: normaliseEmailAddress(email.value),
          phone_number: phone,
          created_at: clock().toISOString(),
        });
        await audit.record(
          { actor: input.actor, action: 'notify.team-member.added', subject: `notify-service:${input.serviceId}`, outcome: 'success' },
          transaction,
        );
      });
    },

    async removeTeamMember(input: { serviceId: string; emailAddress: string; actor: string }): Promise<void> {
      await db.transaction().execute(async (transaction) => {
        const removed = await store.deleteTeamMember(transaction, { serviceId: input.serviceId, emailAddress: normaliseEmailAddress(input.emailAddress) });
        if (!removed) throw new ServiceAdminError('NOT_A_MEMBER', 'That address is not a team member of the service');
        await audit.record(
          { actor: input.actor, action: 'notify.team-member.removed', subject: `notify-service:${input.serviceId}`, outcome: 'success' },
          transaction,
        );
      });
    },

    listTeamMembers: (serviceId: string) => store.listTeamMembers(db, serviceId),
    listServiceIdsForMember: (emailAddress: string) => store.listServiceIdsForMember(db, normaliseEmailAddress(emailAddress)),
    listGuests: (serviceId: string) => store.listGuests(db, serviceId),

    async addGuest(input: { serviceId: string; recipient: string; actor: string }): Promise<void> {
      await requireService(input.serviceId);
      const email = checkEmailAddress(input.recipient);
      const phone = email.ok ? undefined : checkPhoneNumber(input.recipient);
      if (!email.ok && !phone?.ok) throw new ServiceAdminError('INVALID_RECIPIENT', 'Give an email address or a mobile number');
      const row = email.ok
        ? { recipient: normaliseEmailAddress(email.value), recipient_type: 'email' as const }
        : { recipient: (phone as { ok: true; value: { normalised: string } }).value.normalised, recipient_type: 'mobile' as const };
      await db.transaction().execute(async (transaction) => {
        await store.upsertGuest(transaction, { service_id: input.serviceId, ...row, created_at: clock().toISOString() });
        await audit.record(
          { actor: input.actor, action: 'notify.guest-list.added', subject: `notify-service:${input.serviceId}`, outcome: 'success' },
          transaction,
        );
      });
    },

    async removeGuest(input: { serviceId: string; recipient: string; actor: string }): Promise<void> {
      const email = checkEmailAddress(input.recipient);
      const phone = checkPhoneNumber(input.recipient);
      const recipient = email.ok ? normaliseEmailAddress(email.value) : phone.ok ? phone.value.normalised : input.recipient;
      await db.transaction().execute(async (transaction) => {
        const removed = await store.deleteGuest(transaction, { serviceId: input.serviceId, recipient });
        if (!removed) throw new ServiceAdminError('NOT_A_GUEST', 'That recipient is not on the guest list');
        await audit.record(
          { actor: input.actor, action: 'notify.guest-list.removed', subject: `notify-service:${input.serviceId}`, outcome: 'success' },
          transaction,
        );
      });
    },

    async addSender(input: { serviceId: string; type: 'email_reply_to' | 'sms_sender'; value: string; isDefault: boolean; actor: string }): Promise<string> {
      await requireService(input.serviceId);
      if (input.type === 'email_reply_to' && !checkEmailAddress(input.value).ok) {
        throw new ServiceAdminError('INVALID_EMAIL', 'Not a valid email address');
      }
      if (input.type === 'sms_sender' && !/^[A-Za-z0-9 +]{3,11}$|^\+?\d{3,15}$/.test(input.value)) {
        throw new ServiceAdminError('INVALID_SENDER', 'A text message sender is 3 to 11 letters and digits, or a phone number');
      }
      const id = randomUUID();
      await db.transaction().execute(async (transaction) => {
        await store.insertSender(transaction, {
          id,
          service_id: input.serviceId,
          sender_type: input.type,
          value: input.value,
          is_default: input.isDefault ? 1 : 0,
          created_at: clock().toISOString(),
        });
        await audit.record(
          { actor: input.actor, action: 'notify.sender.added', subject: `notify-service:${input.serviceId}`, outcome: 'success', details: { type: input.type } },
          transaction,
        );
      });
      caches.senders.forget(input.serviceId);
      return id;
    },

    listSenders: (serviceId: string) => caches.senders.get(serviceId, () => store.listSenders(db, serviceId)),
  };
}

export type ServiceAdmin = ReturnType<typeof createServiceAdmin>;
