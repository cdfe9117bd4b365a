import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { formatDateTime } from '../../../../platform/http/dates.ts';
import { requireTeamMember, teamMemberOf } from '../../../../platform/http/team-access.ts';
import { describeCardBrand } from '../../cards/card-number.ts';
import { PayApiError } from '../../pay.errors.ts';
import type { PayServices } from '../../pay-services.ts';
import { formatDecimalPounds, formatPounds, parsePounds } from '../../payments/money.ts';
import { describeRefundSummary, describeState } from '../../payments/payment-json.ts';
import { EXTERNAL_STATUSES, listStatusesShownAs, type ExternalStatus } from '../../payments/payment-state.ts';
import type { PaymentRow, PaymentSearchFilter } from '../../payments/payment.store.ts';
import { BASE, baseOf, escapeHtml, ownerOf, teamContext, text, VIEWS } from './team-page.ts';
import { registerTeamWebhookPages } from './team-webhooks.routes.ts';

/**
 * The pages a service team uses: its transactions with filters, a payment's detail and events,
 * refunds (with a confirmation step), and its webhooks with every delivery attempt. They live at
 * /console/pay/ACCOUNT_ID/test|live/... : the console signs people in and says their role (see
 * platform/http/team-access.ts); owners and developers refund and manage webhooks, viewers read.
 */

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

export async function registerTeamPages(app: FastifyInstance, services: PayServices): Promise<void> {
  function describeStatus(row: PaymentRow, t: FastifyRequest['t']) {
    const state = describeState(row);
    return { text: t(`pay.team.status.${state.status}`), classes: STATUS_TAG_CLASSES[state.status] };
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
      const filter: PaymentSearchFilter = { ...ownerOf(request) };
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
      const payment = await services.payments.findOwned(ownerOf(request), paymentId);
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
        services.refunds.listRefunds(ownerOf(request), payment.id),
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
            try {
        await services.refunds.createRefund({
          owner: ownerOf(request),
          paymentId: payment.id,
          amount,
          expectedAvailable,
          requestedBy: teamMemberOf(request).actor,
          actor: teamMemberOf(request).actor,
          auditDetails: teamMemberOf(request).auditDetails,
          requestId: request.id,
        });
      } catch (error) {
        if (error instanceof PayApiError && (error.payCode === 'P0603' || error.payCode === 'P0604')) {
          const current = (await services.payments.findOwned(ownerOf(request), payment.id)) ?? payment;
          return renderRefundForm(request, reply, current, { error: 'changed' });
        }
        throw error;
      }
      return reply.redirect(`${baseOf(request)}/transactions/${payment.id}?refunded=${amount}`, 303);
    });

    registerTeamWebhookPages(pages, services);
  });
}
