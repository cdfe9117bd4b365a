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
  PAYMENT_REQUEST,
  startPayApp,
} from '../testing/pay-test-support.ts';

/**
 * Text no database can store (a NUL character, half a surrogate pair) is refused by the kernel
 * before any route runs; the Pay API answers it as GOV.UK Pay answers a bad value in that place.
 */

const NOT_STORABLE = 'Must not contain NUL characters or unpaired surrogates';

/** The sandbox, counting the cards it is asked to authorise. */
function createCountingSandbox(): { provider: PaymentProvider; authorisations: () => number } {
  const sandbox = createSandboxProvider();
  let count = 0;
  return {
    provider: {
      ...sandbox,
      async authorise(request) {
        count += 1;
        return sandbox.authorise(request);
      },
    },
    authorisations: () => count,
  };
}

test('a body attribute holding a NUL or half a surrogate pair is an invalid attribute value, named as Pay names it', async (t) => {
  const { app, services } = await startPayApp(t);
  const { key } = await createAccountWithKey(services);
  const invalid = (field: string) => ({ code: 'P0102', field, description: `Invalid attribute value: ${field}. ${NOT_STORABLE}` });
  const cases: Array<{ body: unknown; status: number; error: Record<string, string> }> = [
    { body: { ...PAYMENT_REQUEST, reference: 'FISH\u00000001' }, status: 422, error: invalid('reference') },
    { body: { ...PAYMENT_REQUEST, description: 'Rod licence \ud800' }, status: 422, error: invalid('description') },
    { body: { ...PAYMENT_REQUEST, email: 'angler@example.com\u0000' }, status: 422, error: invalid('email') },
    { body: { ...PAYMENT_REQUEST, prefilled_cardholder_details: { cardholder_name: 'Rhys\u0000' } }, status: 422, error: invalid('cardholder_name') },
    { body: { ...PAYMENT_REQUEST, prefilled_cardholder_details: { billing_address: { line1: '\udc00 Heol' } } }, status: 422, error: invalid('line1') },
    { body: { ...PAYMENT_REQUEST, metadata: { ledger: 'a\u0000b' } }, status: 422, error: invalid('metadata') },
    { body: { ...PAYMENT_REQUEST, metadata: { 'led\u0000ger': 'ab' } }, status: 422, error: invalid('metadata') },
    { body: { ...PAYMENT_REQUEST, unknown: ['x', 'y\u0000'] }, status: 422, error: invalid('unknown') },
    { body: { ...PAYMENT_REQUEST, 'un\u0000known': 1 }, status: 422, error: invalid('un\ufffdknown') },
    { body: 'FISH\u0000', status: 400, error: { code: 'P0197', description: 'Unable to parse JSON' } },
  ];
  for (const { body, status, error } of cases) {
    const response = await callApi(app, { method: 'POST', url: '/v1/payments', key, body: JSON.stringify(body) });
    assert.equal(response.statusCode, status, `${JSON.stringify(body)} -> ${response.body}`);
    assert.deepEqual(response.json(), error);
  }
  const search = await callApi(app, { method: 'GET', url: '/v1/payments', key });
  assert.equal(search.json().total, 0, 'no payment was made');

  const agreement = await callApi(app, { method: 'POST', url: '/v1/agreements', key, body: { reference: 'REF\u0000', description: 'Monthly' } });
  assert.equal(agreement.statusCode, 400);
  assert.deepEqual(agreement.json(), { code: 'P2102', field: 'reference', description: 'Invalid attribute value: reference. Must be a valid string format' });

  const payment = await createPaymentByApi(app, key);
  const refund = await callApi(app, { method: 'POST', url: `/v1/payments/${payment.payment_id}/refunds`, key, body: { amount: 100, note: '\u0000' } });
  assert.equal(refund.statusCode, 422);
  assert.deepEqual(refund.json(), { code: 'P0602', field: 'note', description: `Invalid attribute value: note. ${NOT_STORABLE}` });
});

test('a search parameter holding a NUL is one of the invalid parameters, with each search\'s own code', async (t) => {
  const { app, services } = await startPayApp(t);
  const { key } = await createAccountWithKey(services);
  const searches = [
    { url: '/v1/payments?reference=FISH%00&state=success', code: 'P0401', field: 'reference' },
    { url: '/v1/refunds?from_date=%00', code: 'P1101', field: 'from_date' },
    { url: '/v1/disputes?status=lost%00', code: 'P0401', field: 'status' },
    { url: '/v1/agreements?reference=a&reference=b%00', code: 'P2401', field: 'reference' },
    { url: '/v1/payments?x%00y=1', code: 'P0401', field: 'x\ufffdy' },
  ];
  for (const { url, code, field } of searches) {
    const response = await callApi(app, { method: 'GET', url, key });
    assert.equal(response.statusCode, 422, `${url} -> ${response.body}`);
    assert.deepEqual(response.json(), {
      code,
      description: `Invalid parameters: ${field}. See Public API documentation for the correct data formats`,
    });
  }
});

test('an id holding a NUL does not exist: 404 with the route\'s own code; nothing unauthenticated gets that far', async (t) => {
  const { app, services } = await startPayApp(t);
  const { key } = await createAccountWithKey(services);
  const routes = [
    { method: 'GET', url: '/v1/payments/abc%00', code: 'P0200' },
    { method: 'GET', url: '/v1/payments/abc%00/events', code: 'P0300' },
    { method: 'POST', url: '/v1/payments/abc%00/cancel', code: 'P0500' },
    { method: 'POST', url: '/v1/payments/abc%00/capture', code: 'P1000' },
    { method: 'POST', url: '/v1/payments/abc%00/refunds', code: 'P0600', body: { amount: 100 } },
    { method: 'GET', url: '/v1/payments/abc%00/refunds', code: 'P0800' },
    { method: 'GET', url: '/v1/payments/abc/refunds/x%00', code: 'P0700' },
    { method: 'GET', url: '/v1/agreements/abc%00', code: 'P2200' },
    { method: 'POST', url: '/v1/agreements/abc%00/cancel', code: 'P2500' },
  ] as const;
  for (const route of routes) {
    const response = await callApi(app, { key, ...route });
    assert.equal(response.statusCode, 404, `${route.url} -> ${response.body}`);
    assert.deepEqual(response.json(), { code: route.code, description: 'Not found' });
  }
  // A query a route does not read is a bad request in the route's envelope, never a 500.
  const ignored = await callApi(app, { method: 'GET', url: '/v1/payments/abc?x=%00', key });
  assert.equal(ignored.statusCode, 400);
  assert.deepEqual(ignored.json(), { code: 'P0197', description: 'Bad request' });

  const unauthenticated = await app.inject({ method: 'GET', url: '/v1/payments/abc%00' });
  assert.equal(unauthenticated.statusCode, 401);
});

test('MOTO API: a NUL in cardholder_name is refused before the provider is asked, and the payment can still be paid', async (t) => {
  const counting = createCountingSandbox();
  const { app, services } = await startPayApp(t, { providers: [counting.provider] });
  const { accountId, key } = await createAccountWithKey(services);
  await services.accounts.setMoto({ accountId, allowAuthorisationApi: true, actor: 'operator:test' });
  const created = await callApi(app, {
    method: 'POST',
    url: '/v1/payments',
    key,
    body: { amount: 2500, reference: 'PHONE-0001', description: 'Licence taken by phone', authorisation_mode: 'moto_api' },
  });
  assert.equal(created.statusCode, 201, created.body);
  const payment = created.json();
  const token = payment._links.auth_url_post.params.one_time_token;
  const card = { one_time_token: token, card_number: '4242424242424242', cvc: '123', expiry_date: '09/30', cardholder_name: 'Rhys Jones' };

  for (const [field, value] of [['cardholder_name', 'Rhys\u0000Jones'], ['cardholder_name', 'Rhys \ud83d'], ['cvc', '12\u0000'], ['one_time_token', `${token}\u0000`]]) {
    const refused = await callApi(app, { method: 'POST', url: '/v1/auth', key, body: { ...card, [field as string]: value } });
    assert.equal(refused.statusCode, 422, refused.body);
    assert.deepEqual(refused.json(), { code: 'P0102', field, description: `Invalid attribute value: ${field}. ${NOT_STORABLE}` });
  }
  assert.equal(counting.authorisations(), 0, 'the provider was never asked');
  const waiting = (await callApi(app, { method: 'GET', url: `/v1/payments/${payment.payment_id}`, key })).json();
  assert.deepEqual(waiting.state, { status: 'created', finished: false });

  const authorised = await callApi(app, { method: 'POST', url: '/v1/auth', key, body: card });
  assert.equal(authorised.statusCode, 204, authorised.body);
  assert.equal(counting.authorisations(), 1);
  const paid = (await callApi(app, { method: 'GET', url: `/v1/payments/${payment.payment_id}`, key })).json();
  assert.deepEqual(paid.state, { status: 'success', finished: true });
  assert.equal(paid.card_details.cardholder_name, 'Rhys Jones');
});

test('card page: a NUL in the cardholder name gets the kernel\'s 400 page, not a 500, before the provider is asked; the payment can still be paid', async (t) => {
  const counting = createCountingSandbox();
  const payApp = await startPayApp(t, { providers: [counting.provider] });
  const { key } = await createAccountWithKey(payApp.services);
  const payment = await createPaymentByApi(payApp.app, key);
  const browser = createInjectBrowser(payApp.app);
  const cardPage = await openNextUrl(browser, payment._links.next_url.href);
  // (A form cannot carry half a surrogate pair: URL encoding turns it into U+FFFD.)
  for (const change of [{ cardholderName: 'Rhys\u0000Jones' }, { addressLine1: '1 Heol\u0000' }, { email: 'angler@example.com\u0000' }]) {
    const refused = await browser.post(cardPage, { ...CARD_FORM, ...change });
    assert.equal(refused.statusCode, 400, JSON.stringify(change));
    assert.match(String(refused.headers['content-type']), /text\/html/);
  }
  assert.equal(counting.authorisations(), 0);
  const started = (await callApi(payApp.app, { method: 'GET', url: `/v1/payments/${payment.payment_id}`, key })).json();
  assert.equal(started.state.status, 'started');

  await browser.get(cardPage);
  const submitted = await browser.post(cardPage, CARD_FORM);
  assert.equal(submitted.headers.location, `${cardPage}/confirm`);
  await browser.get(`${cardPage}/confirm`);
  const confirmed = await browser.post(`${cardPage}/confirm`, {});
  assert.equal(confirmed.statusCode, 303);
  assert.equal(confirmed.headers.location, PAYMENT_REQUEST.return_url);
  const paid = (await callApi(payApp.app, { method: 'GET', url: `/v1/payments/${payment.payment_id}`, key })).json();
  assert.deepEqual(paid.state, { status: 'success', finished: true });
});
