import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { formatDateTime } from '../../../../platform/http/dates.ts';
import { requireTeamMember, mayChange, teamMemberOf } from '../../../../platform/http/team-access.ts';
import { describeCardBrand } from '../../cards/card-number.ts';
import { PayApiError } from '../../pay.errors.ts';
import type { PayServices } from '../../pay-services.ts';
import { formatDecimalPounds, formatPounds, parsePounds } from '../../payments/money.ts';
import { describeRefundSummary, describeState } from '../../payments/payment-json.ts';
import { EXTERNAL_STATUSES, listStatusesShownAs, type ExternalStatus } from '../../payments/payment-state.ts';
import type { PaymentRow, PaymentSearchFilter } from '../../payments/payment.store.ts';
import { WEBHOOK_DESCRIPTION_LIMIT, WEBHOOK_EVENT_TYPES, WEBHOOK_URL_LIMIT, WebhookError } from '../../webhooks/webhook.service.ts';
import { createPageCsrfToken } from '../csrf-token.ts';

/** The Pay account of a team page, in the mode (test or live payments) the page shows. */
type TeamAccount = { accountId: string; accountName: string; live: boolean };

declare module 'fastify' {
  interface FastifyRequest {
    /** The Pay account of the team page (Pay team pages only). */
    payTeam: TeamAccount | null;
  }
}

/**
 * The pages a service team uses: its transactions with filters, a payment's detail and events,
 * refunds (with a confirmation step), and its webhooks with every delivery attempt. They live at
 * /console/pay/ACCOUNT_ID/test|live/... : the console signs people in and says their role (see
 * platform/http/team-access.ts); owners and developers refund and manage webhooks, viewers read.
 */

const VIEWS = 'modules/pay/pages/team';
const PAGE_SIZE = 25;
const DATE = /^\d{4}-\d{2}-\d{2}$/;

const STATUS_TAG_CLASSES: Record<ExternalStatus, string> = {
  created: 'govuk-tag--grey',
  started: 'govuk-tag--blue',
  submitted: 'govuk-tag--blue',
  capturable: 'govuk-tag--yellow',
  success: 'govuk-tag--green',
  failed: 'govuk-tag--red',
  cancelled: 'govuk-tag--grey',
  error: 'govuk-tag--red',
};

/** The longest text the transaction filters search for, as the API's search takes them. */
const REFERENCE_LIMIT = 255;
const EMAIL_LIMIT = 254;

const text = (body: unknown, name: string): string => {
  const value = (body as Record<string, unknown> | undefined)?.[name];
  return typeof value === 'string' ? value.trim() : '';
};

export async function registerTeamPages(app: FastifyInstance, services: PayServices): Promise<void> {
  function describeStatus(row: PaymentRow, t: FastifyRequest['t']) {
    const state = describeState(row);
    return { text: t(`pay.team.status.${state.status}`), classes: STATUS_TAG_CLASSES[state.status] };
  }

  /** What every team page shows: the console's navigation, the account and its mode, and what the member may do. */
  function teamContext(request: FastifyRequest, reply: FastifyReply, current: 'transactions' | 'webhooks') {
    const { t } = request;
    const team = request.payTeam as TeamAccount;
    const member = teamMemberOf(request);
    const base = baseOf(request);
    const otherMode = team.live ? 'test' : 'live';
    return {
      serviceName: member.console.name,
      serviceUrl: member.console.href,
      navigation: [
        { href: member.home.href, text: member.home.text },
        { href: `${base}/transactions`, text: t('pay.team.nav.transactions'), active: current === 'transactions' },
        { href: `${base}/webhooks`, text: t('pay.team.nav.webhooks'), active: current === 'webhooks' },
      ],
      team: {
        name: team.accountName,
        mode: team.live ? t('pay.team.live') : t('pay.team.test'),
        live: team.live,
        switchTo: { href: `/console/pay/${team.accountId}/${otherMode}/${current}`, text: t(`pay.team.switchTo.${otherMode}`) },
      },
      base,
      mayChange: mayChange(member),
      csrfToken: createPageCsrfToken(reply),
    };
  }

  /** Pay's start page: teams are sent to the console. */
  app.get('/pay', async (request, reply) =>
    reply.render(`${VIEWS}/start.njk`, { pageTitle: request.t('pay.team.start.title'), serviceName: request.t('pay.team.start.title'), serviceUrl: '/pay' }),
  );

  // --- Signed-in pages --------------------------------------------------------------------

  await app.register(async (pages) => {
    pages.decorateRequest('payTeam', null);
    pages.addHook('onSend', async (_request, reply) => {
      reply.header('cache-control', 'no-store');
    });
    pages.addHook('preHandler', requireTeamMember({ kind: 'pay-account', idParam: 'accountId' }));
    pages.addHook('preHandler', async (request, reply) => {
      const { accountId, mode } = request.params as { accountId: string; mode: string };
      const account = await services.accounts.findAccount(accountId);
      if (!account) return reply.callNotFound();
      request.payTeam = { accountId: account.id, accountName: account.name, live: mode === 'live' };
    });
    const owner = (request: FastifyRequest) => {
      const team = request.payTeam as TeamAccount;
      return { accountId: team.accountId, live: team.live };
    };

    pages.get(`${BASE}/transactions`, async (request, reply) => {
      const { t, locale } = request;
      const query = request.query as Record<string, unknown>;
      const filters = {
        reference: text(query, 'reference'),
        email: text(query, 'email'),
        state: text(query, 'state'),
        lastDigits: text(query, 'lastDigits'),
        fromDate: text(query, 'fromDate'),
        toDate: text(query, 'toDate'),
      };
      const errors: Array<{ text: string; href: string; field: string }> = [];
      if (filters.reference.length > REFERENCE_LIMIT) {
        errors.push({ text: t('pay.team.transactions.errors.referenceTooLong', { limit: REFERENCE_LIMIT }), href: '#reference', field: 'reference' });
      }
      if (filters.email.length > EMAIL_LIMIT) {
        errors.push({ text: t('pay.team.transactions.errors.emailTooLong', { limit: EMAIL_LIMIT }), href: '#email', field: 'email' });
      }
      if (filters.state && !(EXTERNAL_STATUSES as readonly string[]).includes(filters.state)) filters.state = '';
      if (filters.lastDigits && !/^\d{4}$/.test(filters.lastDigits)) {
        errors.push({ text: t('pay.team.transactions.errors.lastDigits'), href: '#last-digits', field: 'lastDigits' });
      }
      for (const [field, id] of [['fromDate', 'from-date'], ['toDate', 'to-date']] as const) {
        if (filters[field] && (!DATE.test(filters[field]) || Number.isNaN(Date.parse(`${filters[field]}T00:00:00Z`)))) {
          errors.push({ text: t(`pay.team.transactions.errors.${field}`), href: `#${id}`, field });
        }
      }
      const pageNumber = Math.max(1, Math.min(100_000, Number.parseInt(text(query, 'page'), 10) || 1));
      const filter: PaymentSearchFilter = { ...owner(request) };
      if (errors.length === 0) {
        if (filters.reference) filter.reference = filters.reference;
        if (filters.email) filter.email = filters.email;
        if (filters.state) filter.statuses = listStatusesShownAs(filters.state as ExternalStatus);
        if (filters.lastDigits) filter.lastDigits = filters.lastDigits;
        if (filters.fromDate) filter.fromDate = `${filters.fromDate}T00:00:00.000Z`;
        if (filters.toDate) filter.toDate = new Date(Date.parse(`${filters.toDate}T00:00:00Z`) + 86_400_000).toISOString();
      }
      const { total, rows } = await services.payments.search(filter, { offset: (pageNumber - 1) * PAGE_SIZE, limit: PAGE_SIZE });
      const lastPage = Math.max(1, Math.ceil(total / PAGE_SIZE));
      const pageLink = (page: number) => {
        const parameters = new URLSearchParams(Object.entries(filters).filter(([, value]) => value !== ''));
        parameters.set('page', String(page));
        return `${baseOf(request)}/transactions?${parameters.toString()}`;
      };
      const fieldError = (field: string) => {
        const found = errors.find((error) => error.field === field);
        return found ? { text: found.text } : undefined;
      };
      return reply.code(errors.length > 0 ? 400 : 200).render(`${VIEWS}/transactions.njk`, {
        ...teamContext(request, reply, 'transactions'),
        pageTitle: t('pay.team.transactions.title'),
        errors: errors.map(({ text: message, href }) => ({ text: message, href })),
        fieldErrors: {
          reference: fieldError('reference'),
          email: fieldError('email'),
          lastDigits: fieldError('lastDigits'),
          fromDate: fieldError('fromDate'),
          toDate: fieldError('toDate'),
        },
        filters,
        states: [
          { value: '', text: t('pay.team.transactions.anyStatus') },
          ...EXTERNAL_STATUSES.map((status) => ({ value: status, text: t(`pay.team.status.${status}`), selected: status === filters.state })),
        ],
        total,
        summary: total === 1 ? t('pay.team.transactions.countOne') : t('pay.team.transactions.count', { total }),
        rows: rows.map((row) => [
          { html: `<a class="govuk-link" href="${baseOf(request)}/transactions/${row.id}">${escapeHtml(row.reference)}</a>` },
          { text: row.email ?? '' },
          { text: formatPounds(row.amount), format: 'numeric' },
          { text: row.card_last_digits ? `${describeCardBrand(row.card_brand)} •••• ${row.card_last_digits}` : '' },
          { html: `<strong class="govuk-tag ${describeStatus(row, t).classes}">${escapeHtml(describeStatus(row, t).text)}</strong>` },
          { text: formatDateTime(row.created_at, locale) },
        ]),
        pagination: {
          previous: pageNumber > 1 ? { href: pageLink(pageNumber - 1), text: t('pay.team.previous') } : undefined,
          next: pageNumber < lastPage ? { href: pageLink(pageNumber + 1), text: t('pay.team.next') } : undefined,
          landmarkLabel: t('pay.team.pagination'),
        },
      });
    });

    async function loadOwnedPayment(request: FastifyRequest, reply: FastifyReply): Promise<PaymentRow | undefined> {
      const { paymentId } = request.params as { paymentId: string };
      const payment = await services.payments.findOwned(owner(request), paymentId);
      if (!payment) {
        reply.callNotFound();
        return undefined;
      }
      return payment;
    }

    const paymentParams = { type: 'object', properties: { paymentId: { type: 'string', maxLength: 100 } }, required: ['paymentId'] } as const;

    pages.get(`${BASE}/transactions/:paymentId`, { schema: { params: paymentParams } }, async (request, reply) => {
      const payment = await loadOwnedPayment(request, reply);
      if (!payment) return reply;
      const { t, locale } = request;
      const [entries, { refunds }] = await Promise.all([
        services.payments.listLedgerEntries(payment.id),
        services.refunds.listRefunds(owner(request), payment.id),
      ]);
      const refundSummary = describeRefundSummary(payment);
      const state = describeState(payment);
      const refunded = text(request.query, 'refunded');
      const paid = payment.status === 'success';
      const rows = [
        [t('pay.team.payment.reference'), payment.reference],
        [t('pay.team.payment.description'), payment.description],
        [t('pay.team.payment.amount'), formatPounds(payment.amount)],
        [t('pay.team.payment.created'), formatDateTime(payment.created_at, locale)],
        [t('pay.team.payment.id'), payment.id],
        [t('pay.team.payment.provider'), payment.provider + (payment.provider_id ? ` (${payment.provider_id})` : '')],
        [t('pay.team.payment.email'), payment.email ?? ''],
        [t('pay.team.payment.cardholderName'), payment.cardholder_name ?? ''],
        [
          t('pay.team.payment.card'),
          payment.card_last_digits
            ? `${describeCardBrand(payment.card_brand)} ${payment.card_first_digits ?? ''}•• •••• ${payment.card_last_digits}, ${payment.card_expiry ?? ''}`
            : '',
        ],
        // Only money taken can be refunded: a payment never paid shows nothing about refunds.
        ...(paid
          ? [
              [t('pay.team.payment.refunded'), formatPounds(payment.refund_amount_refunded)],
              [t('pay.team.payment.available'), formatPounds(refundSummary.amount_available)],
            ]
          : []),
      ];
      return reply.render(`${VIEWS}/transaction.njk`, {
        ...teamContext(request, reply, 'transactions'),
        pageTitle: t('pay.team.payment.title', { reference: payment.reference }),
        status: describeStatus(payment, t),
        failure: state.code ? `${state.code}: ${t(`pay.team.failure.${state.code}`)}` : undefined,
        backLink: `${baseOf(request)}/transactions`,
        // A payment that ended before the card was given (cancelled, expired) has no card, name or email: no empty rows.
        summaryRows: rows.filter(([, value]) => value !== '').map(([key, value]) => ({ key: { text: key }, value: { text: value } })),
        showRefunds: paid || refunds.length > 0,
        refundable: refundSummary.status === 'available',
        refundHref: `${baseOf(request)}/transactions/${payment.id}/refund`,
        refundedNotice: refunded && /^\d+$/.test(refunded) ? t('pay.team.payment.refundSubmitted', { amount: formatPounds(Number(refunded)) }) : undefined,
        events: entries.map((entry) => [
          { text: t(`pay.team.events.${entry.event_type}`) },
          { text: entry.status ? t(`pay.team.status.${entry.status}`) : '' },
          { text: entry.amount === 0 ? '' : formatPounds(entry.amount), format: 'numeric' },
          { text: formatDateTime(entry.occurred_at, locale) },
        ]),
        refunds: refunds.map((refund) => [
          { text: refund.id },
          { text: formatPounds(refund.amount), format: 'numeric' },
          { text: t(`pay.team.refundStatus.${refund.status}`) },
          { text: formatDateTime(refund.created_at, locale) },
        ]),
      });
    });

    async function renderRefundForm(
      request: FastifyRequest,
      reply: FastifyReply,
      payment: PaymentRow,
      options: { amount?: string; error?: string } = {},
    ) {
      const { t } = request;
      const available = describeRefundSummary(payment).amount_available;
      return reply.code(options.error ? 400 : 200).render(`${VIEWS}/refund.njk`, {
        ...teamContext(request, reply, 'transactions'),
        pageTitle: t('pay.team.refund.title'),
        backLink: `${baseOf(request)}/transactions/${payment.id}`,
        errors: options.error ? [{ text: t(`pay.team.refund.errors.${options.error}`, { available: formatPounds(available) }), href: '#amount' }] : [],
        amountError: options.error ? { text: t(`pay.team.refund.errors.${options.error}`, { available: formatPounds(available) }) } : undefined,
        amount: options.amount ?? formatDecimalPounds(available),
        hint: t('pay.team.refund.hint', { available: formatPounds(available), reference: payment.reference }),
        action: `${baseOf(request)}/transactions/${payment.id}/refund`,
      });
    }

    pages.get(`${BASE}/transactions/:paymentId/refund`, { schema: { params: paymentParams } }, async (request, reply) => {
      const payment = await loadOwnedPayment(request, reply);
      if (!payment) return reply;
      if (describeRefundSummary(payment).status !== 'available') return reply.redirect(`${baseOf(request)}/transactions/${payment.id}`, 303);
      return renderRefundForm(request, reply, payment);
    });

    pages.post(`${BASE}/transactions/:paymentId/refund`, { schema: { params: paymentParams } }, async (request, reply) => {
      const payment = await loadOwnedPayment(request, reply);
      if (!payment) return reply;
      const typed = text(request.body, 'amount');
      const available = describeRefundSummary(payment).amount_available;
      const amount = parsePounds(typed);
      if (typed === '') return renderRefundForm(request, reply, payment, { amount: typed, error: 'missing' });
      if (amount === undefined) return renderRefundForm(request, reply, payment, { amount: typed, error: 'invalid' });
      if (amount < 1 || amount > available) return renderRefundForm(request, reply, payment, { amount: typed, error: 'tooMuch' });
      // Post/redirect/get: the question is a page of its own, so reloading it or going back to it sends nothing again.
      return reply.redirect(`${baseOf(request)}/transactions/${payment.id}/refund/confirm?amount=${amount}`, 303);
    });

    pages.get(`${BASE}/transactions/:paymentId/refund/confirm`, { schema: { params: paymentParams } }, async (request, reply) => {
      const payment = await loadOwnedPayment(request, reply);
      if (!payment) return reply;
      const { t } = request;
      const given = text(request.query, 'amount');
      const amount = /^\d{1,15}$/.test(given) ? Number(given) : 0;
      const summary = describeRefundSummary(payment);
      // The amount is asked again when it is missing, or no longer fits what is left to refund.
      if (summary.status !== 'available') return reply.redirect(`${baseOf(request)}/transactions/${payment.id}`, 303);
      if (amount < 1 || amount > summary.amount_available) return reply.redirect(`${baseOf(request)}/transactions/${payment.id}/refund`, 303);
      return reply.render(`${VIEWS}/refund-confirm.njk`, {
        ...teamContext(request, reply, 'transactions'),
        pageTitle: t('pay.team.refundConfirm.title', { amount: formatPounds(amount) }),
        backLink: `${baseOf(request)}/transactions/${payment.id}/refund`,
        body: t('pay.team.refundConfirm.body', { amount: formatPounds(amount), reference: payment.reference }),
        button: t('pay.team.refundConfirm.button', { amount: formatPounds(amount) }),
        action: `${baseOf(request)}/transactions/${payment.id}/refund/confirm`,
        amount,
        available: summary.amount_available,
      });
    });

    pages.post(`${BASE}/transactions/:paymentId/refund/confirm`, { schema: { params: paymentParams } }, async (request, reply) => {
      const payment = await loadOwnedPayment(request, reply);
      if (!payment) return reply;
      const amount = Number(text(request.body, 'amount'));
      const expectedAvailable = Number(text(request.body, 'available'));
      if (!Number.isSafeInteger(amount) || amount < 1 || !Number.isSafeInteger(expectedAvailable)) {
        return renderRefundForm(request, reply, payment, { error: 'invalid' });
      }
      const team = request.payTeam as TeamAccount;
      try {
        await services.refunds.createRefund({
          owner: owner(request),
          paymentId: payment.id,
          amount,
          expectedAvailable,
          requestedBy: teamMemberOf(request).actor,
          actor: teamMemberOf(request).actor,
          requestId: request.id,
        });
      } catch (error) {
        if (error instanceof PayApiError && (error.payCode === 'P0603' || error.payCode === 'P0604')) {
          const current = (await services.payments.findOwned(owner(request), payment.id)) ?? payment;
          return renderRefundForm(request, reply, current, { error: 'changed' });
        }
        throw error;
      }
      return reply.redirect(`${baseOf(request)}/transactions/${payment.id}?refunded=${amount}`, 303);
    });

    // --- Webhooks ---------------------------------------------------------------------------

    pages.get(`${BASE}/webhooks`, async (request, reply) => {
      const { t, locale } = request;
      const webhooks = await services.webhooks.listWebhooks(owner(request));
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
      const webhook = await services.webhooks.findWebhook(owner(request), webhookId);
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
      const webhook = await services.webhooks.findWebhook(owner(request), webhookId);
      if (!webhook) return reply.callNotFound();
      const status = text(request.body, 'status') === 'active' ? 'active' : 'inactive';
      await services.webhooks.setWebhookStatus({ accountId: team.accountId, id: webhook.id, status, actor: teamMemberOf(request).actor, requestId: request.id });
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
        const webhook = await services.webhooks.findWebhook(owner(request), webhookId);
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
  });
}

/** Where an account's team pages are, in a mode: under /console, where the console's sign-in reaches. */
const BASE = '/console/pay/:accountId/:mode(test|live)';
function baseOf(request: FastifyRequest): string {
  const { accountId, mode } = request.params as { accountId: string; mode: string };
  return `/console/pay/${accountId}/${mode}`;
}

function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (character) => `&#${character.charCodeAt(0)};`);
}
