import type { FastifyInstance } from 'fastify';
import { badRequest, noResultFound, NotifyApiError } from '../notify.errors.ts';
import type { NotifyCore } from '../notify.core.ts';
import {
  expandStatusFilter,
  fromEmailAddress,
  serialiseNotification,
  STATUS_FILTERS,
  templateUri,
} from '../notifications/notification.view.ts';
import type { NotificationStatus } from '../notifications/notification.store.ts';
import { renderTemplatedLetterPdf } from '../delivery/providers/print-provider.ts';
import { LetterTooLongError } from '../templates/render-letter.ts';
import { requireCaller } from './api.plugin.ts';
import { validateAgainst, type NotifySchema } from './notify-schema.ts';

const PAGE_SIZE = 250;
/** Characters of subject and body on one page at most (Civitas's limit): a page of large emails is shorter. */
const PAGE_CONTENT_BUDGET = 5_000_000;
const pdfNotReady = () => new NotifyApiError(400, [{ error: 'PDFNotReadyError', message: 'PDF not available yet, try again later' }]);
const uuid = { type: 'string', format: 'uuid' } as const;
const personalisation = { type: 'object' } as const;
const reference = { type: 'string', maxLength: 1000 } as const;
const scheduledFor = { type: ['string', 'null'] } as const;

const emailRequest: NotifySchema = {
  type: 'object',
  additionalProperties: false,
  required: ['email_address', 'template_id'],
  properties: {
    email_address: { type: 'string' },
    template_id: uuid,
    personalisation,
    reference,
    email_reply_to_id: uuid,
    one_click_unsubscribe_url: { type: 'string', format: 'https-uri' },
    sanitise_content_for: { type: ['array', 'null'], items: { type: 'string' } },
    scheduled_for: scheduledFor,
  },
};

const smsRequest: NotifySchema = {
  type: 'object',
  additionalProperties: false,
  required: ['phone_number', 'template_id'],
  properties: { phone_number: { type: 'string' }, template_id: uuid, personalisation, reference, sms_sender_id: uuid, scheduled_for: scheduledFor },
};

const letterRequest: NotifySchema = {
  type: 'object',
  additionalProperties: false,
  required: ['template_id', 'personalisation'],
  properties: { template_id: uuid, personalisation, reference, scheduled_for: scheduledFor },
};

const precompiledLetterRequest: NotifySchema = {
  type: 'object',
  additionalProperties: false,
  required: ['reference', 'content'],
  properties: {
    reference: { type: 'string', minLength: 1, maxLength: 1000 },
    content: { type: 'string', minLength: 1 },
    postage: { type: 'string', enum: ['first', 'second', 'economy'] },
  },
};

const listQuery: NotifySchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    template_type: { type: 'string', enum: ['sms', 'email', 'letter'] },
    status: { type: ['string', 'array'], enum: STATUS_FILTERS, items: { type: 'string', enum: STATUS_FILTERS } },
    reference: { type: 'string' },
    older_than: uuid,
    include_jobs: { type: 'string' },
  },
};

const notificationParams: NotifySchema = {
  type: 'object',
  required: ['notification_id'],
  properties: { notification_id: uuid },
};

const templateRef = {
  type: 'object',
  properties: { id: { type: ['string', 'null'] }, version: { type: ['integer', 'null'] }, uri: { type: ['string', 'null'] } },
} as const;

function sendResponse(content: Record<string, unknown>, extra: Record<string, unknown> = {}) {
  return {
    201: {
      type: 'object',
      properties: {
        ...extra,
        id: { type: 'string' },
        reference: { type: ['string', 'null'] },
        uri: { type: 'string' },
        template: templateRef,
        scheduled_for: { type: 'null' },
        content: { type: 'object', properties: content },
      },
    },
  };
}

type SendBody = Record<string, unknown> & { template_id: string; personalisation?: Record<string, unknown>; reference?: string };

export function registerNotificationRoutes(app: FastifyInstance, core: NotifyCore): void {
  const root = core.baseUrl;

  function created(result: Awaited<ReturnType<NotifyCore['sender']['send']>>, content: Record<string, unknown>) {
    const { notification, template } = result;
    return {
      id: notification.id,
      reference: notification.reference,
      uri: `${root}/v2/notifications/${notification.id}`,
      template: { id: template.id, version: template.version, uri: templateUri(root, notification.service_id, template.id) },
      scheduled_for: null,
      content,
    };
  }

  app.post<{ Body: SendBody & { email_address: string; email_reply_to_id?: string; one_click_unsubscribe_url?: string; sanitise_content_for?: string[] | null } }>(
    '/notifications/email',
    {
      config: { csrf: false },
      bodyLimit: 8 * 1024 * 1024,
      schema: {
        body: emailRequest,
        response: sendResponse({
          from_email: { type: 'string' },
          subject: { type: 'string' },
          body: { type: 'string' },
          one_click_unsubscribe_url: { type: ['string', 'null'] },
        }, {
          // Notify answers an email (only) with each value sanitise_content_for changed: {} if none.
          sanitised_content: {
            type: 'object',
            additionalProperties: { type: 'object', properties: { unsanitised: { type: 'string' }, sanitised: { type: 'string' } } },
          },
        }),
      },
    },
    async (request, reply) => {
      const caller = requireCaller(request);
      const body = request.body;
      const result = await core.sender.send({
        sender: caller,
        type: 'email',
        templateId: body.template_id,
        recipient: body.email_address,
        personalisation: body.personalisation,
        reference: body.reference,
        emailReplyToId: body.email_reply_to_id,
        oneClickUnsubscribeUrl: body.one_click_unsubscribe_url,
        sanitiseContentFor: body.sanitise_content_for ?? undefined,
      });
      return reply.code(201).send({
        ...created(result, {
          from_email: fromEmailAddress(core.config.MAIL_FROM),
          subject: result.notification.subject,
          body: result.notification.body,
          one_click_unsubscribe_url: result.notification.one_click_unsubscribe_url,
        }),
        sanitised_content: result.sanitisedContent ?? {},
      });
    },
  );

  app.post<{ Body: SendBody & { phone_number: string; sms_sender_id?: string } }>(
    '/notifications/sms',
    {
      config: { csrf: false },
      schema: { body: smsRequest, response: sendResponse({ body: { type: 'string' }, from_number: { type: 'string' } }) },
    },
    async (request, reply) => {
      const caller = requireCaller(request);
      const body = request.body;
      const result = await core.sender.send({
        sender: caller,
        type: 'sms',
        templateId: body.template_id,
        recipient: body.phone_number,
        personalisation: body.personalisation,
        reference: body.reference,
        smsSenderId: body.sms_sender_id,
      });
      return reply.code(201).send(created(result, { body: result.notification.body, from_number: result.fromNumber ?? caller.service.sms_sender }));
    },
  );

  app.post<{ Body: Record<string, unknown> }>(
    '/notifications/letter',
    { config: { csrf: false }, bodyLimit: 8 * 1024 * 1024, schema: { body: { type: 'object' } } },
    async (request, reply) => {
      const caller = requireCaller(request);
      const body = request.body;
      if ('content' in body) {
        const invalid = validateAgainst(precompiledLetterRequest, body);
        if (invalid) throw invalid;
        const notification = await core.sender.sendPrecompiledLetter({
          sender: caller,
          reference: body.reference as string,
          content: body.content as string,
          postage: body.postage as string | undefined,
        });
        return reply.code(201).send({ id: notification.id, reference: notification.reference, postage: notification.postage });
      }
      const invalid = validateAgainst(letterRequest, body);
      if (invalid) throw invalid;
      const result = await core.sender.send({
        sender: caller,
        type: 'letter',
        templateId: body.template_id as string,
        personalisation: body.personalisation as Record<string, unknown>,
        reference: body.reference as string | undefined,
      });
      return reply.code(201).send(created(result, { body: result.notification.body, subject: result.notification.subject }));
    },
  );

  app.get<{ Params: { notification_id: string } }>(
    '/notifications/:notification_id',
    { schema: { params: notificationParams } },
    async (request) => {
      const caller = requireCaller(request);
      const notification = await core.stores.notifications.findForService(core.db, caller.service.id, request.params.notification_id);
      if (!notification) throw noResultFound();
      return serialiseNotification(notification, root);
    },
  );

  app.get<{ Params: { notification_id: string } }>(
    '/notifications/:notification_id/pdf',
    { schema: { params: notificationParams } },
    async (request, reply) => {
      const caller = requireCaller(request);
      const notification = await core.stores.notifications.findForService(core.db, caller.service.id, request.params.notification_id);
      if (!notification) throw noResultFound();
      if (notification.type !== 'letter') throw badRequest('Notification is not a letter');
      if (notification.status === 'validation-failed' || notification.status === 'technical-failure') {
        throw badRequest(`PDF not available for letters in status ${notification.status}`);
      }
      let pdf: Buffer;
      if (notification.precompiled) {
        const stored = await core.stores.notifications.findLetterPdf(core.db, notification.id);
        if (!stored) throw pdfNotReady();
        pdf = Buffer.from(stored, 'base64');
      } else {
        const version = notification.template_id
          ? await core.templates.findVersion(notification.template_id, notification.template_version ?? 1)
          : undefined;
        try {
          pdf = await renderTemplatedLetterPdf(notification, version?.letter_contact_block ?? null);
        } catch (error) {
          // As Notify answers when it cannot get a letter's PDF (get_pdf_for_notification).
          if (error instanceof LetterTooLongError) throw pdfNotReady();
          throw error;
        }
      }
      return reply.type('application/pdf').send(pdf);
    },
  );

  app.get<{ Querystring: { template_type?: 'email' | 'sms' | 'letter'; status?: string | string[]; reference?: string; older_than?: string } }>(
    '/notifications',
    { schema: { querystring: listQuery } },
    async (request) => {
      const caller = requireCaller(request);
      const query = request.query;
      const statuses = query.status === undefined ? [] : Array.isArray(query.status) ? query.status : [query.status];
      const expanded = statuses.flatMap(expandStatusFilter) as NotificationStatus[];
      if (statuses.length > 0 && expanded.length === 0) return { notifications: [], links: { current: currentLink() } };
      let olderThan: { createdAt: string; id: string } | undefined;
      if (query.older_than) {
        const older = await core.stores.notifications.findForService(core.db, caller.service.id, query.older_than);
        if (!older) return { notifications: [], links: { current: currentLink() } };
        olderThan = { createdAt: older.created_at, id: older.id };
      }
      const rows = await core.stores.notifications.list(core.db, {
        serviceId: caller.service.id,
        keyType: caller.apiKey.key_type,
        type: query.template_type,
        statuses: expanded,
        reference: query.reference,
        olderThan,
        limit: PAGE_SIZE,
        contentBudget: PAGE_CONTENT_BUDGET,
      });
      const links: Record<string, string> = { current: currentLink() };
      const last = rows.at(-1);
      if (last) links.next = currentLink(last.id);
      return { notifications: rows.map((row) => serialiseNotification(row, root)), links };

      function currentLink(olderThanId?: string): string {
        const parameters = new URLSearchParams();
        if (query.template_type) parameters.set('template_type', query.template_type);
        for (const status of statuses) parameters.append('status', status);
        if (query.reference !== undefined) parameters.set('reference', query.reference);
        if (olderThanId) parameters.set('older_than', olderThanId);
        else if (query.older_than) parameters.set('older_than', query.older_than);
        const search = parameters.toString();
        return `${root}/v2/notifications${search ? `?${search}` : ''}`;
      }
    },
  );

}
