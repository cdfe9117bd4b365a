import type { Database } from '../../../platform/db/database.ts';
import type { JobQueue } from '../../../platform/jobs/job-queue.ts';
import { badRequest, dailyLimitExceeded, rateLimitExceeded, validationError } from '../notify.errors.ts';
import type { FileStore } from '../files/file.store.ts';
import { isUpload, prepareUploads } from '../files/prepare-upload.ts';
import type { NotifyLimiter } from '../limits/limiter.ts';
import type { SenderRow, ServiceRow, ServiceStore } from '../services/service.store.ts';
import type { ReadCache } from '../notify.read-cache.ts';
import { checkPersonalisation, fillTemplate } from '../templates/fill-template.ts';
import { sanitisePersonalisation, type SanitisedContent } from '../templates/sanitise-personalisation.ts';
import { checkEmailAddress, checkPhoneNumber, checkPostalAddress, normaliseEmailAddress } from '../templates/recipients.ts';
import { precompiledLetterKey, type TemplateRow, type TemplateStore, type TemplateType } from '../templates/template.store.ts';
import type { NotificationRow, NotificationStore } from './notification.store.ts';
import type { ServiceEventRecorder } from '../../../platform/events/service-events.ts';
import { randomUUID } from 'node:crypto';
import { createTimeOrderedId } from '../../../platform/db/time-ordered-id.ts';
import type { GroupCommit } from '../../../platform/db/group-commit.ts';

/**
 * The most keys a personalisation may have. GOV.UK Notify sets none; a template uses a few dozen
 * placeholders at most, and every key costs work and storage (Civitas's limit).
 */
export const PERSONALISATION_MAX_KEYS = 1000;

export const DELIVER_JOB = 'notify.deliver';
export const DELIVER_MAX_ATTEMPTS = 12;
const RATE_INTERVAL_SECONDS = 60;

/** Who is sending: a service through one of its API keys, or a Civitas module through the contract. */
export type Sender = {
  service: ServiceRow;
  apiKey: { id: string; key_type: 'normal' | 'team' | 'test'; name: string } | null;
};

export type SendRequest = {
  sender: Sender;
  type: TemplateType;
  templateId?: string;
  template?: TemplateRow;
  recipient?: string;
  personalisation?: Record<string, unknown>;
  reference?: string | null;
  emailReplyToId?: string;
  smsSenderId?: string;
  oneClickUnsubscribeUrl?: string;
  /** Personalisation keys whose values are not to be trusted (emails only): see sanitise-personalisation.ts. */
  sanitiseContentFor?: readonly string[];
};

export type SendResult = {
  notification: NotificationRow;
  template: TemplateRow;
  fromNumber?: string;
  /** Emails only: each personalisation value `sanitise_content_for` changed, before and after. */
  sanitisedContent?: SanitisedContent;
};

/** Notify's smoke-test recipients: checked like any other, then neither stored nor sent. */
const SMOKE_TEST_EMAILS = new Set([
  'simulate-delivered@notifications.service.gov.uk',
  'simulate-delivered-2@notifications.service.gov.uk',
  'simulate-delivered-3@notifications.service.gov.uk',
]);
const SMOKE_TEST_NUMBERS = new Set(['447700900000', '447700900111', '447700900222']);

/**
 * Accepting a notification: checks it as Notify does, counts it against the rate and daily limits
 * (leased from the database outside any transaction: see limits/limiter.ts), then in ONE
 * transaction (shared with other requests arriving at the same moment: see
 * platform/db/group-commit.ts) stores it as `created` (with any files) and enqueues its delivery.
 * Nothing is sent here; a worker does that.
 */
export function createNotificationSender(dependencies: {
  db: Database;
  jobs: JobQueue;
  services: ServiceStore;
  templates: TemplateStore;
  notifications: NotificationStore;
  limiter: NotifyLimiter;
  files: FileStore;
  writes: GroupCommit;
  caches: { templates: ReadCache<TemplateRow | undefined>; senders: ReadCache<SenderRow[]> };
  baseUrl: string;
  clock?: () => Date;
  serviceEvents?: ServiceEventRecorder;
}) {
  const { db, jobs, services, templates, notifications, limiter, files, baseUrl, writes, caches } = dependencies;
  const clock = dependencies.clock ?? (() => new Date());
  const recordSent = (notification: NotificationRow): void =>
    dependencies.serviceEvents?.record({ service: `notify-service:${notification.service_id}`, type: 'notify.notification.sent', journeyId: notification.id });

  async function findTemplate(request: SendRequest): Promise<TemplateRow> {
    const templateId = request.templateId;
    const template = request.template ?? (templateId ? await caches.templates.get(templateId, () => templates.find(db, templateId)) : undefined);
    if (!template || template.service_id !== request.sender.service.id) throw badRequest('Template not found');
    if (template.archived) throw badRequest('Template has been deleted');
    if (template.type !== request.type) {
      throw badRequest(`${template.type} template is not suitable for ${request.type} notification`);
    }
    return template;
  }

  async function checkTeamRecipient(service: ServiceRow, recipient: { email?: string; phone?: string }): Promise<void> {
    const [members, guests] = await Promise.all([services.listTeamMembers(db, service.id), services.listGuests(db, service.id)]);
    const allowed = new Set<string>();
    for (const member of members) {
      allowed.add(member.email_address);
      if (member.phone_number) allowed.add(member.phone_number);
    }
    for (const guest of guests) allowed.add(guest.recipient);
    const key = recipient.email ?? recipient.phone;
    if (!key || !allowed.has(key)) throw badRequest('Can’t send to this recipient using a team-only API key');
  }

  async function findSender(service: ServiceRow, type: 'email_reply_to' | 'sms_sender', id: string | undefined): Promise<string | null> {
    const senders = (await caches.senders.get(service.id, () => services.listSenders(db, service.id))).filter((sender) => sender.sender_type === type);
    if (id === undefined) return senders.find((sender) => sender.is_default)?.value ?? null;
    const found = senders.find((sender) => sender.id === id);
    if (!found) {
      const field = type === 'email_reply_to' ? 'email_reply_to_id' : 'sms_sender_id';
      throw badRequest(`${field} ${id} does not exist in database for service id ${service.id}`);
    }
    return found.value;
  }

  /** The service's "Pre-compiled PDF" template (as Notify's `get_precompiled_letter_template`), made on first use. */
  async function findPrecompiledLetterTemplate(serviceId: string): Promise<TemplateRow> {
    const systemKey = precompiledLetterKey(serviceId);
    const found = await templates.findBySystemKey(db, systemKey);
    if (found) return found;
    const row: TemplateRow = {
      id: randomUUID(),
      service_id: serviceId,
      system_key: systemKey,
      type: 'letter',
      name: 'Pre-compiled PDF',
      version: 1,
      subject: 'Pre-compiled PDF',
      body: '',
      postage: 'second',
      letter_contact_block: null,
      archived: 0,
      created_by: 'notify@civitas',
      created_at: clock().toISOString(),
      updated_at: null,
    };
    try {
      await db.transaction().execute((transaction) =>
        templates.insert(transaction, row, {
          template_id: row.id, version: 1, type: 'letter', name: row.name, subject: row.subject, body: row.body,
          postage: row.postage, letter_contact_block: null, created_by: row.created_by, created_at: row.created_at,
        }),
      );
      return row;
    } catch (error) {
      // Another request made it first (system_key is unique).
      const made = await templates.findBySystemKey(db, systemKey);
      if (made) return made;
      throw error;
    }
  }

  /**
   * The per-key-type rate limit (a token bucket shared by every process). Taken, as Notify takes
   * it, before the template is filled in or the recipient checked: a request refused for its
   * content counts too, so oversized requests cannot be sent without limit.
   */
  async function takeRateToken(check: { service: ServiceRow; keyType: 'normal' | 'team' | 'test'; isSystem: boolean }): Promise<void> {
    if (check.isSystem) return;
    const { service } = check;
    const intervalMs = RATE_INTERVAL_SECONDS * 1000;
    const allowed = await limiter.takeToken({ serviceId: service.id, keyType: check.keyType, capacity: service.rate_limit, intervalMs });
    if (!allowed) throw rateLimitExceeded(check.keyType, service.rate_limit, RATE_INTERVAL_SECONDS);
  }

  /** Today's send limit, counted only for a notification that will be stored and sent. */
  async function countDailySend(check: { service: ServiceRow; keyType: 'normal' | 'team' | 'test'; type: TemplateType }): Promise<void> {
    const { service } = check;
    if (check.keyType === 'test') return;
    const limit = { email: service.email_daily_limit, sms: service.sms_daily_limit, letter: service.letter_daily_limit }[check.type];
    if (!(await limiter.countDailySend({ serviceId: service.id, type: check.type, limit }))) throw dailyLimitExceeded(check.type, limit);
  }

  return {
    async send(request: SendRequest): Promise<SendResult> {
      const { service, apiKey } = request.sender;
      const keyType = apiKey?.key_type ?? 'normal';
      const now = clock();
      const nowIso = now.toISOString();
      const id = createTimeOrderedId();
      // Counted before any work per key: 400,000 keys held the process for seconds.
      if (request.personalisation && Object.keys(request.personalisation).length > PERSONALISATION_MAX_KEYS) {
        throw validationError([`personalisation has more than ${PERSONALISATION_MAX_KEYS} keys`]);
      }
      await takeRateToken({ service, keyType, isSystem: apiKey === null });
      let personalisation: Record<string, unknown> = { ...(request.personalisation ?? {}) };
      let recipient: string;
      let smokeTest = false;
      let replyTo: string | null = null;
      let smsSender: string | null = null;
      let sanitisedContent: SanitisedContent | undefined;
      if (request.type === 'email') {
        ({ personalisation, sanitisedContent } = sanitisePersonalisation(personalisation, request.sanitiseContentFor ?? []));
      }

      if (request.type === 'email') {
        const email = checkEmailAddress(request.recipient ?? '');
        if (!email.ok) throw validationError([`email_address ${email.message}`]);
        recipient = email.value;
        smokeTest = SMOKE_TEST_EMAILS.has(normaliseEmailAddress(recipient));
      } else if (request.type === 'sms') {
        const phone = checkPhoneNumber(request.recipient ?? '');
        if (!phone.ok) throw validationError([`phone_number ${phone.message}`]);
        recipient = request.recipient ?? '';
        smokeTest = SMOKE_TEST_NUMBERS.has(phone.value.normalised);
        if (phone.value.international && !service.can_send_international_sms) {
          throw badRequest('Cannot send to international mobile numbers');
        }
      } else {
        if (keyType === 'team') throw badRequest('Cannot send letters with a team api key', 403);
        const address = checkPostalAddress(personalisation);
        if (!address.ok) throw validationError([address.message]);
        recipient = address.value.lines[0] as string;
      }

      const template = await findTemplate(request);
      if (keyType === 'team' && !smokeTest && request.type !== 'letter') {
        const phone = request.type === 'sms' ? checkPhoneNumber(recipient) : undefined;
        await checkTeamRecipient(service, {
          email: request.type === 'email' ? normaliseEmailAddress(recipient) : undefined,
          phone: phone?.ok ? phone.value.normalised : undefined,
        });
      }
      const missing = checkPersonalisation(template, personalisation);
      if (missing) throw missing;
      if (request.type === 'email') replyTo = await findSender(service, 'email_reply_to', request.emailReplyToId);
      if (request.type === 'sms') smsSender = (await findSender(service, 'sms_sender', request.smsSenderId)) ?? service.sms_sender;

      const hasUploads = request.type === 'email' && Object.values(personalisation).some(isUpload);
      const prepared = hasUploads
        ? prepareUploads({ personalisation, serviceId: service.id, notificationId: id, recipientEmail: recipient, baseUrl, now })
        : undefined;
      if (prepared) personalisation = prepared.personalisation;

      const filled = fillTemplate(template, personalisation);
      const notification: NotificationRow = {
        id,
        service_id: service.id,
        api_key_id: apiKey?.id ?? null,
        key_type: keyType,
        type: request.type,
        template_id: template.id,
        template_version: template.version,
        recipient,
        personalisation: JSON.stringify(personalisation),
        subject: filled.subject,
        body: filled.body,
        reference: request.reference ?? null,
        status: 'created',
        postage: request.type === 'letter' ? (template.postage ?? 'second') : null,
        billable_units: filled.billableUnits,
        reply_to: replyTo,
        sender: smsSender,
        one_click_unsubscribe_url: request.oneClickUnsubscribeUrl ?? null,
        precompiled: 0,
        delivery_attempts: 0,
        provider_reference: null,
        created_by_name: apiKey ? null : 'Civitas platform',
        created_at: nowIso,
        sent_at: null,
        completed_at: null,
        updated_at: nowIso,
      };
      if (smokeTest) return { notification, template, fromNumber: smsSender ?? undefined, sanitisedContent };

      await countDailySend({ service, keyType, type: request.type });
      await writes.run(async (transaction) => {
        await notifications.insert(transaction, notification);
        for (const file of prepared?.files ?? []) await files.insert(transaction, file);
        await jobs.enqueue(transaction, { type: DELIVER_JOB, payload: { notificationId: id }, maxAttempts: DELIVER_MAX_ATTEMPTS, group: service.id });
      });
      recordSent(notification);
      return { notification, template, fromNumber: smsSender ?? undefined, sanitisedContent };
    },

    /** A precompiled letter: the service's own PDF, printed as it is. */
    async sendPrecompiledLetter(request: { sender: Sender; reference: string; content: string; postage?: string }): Promise<NotificationRow> {
      const { service, apiKey } = request.sender;
      const keyType = apiKey?.key_type ?? 'normal';
      await takeRateToken({ service, keyType, isSystem: apiKey === null });
      if (keyType === 'team') throw badRequest('Cannot send letters with a team api key', 403);
      const content = request.content.replace(/\s+/g, '');
      const bytes = /^[A-Za-z0-9+/]*={0,2}$/.test(content) ? Buffer.from(content, 'base64') : Buffer.alloc(0);
      if (bytes.length === 0 || bytes.subarray(0, 5).toString('latin1') !== '%PDF-') {
        throw badRequest('Letter content is not a valid PDF');
      }
      if (bytes.length > 5 * 1024 * 1024) throw badRequest('Letter content is larger than 5MB');
      const template = await findPrecompiledLetterTemplate(service.id);
      const now = clock();
      const nowIso = now.toISOString();
      const notification: NotificationRow = {
        id: createTimeOrderedId(),
        service_id: service.id,
        api_key_id: apiKey?.id ?? null,
        key_type: keyType,
        type: 'letter',
        template_id: template.id,
        template_version: template.version,
        recipient: 'Provided as PDF',
        personalisation: '{}',
        subject: 'Pre-compiled PDF',
        body: '',
        reference: request.reference,
        status: 'created',
        postage: request.postage ?? 'second',
        billable_units: 0,
        reply_to: null,
        sender: null,
        one_click_unsubscribe_url: null,
        precompiled: 1,
        delivery_attempts: 0,
        provider_reference: null,
        created_by_name: null,
        created_at: nowIso,
        sent_at: null,
        completed_at: null,
        updated_at: nowIso,
      };
      await countDailySend({ service, keyType, type: 'letter' });
      await writes.run(async (transaction) => {
        await notifications.insert(transaction, notification);
        await notifications.insertLetterPdf(transaction, notification.id, content);
        await jobs.enqueue(transaction, { type: DELIVER_JOB, payload: { notificationId: notification.id }, maxAttempts: DELIVER_MAX_ATTEMPTS, group: service.id });
      });
      recordSent(notification);
      return notification;
    },
  };
}

export type NotificationSender = ReturnType<typeof createNotificationSender>;
