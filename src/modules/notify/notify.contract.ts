/**
 * Notify's contract: the only file other modules import. It sends a module's own messages
 * (One Login's security codes, for example) through Notify's templates without an API key, as
 * Civitas's built-in "platform" service.
 *
 *   import { sendSystemEmail, SYSTEM_TEMPLATES } from './notify.contract.ts';
 *   const { id } = await sendSystemEmail(kernel, {
 *     templateKey: SYSTEM_TEMPLATES.securityCodeEmail,
 *     to: 'ffion@example.com',
 *     personalisation: { code: '123456', minutes: 15 },
 *   });
 *
 * - The message is stored and its delivery queued in one transaction before the promise
 *   resolves; a worker sends it (retrying), exactly as for the API. It is not sent in the caller's
 *   transaction: call this after your own change has committed.
 * - Templates are found by their stable key (`SYSTEM_TEMPLATES`), created by Notify's migration;
 *   their wording can be changed on the service-team pages of the "Civitas platform" service by
 *   its team (`civitas notify team add --service <platform service id> --email ...`).
 * - Nothing is rate limited for the platform service; today's send limits still count.
 * - Failures throw `NotifySendError` with a stable `code` and a message safe to log (never the
 *   recipient): `notify.TEMPLATE_NOT_FOUND`, `notify.ValidationError` (bad address or number),
 *   `notify.BadRequestError` (missing personalisation, message too long, ...),
 *   `notify.TooManyRequestsError` (today's limit).
 * - `getNotificationStatus(kernel, id)` tells how delivery went: created, sending, delivered,
 *   permanent-failure, temporary-failure or technical-failure.
 */
import type { Executor } from '../../platform/db/database.ts';
import type { Kernel } from '../../platform/kernel.ts';

/** What sending needs of the platform: the kernel, or a Fastify instance (which carries the same services). */
export type NotifyPlatform = Pick<Kernel, 'config' | 'db' | 'audit' | 'jobs'>;
import { NotifyApiError } from './notify.errors.ts';
import { notifyCoreOf } from './notify.core-cache.ts';
import { describeStatus } from './notifications/notification.view.ts';
import { checkEmailAddress } from './templates/recipients.ts';
import { ServiceAdminError } from './services/service.service.ts';
import type { TemplateType } from './templates/template.store.ts';

export const SYSTEM_TEMPLATES = {
  /** Personalisation: `code`, `minutes`. */
  securityCodeEmail: 'identity.security-code.email',
  /** Personalisation: `code`, `minutes`. */
  securityCodeSms: 'identity.security-code.sms',
  /** The same in Welsh. Personalisation: `code`, `minutes`. */
  securityCodeEmailWelsh: 'identity.security-code.email.cy',
  /** The same in Welsh. Personalisation: `code`, `minutes`. */
  securityCodeSmsWelsh: 'identity.security-code.sms.cy',
  /** Personalisation: `subject`, `body` (Notify's email formatting applies to `body`). */
  accountNoticeEmail: 'identity.notice.email',
} as const;

export type SystemMessage = {
  /** A key of SYSTEM_TEMPLATES (or another platform template's `system_key`). */
  templateKey: string;
  /** An email address for email, a mobile number for a text message. */
  to: string;
  personalisation?: Readonly<Record<string, string | number | readonly string[]>>;
  /** Your own reference, kept with the notification (no personal data, please). */
  reference?: string;
};

export class NotifySendError extends Error {
  readonly code: string;
  constructor(code: string, message: string) {
    super(message);
    this.name = 'NotifySendError';
    this.code = code;
  }
}

async function sendSystemMessage(kernel: NotifyPlatform, type: TemplateType, message: SystemMessage): Promise<{ id: string }> {
  const core = notifyCoreOf(kernel);
  const [service, template] = await Promise.all([core.serviceAdmin.findPlatformService(), core.templates.findBySystemKey(message.templateKey)]);
  if (!service || !template || template.service_id !== service.id || template.archived) {
    throw new NotifySendError('notify.TEMPLATE_NOT_FOUND', `There is no platform template ${message.templateKey}`);
  }
  try {
    const { notification } = await core.sender.send({
      sender: { service, apiKey: null },
      type,
      template,
      recipient: message.to,
      personalisation: { ...message.personalisation },
      reference: message.reference,
    });
    return { id: notification.id };
  } catch (error) {
    if (error instanceof NotifyApiError) throw new NotifySendError(error.code, error.message.replace(/^(email_address|phone_number) /, ''));
    throw error;
  }
}

/**
 * Whether Notify would send to this email address (its own check, as GOV.UK Notify's): modules
 * that ask people for an address check it with this, so nobody is accepted and then refused.
 */
export function isDeliverableEmailAddress(address: string): boolean {
  return checkEmailAddress(address).ok;
}

/** Queues an email from a platform template. Resolves with the notification id once it is stored. */
export function sendSystemEmail(kernel: NotifyPlatform, message: SystemMessage): Promise<{ id: string }> {
  return sendSystemMessage(kernel, 'email', message);
}

/** Queues a text message from a platform template. Resolves with the notification id once it is stored. */
export function sendSystemSms(kernel: NotifyPlatform, message: SystemMessage): Promise<{ id: string }> {
  return sendSystemMessage(kernel, 'sms', message);
}

export async function getNotificationStatus(kernel: NotifyPlatform, id: string): Promise<string | undefined> {
  const core = notifyCoreOf(kernel);
  const notification = /^[0-9a-f-]{36}$/i.test(id) ? await core.stores.notifications.find(core.db, id) : undefined;
  return notification ? describeStatus(notification) : undefined;
}

/** Notify's API key types: `normal` (live), `team` (sends only to the team and guest list), `test` (sends nothing). */
export const NOTIFY_KEY_TYPES = ['normal', 'team', 'test'] as const;
export type NotifyKeyType = (typeof NOTIFY_KEY_TYPES)[number];
export type NotifyKeySummary = { id: string; name: string; keyType: NotifyKeyType; createdAt: string; revokedAt: string | null };

/**
 * A Notify service and its API keys, for the console's onboarding pages: the same service code
 * as `civitas notify service add` and `notify key add|revoke`, each change audited there as
 * `actor`. Refusals throw `NotifyAdminError` with a stable code (`INVALID_NAME`,
 * `INVALID_KEY_NAME`, `SERVICE_NOT_FOUND`, `KEY_NOT_FOUND`, `KEY_ALREADY_REVOKED`) and a message
 * safe to log. A key is revoked only through the service it was made for.
 */
export type ServiceNotify = {
  /** In `transaction` when given: the service is kept only if the caller's change is. */
  createService(input: { name: string; actor: string; transaction?: Executor }): Promise<{ id: string; name: string }>;
  /** The whole key, returned here and never again (Notify keeps only its sealed secret). */
  createApiKey(input: { serviceId: string; keyType: NotifyKeyType; name: string; actor: string }): Promise<{ id: string; key: string }>;
  listApiKeys(serviceId: string): Promise<NotifyKeySummary[]>;
  revokeApiKey(input: { serviceId: string; keyId: string; actor: string }): Promise<void>;
};

export { ServiceAdminError as NotifyAdminError };

export function createServiceNotify(kernel: NotifyPlatform): ServiceNotify {
  const admin = notifyCoreOf(kernel).serviceAdmin;
  return {
    async createService(input) {
      const service = await admin.createService({ name: input.name, actor: input.actor, ...(input.transaction ? { transaction: input.transaction } : {}) });
      return { id: service.id, name: service.name };
    },
    createApiKey: (input) => admin.createApiKey(input),
    async listApiKeys(serviceId) {
      const keys = await admin.listApiKeys(serviceId);
      return keys.map((key) => ({ id: key.id, name: key.name, keyType: key.key_type, createdAt: key.created_at, revokedAt: key.revoked_at }));
    },
    async revokeApiKey(input) {
      // By id only: the whole key is never asked for in a page.
      if (!/^[0-9a-f-]{36}$/i.test(input.keyId)) throw new ServiceAdminError('KEY_NOT_FOUND', 'The service has no such API key');
      await admin.revokeApiKey({ serviceId: input.serviceId, key: input.keyId, actor: input.actor });
    },
  };
}
