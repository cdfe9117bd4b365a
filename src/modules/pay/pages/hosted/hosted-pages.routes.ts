import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { usesHttps } from '../../../../platform/http/security.ts';
import { describeCardBrand } from '../../cards/card-number.ts';
import { PAY_ID_PATTERN } from '../../pay-id.ts';
import type { PayServices } from '../../pay-services.ts';
import { formatPounds } from '../../payments/money.ts';
import type { PaymentRow } from '../../payments/payment.store.ts';
import { describeReturnTarget } from '../../payments/return-url.ts';
import type { BillingAddress } from '../../providers/payment-provider.ts';
import { describeSandboxTestCards } from './sandbox-test-cards.ts';
import { createPageCsrfToken } from '../csrf-token.ts';
import { FIELD_IDS, readCardDetailsForm, type CardFormError, type CardFormValues } from './card-details.form.ts';
import { describeCountry, listCountries } from './countries.ts';

/**
 * The payment pages a paying user sees at the payment's `next_url`: card details, 3-D Secure
 * (the sandbox's simulated challenge), confirm, and a page for each way a payment can end.
 *
 * Opening `next_url` uses its one-time token and remembers the payment in a signed, HttpOnly
 * cookie; every later page needs that cookie, so a copied link is no use to anyone else.
 */

const SESSION_COOKIE = 'civitas_pay_payments';
const SESSION_LIMIT = 5;
const VIEWS = 'modules/pay/pages/hosted';

type MessageKey =
  | 'declined'
  | 'expired'
  | 'cancelled'
  | 'cancelledByService'
  | 'error'
  | 'inProgress'
  | 'sessionEnded'
  | 'received';

type Destination = { page: 'card-details' | '3ds' | 'confirm' } | { message: MessageKey } | { returnUrl: string };

/** Where a payment in this state belongs. */
function describeDestination(payment: PaymentRow): Destination {
  switch (payment.status) {
    case 'created':
    case 'started':
      return { page: 'card-details' };
    case 'authorising':
      return { message: 'inProgress' };
    case 'three_ds_required':
      return { page: '3ds' };
    case 'authorised':
      return { page: 'confirm' };
    case 'capturable':
    case 'success': {
      // A return_url no browser could be sent to (stored before it was checked) gets a page instead.
      const returnUrl = describeReturnTarget(payment.return_url);
      return returnUrl === undefined ? { message: 'received' } : { returnUrl };
    }
    case 'cancelled':
      return { message: 'cancelledByService' };
    case 'error':
      return { message: 'error' };
    default:
      return {
        message: payment.failure_code === 'P0020' ? 'expired' : payment.failure_code === 'P0030' ? 'cancelled' : 'declined',
      };
  }
}

function pathOf(payment: PaymentRow, page: 'card-details' | '3ds' | 'confirm'): string {
  const base = `/pay/card-details/${payment.id}`;
  return page === 'card-details' ? base : `${base}/${page}`;
}

export async function registerHostedPaymentPages(app: FastifyInstance, services: PayServices): Promise<void> {
  const secureCookies = usesHttps(services.config);

  function readSession(request: FastifyRequest): string[] {
    const raw = request.cookies[SESSION_COOKIE];
    if (!raw) return [];
    const unsigned = request.unsignCookie(raw);
    if (!unsigned.valid || !unsigned.value) return [];
    return unsigned.value.split('.').filter((id) => PAY_ID_PATTERN.test(id));
  }

  function remember(request: FastifyRequest, reply: FastifyReply, paymentId: string): void {
    const ids = [paymentId, ...readSession(request).filter((id) => id !== paymentId)].slice(0, SESSION_LIMIT);
    reply.setCookie(SESSION_COOKIE, ids.join('.'), {
      path: '/pay',
      httpOnly: true,
      sameSite: 'lax',
      secure: secureCookies,
      signed: true,
    });
  }

  async function serviceNameOf(payment: PaymentRow): Promise<string | undefined> {
    return (await services.accounts.findAccount(payment.account_id))?.name;
  }

  async function renderMessage(reply: FastifyReply, key: MessageKey, payment?: PaymentRow) {
    const { t } = reply.request;
    const status = key === 'sessionEnded' ? 403 : 200;
    return reply.code(status).render(`${VIEWS}/payment-message.njk`, {
      pageTitle: t(`pay.hosted.messages.${key}.title`),
      paragraphs: [t(`pay.hosted.messages.${key}.body`)],
      returnUrl: key === 'inProgress' ? undefined : describeReturnTarget(payment?.return_url),
      refreshUrl: key === 'inProgress' && payment ? pathOf(payment, 'card-details') : undefined,
      serviceName: payment ? await serviceNameOf(payment) : undefined,
    });
  }

  /** Sends the browser where the payment belongs now (answering a GET: a message is shown at once). */
  async function goToDestination(reply: FastifyReply, payment: PaymentRow) {
    const destination = describeDestination(payment);
    if ('page' in destination) return reply.redirect(pathOf(payment, destination.page), 303);
    if ('returnUrl' in destination) return reply.redirect(destination.returnUrl, 303);
    return renderMessage(reply, destination.message, payment);
  }

  /**
   * The same, answering a POST: always a redirect (post/redirect/get), a message through the
   * card details address, which shows it. Reloading or going back to it then sends nothing
   * again, and the browser never asks to resubmit a form.
   */
  function redirectToDestination(reply: FastifyReply, payment: PaymentRow) {
    const destination = describeDestination(payment);
    if ('page' in destination) return reply.redirect(pathOf(payment, destination.page), 303);
    if ('returnUrl' in destination) return reply.redirect(destination.returnUrl, 303);
    return reply.redirect(pathOf(payment, 'card-details'), 303);
  }

  /**
   * The payment a page is for, if this browser opened it; otherwise the page answers itself
   * (session ended, or not found) and this returns undefined.
   */
  async function loadPayment(request: FastifyRequest, reply: FastifyReply): Promise<PaymentRow | undefined> {
    const { paymentId } = request.params as { paymentId: string };
    if (!readSession(request).includes(paymentId)) {
      await renderMessage(reply, 'sessionEnded');
      return undefined;
    }
    const payment = await services.payments.findForPages(paymentId);
    if (!payment) {
      await renderMessage(reply, 'sessionEnded');
      return undefined;
    }
    return payment;
  }

  /** What the payment is for; a payment that sets up an agreement shows the agreement's description too, as Pay's. */
  async function describeSummary(payment: PaymentRow) {
    const agreement =
      payment.save_to_agreement === 1 && payment.agreement_id ? await services.agreements.findDescription(payment.agreement_id) : undefined;
    return {
      description: payment.description,
      amount: formatPounds(payment.amount),
      test: payment.live === 0,
      ...(agreement === undefined ? {} : { agreement }),
    };
  }

  async function renderCardDetails(
    reply: FastifyReply,
    payment: PaymentRow,
    form: { values?: CardFormValues; errors?: CardFormError[] } = {},
  ) {
    const { t, locale } = reply.request;
    const prefilled = payment.billing_address ? (JSON.parse(payment.billing_address) as Partial<BillingAddress>) : {};
    const values: CardFormValues = form.values ?? {
      expiryMonth: '',
      expiryYear: '',
      cardholderName: payment.cardholder_name ?? '',
      addressLine1: prefilled.line1 ?? '',
      addressLine2: prefilled.line2 ?? '',
      addressCity: prefilled.city ?? '',
      addressPostcode: prefilled.postcode ?? '',
      addressCountry: prefilled.country ?? 'GB',
      email: payment.email ?? '',
    };
    const errors = form.errors ?? [];
    const describe = (error: CardFormError) => t(`pay.hosted.card.errors.${error.key}`, { limit: error.limit ?? 0 });
    const fieldErrors: Record<string, { text: string }> = {};
    for (const error of errors) fieldErrors[error.field] ??= { text: describe(error) };
    return reply.code(errors.length > 0 ? 400 : 200).render(`${VIEWS}/card-details.njk`, {
      pageTitle: t('pay.hosted.card.title'),
      csrfToken: createPageCsrfToken(reply),
      serviceName: await serviceNameOf(payment),
      errors: errors.map((error) => ({ text: describe(error), href: `#${FIELD_IDS[error.field]}` })),
      fieldErrors,
      values,
      summary: await describeSummary(payment),
      countries: listCountries(locale).map((country) => ({ ...country, selected: country.value === values.addressCountry })),
      action: pathOf(payment, 'card-details'),
      cancelAction: `${pathOf(payment, 'card-details')}/cancel`,
      testCards: payment.live === 0 && payment.provider === 'sandbox' ? describeSandboxTestCards(t) : undefined,
    });
  }

  async function openPayment(request: FastifyRequest, reply: FastifyReply, token: string) {
    const opened = await services.payments.openWithToken(token);
    if ('payment' in opened) {
      remember(request, reply, opened.payment.id);
      const destination = describeDestination(opened.payment);
      if (!('returnUrl' in destination)) {
        const page = 'page' in destination ? destination.page : 'card-details';
        return reply.redirect(`${pathOf(opened.payment, page)}?lang=${opened.payment.language}`, 303);
      }
      return redirectToDestination(reply, opened.payment);
    }
    // A used token still leads back to the payment in the browser that used it.
    if (opened.problem === 'used' && opened.paymentId && readSession(request).includes(opened.paymentId)) {
      const payment = await services.payments.findForPages(opened.paymentId);
      if (payment) return redirectToDestination(reply, payment);
    }
    if (opened.problem === 'used') return renderMessage(reply, 'sessionEnded');
    return reply.callNotFound();
  }

  await app.register(async (pages) => {
    // Nothing about a payment is kept by the browser's or any proxy's cache.
    pages.addHook('onSend', async (_request, reply) => {
      reply.header('cache-control', 'no-store');
    });

    const tokenParams = { type: 'object', properties: { token: { type: 'string', maxLength: 100 } }, required: ['token'] } as const;
    const paymentParams = { type: 'object', properties: { paymentId: { type: 'string', maxLength: 100 } }, required: ['paymentId'] } as const;

    pages.get('/pay/secure/:token', { schema: { params: tokenParams } }, async (request, reply) =>
      openPayment(request, reply, (request.params as { token: string }).token),
    );

    // `next_url_post`: a service's page may post the token here instead of linking to next_url.
    pages.post(
      '/pay/secure',
      {
        config: { csrf: false },
        schema: { body: { type: 'object', properties: { chargeTokenId: { type: 'string', maxLength: 100 } } } },
      },
      async (request, reply) => {
        const token = (request.body as { chargeTokenId?: string } | undefined)?.chargeTokenId;
        if (!token) return reply.callNotFound();
        return openPayment(request, reply, token);
      },
    );

    pages.get('/pay/card-details/:paymentId', { schema: { params: paymentParams } }, async (request, reply) => {
      const payment = await loadPayment(request, reply);
      if (!payment) return reply;
      if (payment.status === 'started') return renderCardDetails(reply, payment);
      return goToDestination(reply, payment);
    });

    pages.post('/pay/card-details/:paymentId', { schema: { params: paymentParams } }, async (request, reply) => {
      const payment = await loadPayment(request, reply);
      if (!payment) return reply;
      if (payment.status !== 'started') return redirectToDestination(reply, payment);
      const { values, errors, card } = readCardDetailsForm(request.body, { now: services.clock() });
      if (!card) return renderCardDetails(reply, payment, { values, errors });
      const outcome = await services.payments.submitCard(payment.id, card);
      if (outcome.kind === 'three_ds_required' && outcome.challenge?.kind === 'redirect') {
        return reply.redirect(outcome.challenge.url, 303);
      }
      return redirectToDestination(reply, outcome.payment);
    });

    pages.get('/pay/card-details/:paymentId/3ds', { schema: { params: paymentParams } }, async (request, reply) => {
      const payment = await loadPayment(request, reply);
      if (!payment) return reply;
      if (payment.status !== 'three_ds_required') return goToDestination(reply, payment);
      return renderThreeDSecure(reply, payment, false);
    });

    pages.post('/pay/card-details/:paymentId/3ds', { schema: { params: paymentParams } }, async (request, reply) => {
      const payment = await loadPayment(request, reply);
      if (!payment) return reply;
      if (payment.status !== 'three_ds_required') return redirectToDestination(reply, payment);
      const answer = (request.body as Record<string, unknown> | undefined)?.authenticated;
      if (answer !== 'yes' && answer !== 'no') return renderThreeDSecure(reply, payment, true);
      const outcome = await services.payments.completeThreeDSecure(payment.id, { authenticated: answer });
      return redirectToDestination(reply, outcome.payment);
    });

    async function renderThreeDSecure(reply: FastifyReply, payment: PaymentRow, missingAnswer: boolean) {
      const { t } = reply.request;
      return reply.code(missingAnswer ? 400 : 200).render(`${VIEWS}/three-d-secure.njk`, {
        pageTitle: t('pay.hosted.threeDs.title'),
        csrfToken: createPageCsrfToken(reply),
        serviceName: await serviceNameOf(payment),
        errors: missingAnswer ? [{ text: t('pay.hosted.threeDs.error'), href: '#authenticated' }] : [],
        answerError: missingAnswer ? { text: t('pay.hosted.threeDs.error') } : undefined,
        summary: await describeSummary(payment),
        action: pathOf(payment, '3ds'),
      });
    }

    pages.get('/pay/card-details/:paymentId/confirm', { schema: { params: paymentParams } }, async (request, reply) => {
      const payment = await loadPayment(request, reply);
      if (!payment) return reply;
      if (payment.status !== 'authorised') return goToDestination(reply, payment);
      const { t } = request;
      const address = payment.billing_address ? (JSON.parse(payment.billing_address) as BillingAddress) : undefined;
      return reply.render(`${VIEWS}/confirm.njk`, {
        pageTitle: t('pay.hosted.confirm.title'),
        csrfToken: createPageCsrfToken(reply),
        serviceName: await serviceNameOf(payment),
        summary: await describeSummary(payment),
        card: t('pay.hosted.confirm.cardEnding', {
          brand: describeCardBrand(payment.card_brand),
          lastDigits: payment.card_last_digits ?? '',
        }),
        cardholderName: payment.cardholder_name,
        addressLines: address
          ? [address.line1, address.line2, address.city, address.postcode, describeCountry(address.country, request.locale)].filter(Boolean)
          : [],
        email: payment.email,
        action: pathOf(payment, 'confirm'),
        cancelAction: `${pathOf(payment, 'card-details')}/cancel`,
      });
    });

    pages.post('/pay/card-details/:paymentId/confirm', { schema: { params: paymentParams } }, async (request, reply) => {
      const payment = await loadPayment(request, reply);
      if (!payment) return reply;
      // Sent twice (a reload, a second click), the second finds the payment confirmed already and takes nothing more.
      const confirmed = await services.payments.confirm(payment.id);
      return redirectToDestination(reply, confirmed ?? (await services.payments.findForPages(payment.id)) ?? payment);
    });

    pages.post('/pay/card-details/:paymentId/cancel', { schema: { params: paymentParams } }, async (request, reply) => {
      const payment = await loadPayment(request, reply);
      if (!payment) return reply;
      const cancelled = await services.payments.cancelByUser(payment.id);
      return redirectToDestination(reply, cancelled ?? (await services.payments.findForPages(payment.id)) ?? payment);
    });
  });
}
