import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  callApi,
  createAccountWithKey,
  createPaymentByApi,
  PAYMENT_REQUEST,
  payByCard,
  startPayApp,
} from '../testing/pay-test-support.ts';

test('POST /v1/payments creates a payment and answers with Pay JSON, a Location and a next_url', async (t) => {
  const { app, services } = await startPayApp(t);
  const { key } = await createAccountWithKey(services);
  const response = await callApi(app, {
    method: 'POST',
    url: '/v1/payments',
    key,
    body: {
      ...PAYMENT_REQUEST,
      language: 'cy',
      email: 'angler@example.com',
      metadata: { ledger_code: 'AB100', reconciled: false, count: 3 },
      prefilled_cardholder_details: {
        cardholder_name: 'Rhys Jones',
        billing_address: { line1: '1 Heol y Pysgod', city: 'Caerdydd', postcode: 'CF10 1AA', country: 'GB' },
      },
      unexpected_attribute: 'ignored, as Pay ignores it',
    },
  });
  assert.equal(response.statusCode, 201, response.body);
  assert.equal(response.headers['x-content-type-options'], 'nosniff');
  assert.equal(response.headers['cache-control'], 'no-store');
  assert.match(response.headers['content-security-policy'] as string, /default-src 'none'/);
  const payment = response.json();
  assert.match(payment.payment_id, /^[0-9a-v]{26}$/);
  assert.equal(response.headers.location, `http://localhost:3000/v1/payments/${payment.payment_id}`);
  assert.deepEqual(
    { ...payment, payment_id: 'ID', created_date: 'DATE', _links: 'LINKS' },
    {
      amount: 1450,
      description: 'Annual rod licence',
      reference: 'FISH-2025-0001',
      language: 'cy',
      email: 'angler@example.com',
      state: { status: 'created', finished: false },
      payment_id: 'ID',
      payment_provider: 'sandbox',
      created_date: 'DATE',
      refund_summary: { status: 'pending', amount_available: 1450, amount_submitted: 0 },
      settlement_summary: {},
      card_details: {
        cardholder_name: 'Rhys Jones',
        billing_address: { line1: '1 Heol y Pysgod', postcode: 'CF10 1AA', city: 'Caerdydd', country: 'GB' },
      },
      delayed_capture: false,
      moto: false,
      return_url: 'https://fishing.example.gov.uk/return/0001',
      metadata: { ledger_code: 'AB100', reconciled: false, count: 3 },
      authorisation_mode: 'web',
      _links: 'LINKS',
    },
  );
  assert.match(payment.created_date, /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
  const self = `http://localhost:3000/v1/payments/${payment.payment_id}`;
  assert.deepEqual(payment._links.self, { href: self, method: 'GET' });
  assert.deepEqual(payment._links.events, { href: `${self}/events`, method: 'GET' });
  assert.deepEqual(payment._links.refunds, { href: `${self}/refunds`, method: 'GET' });
  assert.deepEqual(payment._links.cancel, { href: `${self}/cancel`, method: 'POST' });
  assert.match(payment._links.next_url.href, /^http:\/\/localhost:3000\/pay\/secure\/[0-9a-v]{58}$/);
  assert.equal(payment._links.next_url.method, 'GET');
  assert.deepEqual(payment._links.next_url_post, {
    type: 'application/x-www-form-urlencoded',
    params: { chargeTokenId: payment._links.next_url.href.split('/').at(-1) },
    href: 'http://localhost:3000/pay/secure',
    method: 'POST',
  });
  assert.equal(payment._links.capture, undefined);

  const fetched = await callApi(app, { method: 'GET', url: `/v1/payments/${payment.payment_id}`, key });
  assert.equal(fetched.statusCode, 200);
  const again = fetched.json();
  assert.equal(again.state.status, 'created');
  assert.equal(again._links.next_url.href, payment._links.next_url.href, 'while it is created, the payment keeps its next_url');
});

test('the API refuses requests without a valid, unrevoked key of the right shape', async (t) => {
  const { app, services } = await startPayApp(t);
  const { key, keyId } = await createAccountWithKey(services);
  const cases = [
    {},
    { authorization: 'Basic abc' },
    { authorization: 'Bearer api_test_nonsense' },
    // A well-formed key whose checksum is wrong (one character changed).
    { authorization: `Bearer ${key.slice(0, -1)}${key.endsWith('0') ? '1' : '0'}` },
  ];
  for (const headers of cases) {
    const response = await app.inject({ method: 'GET', url: '/v1/payments', headers });
    assert.equal(response.statusCode, 401, JSON.stringify(headers));
    assert.match(response.headers['www-authenticate'] as string, /^Bearer/);
  }
  assert.equal((await callApi(app, { method: 'GET', url: '/v1/payments', key })).statusCode, 200);
  await services.accounts.revokeKey({ keyId, actor: 'operator:test' });
  assert.equal((await callApi(app, { method: 'GET', url: '/v1/payments', key })).statusCode, 401, 'revoked at once');
});

test('bad requests get Pay error envelopes with Pay codes, never a 500', async (t) => {
  const { app, services } = await startPayApp(t);
  const { key } = await createAccountWithKey(services);
  const cases: Array<{ body: unknown; status: number; error: Record<string, string> }> = [
    { body: { ...PAYMENT_REQUEST, amount: undefined }, status: 400, error: { code: 'P0101', field: 'amount', description: 'Missing mandatory attribute: amount' } },
    { body: { ...PAYMENT_REQUEST, amount: '1450' }, status: 400, error: { code: 'P0102', field: 'amount', description: 'Invalid attribute value: amount. Must be a valid numeric format' } },
    { body: { ...PAYMENT_REQUEST, amount: 14.5 }, status: 400, error: { code: 'P0102', field: 'amount', description: 'Invalid attribute value: amount. Must be a valid numeric format' } },
    { body: { ...PAYMENT_REQUEST, amount: 0 }, status: 422, error: { code: 'P0102', field: 'amount', description: 'Invalid attribute value: amount. Must be greater than or equal to 1' } },
    { body: { ...PAYMENT_REQUEST, amount: 10_000_001 }, status: 422, error: { code: 'P0102', field: 'amount', description: 'Invalid attribute value: amount. Must be less than or equal to 10000000' } },
    { body: { ...PAYMENT_REQUEST, reference: '  ' }, status: 400, error: { code: 'P0101', field: 'reference', description: 'Missing mandatory attribute: reference' } },
    { body: { ...PAYMENT_REQUEST, reference: 42 }, status: 400, error: { code: 'P0102', field: 'reference', description: 'Invalid attribute value: reference. Must be a valid string format' } },
    { body: { ...PAYMENT_REQUEST, reference: 'x'.repeat(256) }, status: 422, error: { code: 'P0102', field: 'reference', description: 'Invalid attribute value: reference. Must be less than or equal to 255 characters length' } },
    { body: { ...PAYMENT_REQUEST, description: undefined }, status: 400, error: { code: 'P0101', field: 'description', description: 'Missing mandatory attribute: description' } },
    { body: { ...PAYMENT_REQUEST, return_url: 'not a url' }, status: 422, error: { code: 'P0102', field: 'return_url', description: 'Invalid attribute value: return_url. Must be a valid URL format' } },
    { body: { ...PAYMENT_REQUEST, return_url: 'javascript:alert(1)' }, status: 422, error: { code: 'P0102', field: 'return_url', description: 'Invalid attribute value: return_url. Must be a valid URL format' } },
    { body: { ...PAYMENT_REQUEST, language: 'fr' }, status: 422, error: { code: 'P0102', field: 'language', description: 'Invalid attribute value: language. Must be "en" or "cy"' } },
    { body: { ...PAYMENT_REQUEST, delayed_capture: 'yes' }, status: 400, error: { code: 'P0102', field: 'delayed_capture', description: 'Invalid attribute value: delayed_capture. Must be true or false' } },
    { body: { ...PAYMENT_REQUEST, email: 'x'.repeat(250) + '@a.uk' }, status: 422, error: { code: 'P0102', field: 'email', description: 'Invalid attribute value: email. Must be less than or equal to 254 characters length' } },
    { body: { ...PAYMENT_REQUEST, metadata: null }, status: 422, error: { code: 'P0102', field: 'metadata', description: 'Invalid attribute value: metadata. Value must not be null' } },
    { body: { ...PAYMENT_REQUEST, metadata: ['a'] }, status: 422, error: { code: 'P0102', field: 'metadata', description: 'Invalid attribute value: metadata. Must be an object of JSON key-value pairs' } },
    { body: { ...PAYMENT_REQUEST, metadata: { ['k'.repeat(31)]: 'v' } }, status: 422, error: { code: 'P0102', field: 'metadata', description: 'Invalid attribute value: metadata. Keys must be between 1 and 30 characters long' } },
    { body: { ...PAYMENT_REQUEST, metadata: Object.fromEntries(Array.from({ length: 16 }, (_, index) => [`key${index}`, index])) }, status: 422, error: { code: 'P0102', field: 'metadata', description: 'Invalid attribute value: metadata. Cannot have more than 15 key-value pairs' } },
    { body: { ...PAYMENT_REQUEST, metadata: { nested: { a: 1 } } }, status: 422, error: { code: 'P0102', field: 'metadata', description: 'Invalid attribute value: metadata. Values must be of type String, Boolean or Number' } },
    { body: { ...PAYMENT_REQUEST, prefilled_cardholder_details: { billing_address: { country: 'GBR' } } }, status: 422, error: { code: 'P0102', field: 'country', description: 'Invalid attribute value: country. Must be exactly 2 characters length' } },
    { body: { ...PAYMENT_REQUEST, moto: true }, status: 422, error: { code: 'P0196', description: 'MOTO payments are not enabled for this account. Please contact support if you would like to process MOTO payments - https://www.payments.service.gov.uk/support/ .' } },
    { body: '{"amount": 1450,', status: 400, error: { code: 'P0197', description: 'Unable to parse JSON' } },
    { body: '[1, 2]', status: 400, error: { code: 'P0197', description: 'Unable to parse JSON' } },
  ];
  for (const { body, status, error } of cases) {
    const response = await callApi(app, { method: 'POST', url: '/v1/payments', key, body });
    assert.equal(response.statusCode, status, `${JSON.stringify(body).slice(0, 120)} -> ${response.body}`);
    assert.deepEqual(response.json(), error);
  }
  const empty = await app.inject({ method: 'POST', url: '/v1/payments', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' } });
  assert.equal(empty.statusCode, 400);
  assert.equal(empty.json().code, 'P0197');
  const text = await app.inject({ method: 'POST', url: '/v1/payments', headers: { authorization: `Bearer ${key}`, 'content-type': 'text/plain' }, payload: 'amount=1' });
  // pay-publicapi's create consumes application/json only: Jersey's 415, in Dropwizard's words.
  assert.equal(text.statusCode, 415);
  assert.deepEqual(text.json(), { code: 415, message: 'HTTP 415 Unsupported Media Type' });
  const xml = await app.inject({ method: 'POST', url: '/v1/payments', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/xml' }, payload: '<amount/>' });
  assert.equal(xml.statusCode, 415);
  assert.deepEqual(xml.json(), { code: 415, message: 'HTTP 415 Unsupported Media Type' });

  const unknown = await callApi(app, { method: 'GET', url: '/v1/payments/nosuchpayment0000000000000', key });
  assert.equal(unknown.statusCode, 404);
  assert.deepEqual(unknown.json(), { code: 'P0200', description: 'Not found' });
  const odd = await callApi(app, { method: 'GET', url: `/v1/payments/${encodeURIComponent("' or 1=1 --")}`, key });
  assert.equal(odd.statusCode, 404);
});

test("one account cannot see another's payments, nor a test key its live ones", async (t) => {
  const { app, services } = await startPayApp(t);
  const first = await createAccountWithKey(services);
  const second = await createAccountWithKey(services, { name: 'Another service' });
  const payment = await createPaymentByApi(app, first.key);
  for (const url of [`/v1/payments/${payment.payment_id}`, `/v1/payments/${payment.payment_id}/events`, `/v1/payments/${payment.payment_id}/refunds`]) {
    assert.equal((await callApi(app, { method: 'GET', url, key: second.key })).statusCode, 404, url);
  }
  const cancel = await callApi(app, { method: 'POST', url: `/v1/payments/${payment.payment_id}/cancel`, key: second.key });
  assert.deepEqual(cancel.json(), { code: 'P0500', description: 'Not found' });
  const search = await callApi(app, { method: 'GET', url: '/v1/payments', key: second.key });
  assert.equal(search.json().total, 0);

  const { key: liveKey } = await services.accounts.createKey({ accountId: first.accountId, type: 'live', actor: 'operator:test' });
  assert.equal((await callApi(app, { method: 'GET', url: `/v1/payments/${payment.payment_id}`, key: liveKey })).statusCode, 404);
  const live = await callApi(app, { method: 'POST', url: '/v1/payments', key: liveKey, body: PAYMENT_REQUEST });
  assert.equal(live.statusCode, 403, 'no live provider is set up, so live payments are refused');
  assert.equal(live.json().code, 'P0940');
});

test('Idempotency-Key: the same request returns the original payment, a different one gets 409 P0191', async (t) => {
  const { app, services, clock } = await startPayApp(t);
  const { key } = await createAccountWithKey(services);
  const headers = { 'idempotency-key': 'order-123-attempt-1' };
  const first = await callApi(app, { method: 'POST', url: '/v1/payments', key, body: PAYMENT_REQUEST, headers });
  assert.equal(first.statusCode, 201);
  // The same JSON with its keys in another order is the same request.
  const reordered = Object.fromEntries(Object.entries(PAYMENT_REQUEST).reverse());
  const repeat = await callApi(app, { method: 'POST', url: '/v1/payments', key, body: reordered, headers });
  assert.equal(repeat.statusCode, 200);
  assert.equal(repeat.json().payment_id, first.json().payment_id);

  const different = await callApi(app, { method: 'POST', url: '/v1/payments', key, body: { ...PAYMENT_REQUEST, amount: 1 }, headers });
  assert.equal(different.statusCode, 409);
  assert.equal(different.json().code, 'P0191');
  assert.equal(different.json().header, 'Idempotency-Key');

  for (const bad of ['', 'has spaces', 'x'.repeat(256), 'semi;colon']) {
    const response = await callApi(app, { method: 'POST', url: '/v1/payments', key, body: PAYMENT_REQUEST, headers: { 'idempotency-key': bad } });
    assert.equal(response.statusCode, 422, JSON.stringify(bad));
    assert.equal(response.json().header, 'Idempotency-Key');
  }

  // Another account may use the same key for its own payment.
  const other = await createAccountWithKey(services, { name: 'Other' });
  const theirs = await callApi(app, { method: 'POST', url: '/v1/payments', key: other.key, body: PAYMENT_REQUEST, headers });
  assert.equal(theirs.statusCode, 201);

  // After 24 hours the key may be used again, for a new payment.
  clock.advance(24 * 60 * 60 * 1000 + 1000);
  const later = await callApi(app, { method: 'POST', url: '/v1/payments', key, body: { ...PAYMENT_REQUEST, amount: 1 }, headers });
  assert.equal(later.statusCode, 201);
  assert.notEqual(later.json().payment_id, first.json().payment_id);
});

test('requests racing with the same Idempotency-Key create exactly one payment', async (t) => {
  const { app, services } = await startPayApp(t);
  const { key } = await createAccountWithKey(services);
  const headers = { 'idempotency-key': 'race-1' };
  const responses = await Promise.all(
    Array.from({ length: 8 }, () => callApi(app, { method: 'POST', url: '/v1/payments', key, body: PAYMENT_REQUEST, headers })),
  );
  const statuses = responses.map((response) => response.statusCode).sort();
  assert.deepEqual(statuses, [200, 200, 200, 200, 200, 200, 200, 201]);
  assert.equal(new Set(responses.map((response) => response.json().payment_id)).size, 1);
  const search = await callApi(app, { method: 'GET', url: '/v1/payments', key });
  assert.equal(search.json().total, 1);
});

test('rate limits answer 429 P0900, counted per account in the database', async (t) => {
  const { app, services, clock } = await startPayApp(t);
  const { key } = await createAccountWithKey(services, { rateLimitPost: 2, rateLimitOther: 3 });
  const other = await createAccountWithKey(services, { name: 'Other' });
  const post = () => callApi(app, { method: 'POST', url: '/v1/payments', key, body: PAYMENT_REQUEST });
  assert.equal((await post()).statusCode, 201);
  assert.equal((await post()).statusCode, 201);
  const refused = await post();
  assert.equal(refused.statusCode, 429);
  assert.deepEqual(refused.json(), { code: 'P0900', description: 'Too many requests' });
  assert.equal((await callApi(app, { method: 'GET', url: '/v1/payments', key })).statusCode, 200, 'GETs are counted apart');
  assert.equal((await callApi(app, { method: 'POST', url: '/v1/payments', key: other.key, body: PAYMENT_REQUEST })).statusCode, 201, 'other accounts are counted apart');
  clock.advance(1000);
  assert.equal((await post()).statusCode, 201, 'the next second starts afresh');
});

test("the deprecated top-level card_brand is card_details.card_brand, sent only once there is one (Pay's CardPayment#getCardBrand)", async (t) => {
  const payApp = await startPayApp(t);
  const { key } = await createAccountWithKey(payApp.services);
  const unpaid = await createPaymentByApi(payApp.app, key, {
    prefilled_cardholder_details: { cardholder_name: 'Rhys Jones' },
  });
  assert.equal('card_brand' in unpaid, false, 'card_details without a brand: no card_brand');

  const paymentId = await payByCard(payApp, key, { card: { cardNo: '5105 1051 0510 5100' } });
  const paid = (await callApi(payApp.app, { method: 'GET', url: `/v1/payments/${paymentId}`, key })).json();
  assert.equal(paid.card_details.card_brand, 'Mastercard');
  assert.equal(paid.card_brand, 'Mastercard');

  const found = (await callApi(payApp.app, { method: 'GET', url: '/v1/payments?card_brand=master-card', key })).json();
  assert.equal(found.results[0].payment_id, paymentId);
  assert.equal(found.results[0].card_brand, 'Mastercard', 'search results are CardPayments too');
});
