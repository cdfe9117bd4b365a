import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { formatDateTime } from '../../../../platform/http/dates.ts';
import { mayChange, teamMemberOf } from '../../../../platform/http/team-access.ts';
import type { PayServices } from '../../pay-services.ts';
import { WEBHOOK_DESCRIPTION_LIMIT, WEBHOOK_EVENT_TYPES, WEBHOOK_URL_LIMIT, WebhookError } from '../../webhooks/webhook.service.ts';
import { BASE, baseOf, escapeHtml, ownerOf, teamContext, text, VIEWS, type TeamAccount } from './team-page.ts';

/** A team's webhooks: the list, adding one, one webhook with its messages, a message with every attempt, switching one off and on. */
export function registerTeamWebhookPages(pages: FastifyInstance, services: PayServices): void {
  pages.get(`${BASE}/webhooks`, async (request, reply) => {
    const { t, locale } = request;
    const webhooks = await services.webhooks.listWebhooks(ownerOf(request));
    return reply.render(`${VIEWS}/webhooks.njk`, {
      ...teamContext(request, reply, 'webhooks'),
      pageTitle: t('pay.team.webhooks.title'),
      rows: webhooks.map((webhook) => [
        { html: `<a class="govuk-link" href="${baseOf(request)}/webhooks/${webhook.id}">${escapeHtml(webhook.url)}</a>` },
        { text: webhook.description },
        { text: t(`pay.team.webhookStatus.${webhook.status}`) },
        { text: formatDateTime(webhook.createdAt, locale) },
      ]),
    });
  });

  const renderNewWebhook = (
    request: FastifyRequest,
    reply: FastifyReply,
    form: { url: string; description: string; events: readonly string[]; errors: Array<{ field: 'url' | 'events' | 'description'; key: string }> },
  ) => {
    const { t } = request;
    const ids = { url: 'callback-url', events: 'events', description: 'description' };
    const limits = { urlTooLong: WEBHOOK_URL_LIMIT, descriptionTooLong: WEBHOOK_DESCRIPTION_LIMIT } as Record<string, number>;
    const describe = (key: string) => t(`pay.team.newWebhook.errors.${key}`, { limit: limits[key] ?? 0 });
    const fieldError = (field: string) => {
      const found = form.errors.find((error) => error.field === field);
      return found ? { text: describe(found.key) } : undefined;
    };
    return reply.code(form.errors.length > 0 ? 400 : 200).render(`${VIEWS}/webhook-new.njk`, {
      ...teamContext(request, reply, 'webhooks'),
      pageTitle: t('pay.team.newWebhook.title'),
      backLink: `${baseOf(request)}/webhooks`,
      errors: form.errors.map((error) => ({ text: describe(error.key), href: `#${ids[error.field]}` })),
      fieldErrors: { url: fieldError('url'), events: fieldError('events'), description: fieldError('description') },
      url: form.url,
      description: form.description,
      eventItems: WEBHOOK_EVENT_TYPES.map((event) => ({
        value: event,
        text: t(`pay.team.webhookEvents.${event}`),
        hint: { text: event },
        checked: form.events.includes(event),
      })),
    });
  };

  pages.get(`${BASE}/webhooks/new`, async (request, reply) =>
    renderNewWebhook(request, reply, { url: '', description: '', events: [...WEBHOOK_EVENT_TYPES], errors: [] }),
  );

  pages.post(`${BASE}/webhooks/new`, async (request, reply) => {
    const body = request.body as Record<string, unknown> | undefined;
    const url = text(body, 'url');
    const description = text(body, 'description');
    const given = body?.events;
    const events = (Array.isArray(given) ? given : given === undefined ? [] : [given]).filter((event): event is string => typeof event === 'string');
    const errors: Array<{ field: 'url' | 'events' | 'description'; key: string }> = [];
    const team = request.payTeam as TeamAccount;
    // Past a limit, the field says so (the service's own checks would only call it invalid).
    if (url.length > WEBHOOK_URL_LIMIT) errors.push({ field: 'url', key: 'urlTooLong' });
    if (description.length > WEBHOOK_DESCRIPTION_LIMIT) errors.push({ field: 'description', key: 'descriptionTooLong' });
    if (errors.length > 0) return renderNewWebhook(request, reply, { url, description, events, errors });
    try {
      const { webhook } = await services.webhooks.createWebhook({
        accountId: team.accountId,
        live: team.live,
        url,
        description,
        events,
        actor: teamMemberOf(request).actor,
        auditDetails: teamMemberOf(request).auditDetails,
        requestId: request.id,
      });
      return reply.redirect(`${baseOf(request)}/webhooks/${webhook.id}`, 303);
    } catch (error) {
      if (!(error instanceof WebhookError)) throw error;
      if (error.code === 'MISSING_URL') errors.push({ field: 'url', key: 'missingUrl' });
      else if (error.code === 'HTTPS_REQUIRED') errors.push({ field: 'url', key: 'httpsRequired' });
      else if (error.code === 'PRIVATE_ADDRESS') errors.push({ field: 'url', key: 'privateAddress' });
      else if (error.code === 'INVALID_URL') errors.push({ field: 'url', key: 'invalidUrl' });
      else if (error.code === 'INVALID_DESCRIPTION') errors.push({ field: 'description', key: 'descriptionTooLong' });
      else errors.push({ field: 'events', key: 'missingEvents' });
      return renderNewWebhook(request, reply, { url, description, events, errors });
    }
  });

  const webhookParams = { type: 'object', properties: { webhookId: { type: 'string', maxLength: 100 } }, required: ['webhookId'] } as const;

  pages.get(`${BASE}/webhooks/:webhookId`, { schema: { params: webhookParams } }, async (request, reply) => {
    const { t, locale } = request;
    const { webhookId } = request.params as { webhookId: string };
    const webhook = await services.webhooks.findWebhook(ownerOf(request), webhookId);
    if (!webhook) return reply.callNotFound();
    const status = text(request.query, 'status');
    const messages = await services.webhooks.listMessages({
      webhookId: webhook.id,
      status: status === 'failed' || status === 'successful' || status === 'pending' ? status : undefined,
      limit: 50,
    });
    return reply.render(`${VIEWS}/webhook.njk`, {
      ...teamContext(request, reply, 'webhooks'),
      pageTitle: t('pay.team.webhook.title'),
      backLink: `${baseOf(request)}/webhooks`,
      summaryRows: [
        { key: { text: t('pay.team.webhook.url') }, value: { text: webhook.url } },
        { key: { text: t('pay.team.webhook.description') }, value: { text: webhook.description } },
        { key: { text: t('pay.team.webhook.status') }, value: { text: t(`pay.team.webhookStatus.${webhook.status}`) } },
        { key: { text: t('pay.team.webhook.events') }, value: { text: webhook.events.map((event) => t(`pay.team.webhookEvents.${event}`)).join(', ') } },
        // A viewer reads deliveries, not the secret that signs them.
        ...(mayChange(teamMemberOf(request)) ? [{ key: { text: t('pay.team.webhook.signingSecret') }, value: { text: webhook.signingSecret } }] : []),
      ],
      toggleAction: `${baseOf(request)}/webhooks/${webhook.id}/status`,
      toggleTo: webhook.status === 'active' ? 'inactive' : 'active',
      toggleText: t(webhook.status === 'active' ? 'pay.team.webhook.deactivate' : 'pay.team.webhook.activate'),
      messages: messages.map((message) => [
        { html: `<a class="govuk-link" href="${baseOf(request)}/webhooks/${webhook.id}/messages/${message.id}">${escapeHtml(t(`pay.team.webhookEvents.${message.event_type}`))}</a>` },
        { text: message.resource_id },
        { text: t(`pay.team.messageStatus.${message.status}`) },
        { text: String(message.attempts), format: 'numeric' },
        { text: formatDateTime(message.created_at, locale) },
      ]),
    });
  });

  pages.post(`${BASE}/webhooks/:webhookId/status`, { schema: { params: webhookParams } }, async (request, reply) => {
    const { webhookId } = request.params as { webhookId: string };
    const team = request.payTeam as TeamAccount;
    const webhook = await services.webhooks.findWebhook(ownerOf(request), webhookId);
    if (!webhook) return reply.callNotFound();
    const status = text(request.body, 'status') === 'active' ? 'active' : 'inactive';
    await services.webhooks.setWebhookStatus({ accountId: team.accountId, id: webhook.id, status, actor: teamMemberOf(request).actor, auditDetails: teamMemberOf(request).auditDetails, requestId: request.id });
    return reply.redirect(`${baseOf(request)}/webhooks/${webhook.id}`, 303);
  });

  pages.get(
    `${BASE}/webhooks/:webhookId/messages/:messageId`,
    {
      schema: {
        params: {
          type: 'object',
          properties: { webhookId: { type: 'string', maxLength: 100 }, messageId: { type: 'string', maxLength: 100 } },
          required: ['webhookId', 'messageId'],
        },
      },
    },
    async (request, reply) => {
      const { t, locale } = request;
      const { webhookId, messageId } = request.params as { webhookId: string; messageId: string };
      const webhook = await services.webhooks.findWebhook(ownerOf(request), webhookId);
      const found = webhook && (await services.webhooks.findMessage(webhook.id, messageId));
      if (!found) return reply.callNotFound();
      const { message, attempts } = found;
      return reply.render(`${VIEWS}/webhook-message.njk`, {
        ...teamContext(request, reply, 'webhooks'),
        pageTitle: t('pay.team.message.title'),
        backLink: `${baseOf(request)}/webhooks/${webhookId}`,
        summaryRows: [
          { key: { text: t('pay.team.message.event') }, value: { text: t(`pay.team.webhookEvents.${message.event_type}`) } },
          { key: { text: t('pay.team.message.payment') }, value: { text: message.resource_id } },
          { key: { text: t('pay.team.message.status') }, value: { text: t(`pay.team.messageStatus.${message.status}`) } },
          { key: { text: t('pay.team.message.created') }, value: { text: formatDateTime(message.created_at, locale) } },
          ...(message.next_attempt_at && message.status === 'pending'
            ? [{ key: { text: t('pay.team.message.nextAttempt') }, value: { text: formatDateTime(message.next_attempt_at, locale) } }]
            : []),
        ],
        body: JSON.stringify(JSON.parse(message.body), null, 2),
        attempts: attempts.map((attempt) => [
          { text: String(attempt.attempt), format: 'numeric' },
          { text: formatDateTime(attempt.attempted_at, locale) },
          { text: attempt.status_code === null ? '' : String(attempt.status_code) },
          { text: attempt.outcome === 'success' ? t('pay.team.message.success') : t('pay.team.message.failure', { problem: attempt.problem ?? '' }) },
          { text: t('pay.team.message.milliseconds', { ms: attempt.duration_ms }), format: 'numeric' },
        ]),
      });
    },
  );
}
