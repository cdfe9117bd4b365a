import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { PaymentProvider } from '../providers/payment-provider.ts';
import { createSandboxProvider } from '../providers/sandbox.provider.ts';
import {
  callApi,
  CARD_FORM,
  createAccountWithKey,
  createInjectBrowser,
  createPaymentByApi,
  openNextUrl,
  startPayApp,
  type PayTestApp,
} from '../testing/pay-test-support.ts';

/**
 * What a card payment is refused for before its provider is asked: once the provider has
 * authorised a card, the payment must be recorded, so nothing the store could refuse and
 * nothing the provider would decline for its form alone may reach it.
 */

const CARD = { card_number: '4242424242424242', cvc: '123', expiry_date: '09/30', cardholder_name: 'Rhys Jones' } as const;
const AMEX = '371449635398431';

/** Starts Pay with a sandbox that counts the cards it is asked to authorise. */
async function startCountingPay(t: Parameters<typeof startPayApp>[0]): Promise<{ payApp: PayTestApp; authorisations: () => number }> {
  const sandbox = createSandboxProvider();
  let count = 0;
  const provider: PaymentProvider = {
    ...sandbox,
    async authorise(request) {
      count += 1;
      return sandbox.authorise(request);
    },
  };
  return { payApp: await startPayApp(t, { providers: [provider] }), authorisations: () => count };
}

async function createMotoApiPayment(payApp: PayTestApp) {
  const { accountId, key } = await createAccountWithKey(payApp.services);
  await payApp.services.accounts.setMoto({ accountId, allowAuthorisationApi: true, actor: 'operator:test' });
  const created = await callApi(payApp.app, {
    method: 'POST',
    url: '/v1/payments',
    key,
    body: { amount: 2500, reference: 'PHONE-0001', description: 'Licence taken by phone', authorisation_mode: 'moto_api' },
  });
  assert.equal(created.statusCode, 201, created.body);
  const payment = created.json();
  return { key, paymentId: payment.payment_id as string, token: payment._links.auth_url_post.params.one_time_token as string };
}

async function statusOf(payApp: PayTestApp, key: string, paymentId: string): Promise<string> {
  return (await callApi(payApp.app, { method: 'GET', url: `/v1/payments/${paymentId}`, key })).json().state.status;
}

test('MOTO API: values past their limits are refused before the provider is asked; the payment can still be paid', async (t) => {
  const { payApp, authorisations } = await startCountingPay(t);
  const { key, paymentId, token } = await createMotoApiPayment(payApp);
  const refusals = [
    { change: { cardholder_name: 'R'.repeat(256) }, error: { code: 'P0102', field: 'cardholder_name', description: 'Invalid attribute value: cardholder_name. Must be less than or equal to 255 characters long' } },
    { change: { card_number: '4'.repeat(20) }, error: { code: 'P0102', field: 'card_number', description: 'Invalid attribute value: card_number. Must be between 12 and 19 characters long' } },
    { change: { cvc: '12345' }, error: { code: 'P0102', field: 'cvc', description: 'Invalid attribute value: cvc. Must be between 3 and 4 characters long' } },
    { change: { one_time_token: 't'.repeat(100_000) }, error: { code: 'P1211', description: 'The one_time_token is not valid' } },
  ];
  for (const { change, error } of refusals) {
    const response = await callApi(payApp.app, { method: 'POST', url: '/v1/auth', key, body: { ...CARD, one_time_token: token, ...change } });
    assert.ok(response.statusCode === 422 || response.statusCode === 400, response.body);
    assert.deepEqual(response.json(), error);
  }
  assert.equal(authorisations(), 0);
  assert.equal(await statusOf(payApp, key, paymentId), 'created');
  const paid = await callApi(payApp.app, { method: 'POST', url: '/v1/auth', key, body: { ...CARD, one_time_token: token, cardholder_name: 'R'.repeat(255) } });
  assert.equal(paid.statusCode, 204, paid.body);
  assert.equal(await statusOf(payApp, key, paymentId), 'success');
});

test('card page: values past their limits are refused with a field error before the provider is asked; the payment can still be paid', async (t) => {
  const { payApp, authorisations } = await startCountingPay(t);
  const { key } = await createAccountWithKey(payApp.services);
  const payment = await createPaymentByApi(payApp.app, key);
  const browser = createInjectBrowser(payApp.app);
  const cardPage = await openNextUrl(browser, payment._links.next_url.href);
  const changes = [
    { cardholderName: 'R'.repeat(256) },
    { addressLine1: 'a'.repeat(256) },
    { addressLine2: 'a'.repeat(256) },
    { addressCity: 'a'.repeat(256) },
    { addressPostcode: 'A'.repeat(26), addressCountry: 'FR' },
    { email: `${'a'.repeat(250)}@example.com` },
    { addressCountry: 'XX' },
  ];
  for (const change of changes) {
    const refused = await browser.post(cardPage, { ...CARD_FORM, ...change });
    assert.equal(refused.statusCode, 400, JSON.stringify(change).slice(0, 60));
    assert.match(refused.body, /govuk-error-summary/);
  }
  assert.equal(authorisations(), 0);
  assert.equal(await statusOf(payApp, key, payment.payment_id), 'started');
  const submitted = await browser.post(cardPage, { ...CARD_FORM, cardholderName: 'R'.repeat(255) });
  assert.equal(submitted.headers.location, `${cardPage}/confirm`);
  assert.equal(authorisations(), 1);
});

test('MOTO API: a security code of the wrong length for the card\'s brand is refused before the provider is asked (4 digits for American Express, 3 for others)', async (t) => {
  const { payApp, authorisations } = await startCountingPay(t);
  const { key, paymentId, token } = await createMotoApiPayment(payApp);
  const refusals = [
    { card_number: AMEX, cvc: '123', description: 'Invalid attribute value: cvc. Must be 4 digits long for American Express cards' },
    { card_number: '4242424242424242', cvc: '1234', description: 'Invalid attribute value: cvc. Must be 3 digits long for Visa cards' },
    { card_number: '5555555555554444', cvc: '1234', description: 'Invalid attribute value: cvc. Must be 3 digits long for Mastercard cards' },
  ];
  for (const { description, ...card } of refusals) {
    const response = await callApi(payApp.app, { method: 'POST', url: '/v1/auth', key, body: { ...CARD, one_time_token: token, ...card } });
    assert.equal(response.statusCode, 422, response.body);
    assert.deepEqual(response.json(), { code: 'P0102', description });
  }
  assert.equal(authorisations(), 0);
  assert.equal(await statusOf(payApp, key, paymentId), 'created');
  const paid = await callApi(payApp.app, { method: 'POST', url: '/v1/auth', key, body: { ...CARD, one_time_token: token, card_number: AMEX, cvc: '1234' } });
  assert.equal(paid.statusCode, 204, paid.body);
  const payment = (await callApi(payApp.app, { method: 'GET', url: `/v1/payments/${paymentId}`, key })).json();
  assert.equal(payment.state.status, 'success');
  assert.equal(payment.card_details.card_brand, 'American Express');
});

test('card page: a security code of the wrong length for the card\'s brand is a field error before the provider is asked', async (t) => {
  const { payApp, authorisations } = await startCountingPay(t);
  const { key } = await createAccountWithKey(payApp.services);
  const payment = await createPaymentByApi(payApp.app, key);
  const browser = createInjectBrowser(payApp.app);
  const cardPage = await openNextUrl(browser, payment._links.next_url.href);
  for (const card of [{ cardNo: AMEX, cvc: '123' }, { cardNo: '4242 4242 4242 4242', cvc: '1234' }, { cardNo: '5555 5555 5555 4444', cvc: '1234' }]) {
    const refused = await browser.post(cardPage, { ...CARD_FORM, ...card });
    assert.equal(refused.statusCode, 400, JSON.stringify(card));
    assert.match(refused.body, /Enter a valid card security code/);
  }
  assert.equal(authorisations(), 0);
  const submitted = await browser.post(cardPage, { ...CARD_FORM, cardNo: AMEX, cvc: '1234' });
  assert.equal(submitted.headers.location, `${cardPage}/confirm`);
  assert.equal(authorisations(), 1);
});
