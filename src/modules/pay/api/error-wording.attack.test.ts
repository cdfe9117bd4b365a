import assert from 'node:assert/strict';
import { test } from 'node:test';
import { callApi, createAccountWithKey, createPaymentByApi, PAYMENT_REQUEST, payByCard, startPayApp } from '../testing/pay-test-support.ts';

/**
 * Issue 11 item 10: whatever a client sends to any v1 route (wrong types, missing fields, extra
 * fields, bad path and query parameters, the wrong method, an address that is no route), the
 * answer is worded as GOV.UK Pay words it (pay-publicapi's RequestError: P-code and description,
 * `field` where Pay names one), and nothing of the framework shows: no FST_ code, no schema
 * path ("body/amount", "querystring/page", "params/paymentId", "headers/..."), no ajv wording.
 */

type Case = {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  url: string;
  body?: unknown;
  headers?: Record<string, string>;
  /** What Pay answers: status, and the body exactly (or the code and how the description starts). */
  expect: { status: number; body?: Record<string, unknown>; code?: string; description?: RegExp };
};

/** Fastify's codes and schema paths, and ajv's phrasing ("must be string", "must have required property 'x'", "must NOT have ..."). */
const FRAMEWORK_WORDS = [
  /FST_/,
  /\bbody[/.]/,
  /querystring[/.]/,
  /\bparams[/.]/,
  /\bheaders[/.]/,
  /must be (string|number|integer|boolean|object|array|null|equal to|[<>]=?)/,
  /must have (required|no additional)/,
  /must NOT /,
  /must match (pattern|format|"|a schema|exactly)/,
  /must pass /,
  /\bshould\b/,
  /ajv/i,
  /\bstatusCode\b/,
  /\bBad Request\b/,
];

function checkWording(response: { statusCode: number; body: string }, label: string): Record<string, unknown> {
  for (const word of FRAMEWORK_WORDS) assert.doesNotMatch(response.body, word, `${label}: ${response.body}`);
  const json = JSON.parse(response.body) as Record<string, unknown>;
  if ('code' in json && typeof json.code === 'string') {
    assert.match(json.code, /^P\d{4}$/, `${label}: a P-code`);
    assert.equal(typeof json.description, 'string', label);
    for (const key of Object.keys(json)) assert.ok(['code', 'description', 'field', 'header'].includes(key), `${label}: Pay's envelope only (${key})`);
  }
  return json;
}

test("every v1 route answers bad requests in GOV.UK Pay's words, never the framework's", async (t) => {
  const payApp = await startPayApp(t);
  const { key } = await createAccountWithKey(payApp.services);
  const paid = await payByCard(payApp, key);
  const unpaid = (await createPaymentByApi(payApp.app, key)).payment_id;
  const long = 'x'.repeat(300);
  const invalid = (field: string, code = 'P0102', status = 400) => ({ status, code, description: new RegExp(`^Invalid attribute value: ${field}\\. `) });

  const cases: Case[] = [
    // POST /v1/payments: missing, wrong types, past limits, extra fields, not JSON.
    { method: 'POST', url: '/v1/payments', body: {}, expect: { status: 400, body: { code: 'P0101', field: 'amount', description: 'Missing mandatory attribute: amount' } } },
    { method: 'POST', url: '/v1/payments', body: { ...PAYMENT_REQUEST, reference: undefined }, expect: { status: 400, body: { code: 'P0101', field: 'reference', description: 'Missing mandatory attribute: reference' } } },
    { method: 'POST', url: '/v1/payments', body: { ...PAYMENT_REQUEST, amount: 10_000_001 }, expect: { status: 422, body: { code: 'P0102', field: 'amount', description: 'Invalid attribute value: amount. Must be less than or equal to 10000000' } } },
    { method: 'POST', url: '/v1/payments', body: { ...PAYMENT_REQUEST, amount: '100' }, expect: invalid('amount') },
    { method: 'POST', url: '/v1/payments', body: { ...PAYMENT_REQUEST, amount: 1.5 }, expect: invalid('amount') },
    { method: 'POST', url: '/v1/payments', body: { ...PAYMENT_REQUEST, reference: 12 }, expect: invalid('reference') },
    { method: 'POST', url: '/v1/payments', body: { ...PAYMENT_REQUEST, description: ['a'] }, expect: invalid('description') },
    { method: 'POST', url: '/v1/payments', body: { ...PAYMENT_REQUEST, return_url: {} }, expect: invalid('return_url') },
    { method: 'POST', url: '/v1/payments', body: { ...PAYMENT_REQUEST, language: 'fr' }, expect: { status: 422, code: 'P0102', description: /^Invalid attribute value: language\. / } },
    { method: 'POST', url: '/v1/payments', body: { ...PAYMENT_REQUEST, email: 5 }, expect: invalid('email') },
    { method: 'POST', url: '/v1/payments', body: { ...PAYMENT_REQUEST, delayed_capture: 'yes' }, expect: { status: 400, body: { code: 'P0102', field: 'delayed_capture', description: 'Invalid attribute value: delayed_capture. Must be true or false' } } },
    { method: 'POST', url: '/v1/payments', body: { ...PAYMENT_REQUEST, prefilled_cardholder_details: { billing_address: 'here' } }, expect: invalid('billing_address') },
    { method: 'POST', url: '/v1/payments', body: { ...PAYMENT_REQUEST, authorisation_mode: 'telepathy' }, expect: { status: 422, code: 'P0102', description: /^Invalid attribute value: authorisation_mode\. Must be one of / } },
    { method: 'POST', url: '/v1/payments', body: { ...PAYMENT_REQUEST, metadata: 'x' }, expect: { status: 422, code: 'P0102', description: /^Invalid attribute value: metadata\. / } },
    { method: 'POST', url: '/v1/payments', body: { ...PAYMENT_REQUEST, reference: long }, expect: { status: 422, code: 'P0102', description: /^Invalid attribute value: reference\. Must be less than or equal to 255 characters length$/ } },
    { method: 'POST', url: '/v1/payments', body: { ...PAYMENT_REQUEST, unknown_field: 1 }, expect: { status: 201 } },
    { method: 'POST', url: '/v1/payments', body: '{"amount": ', expect: { status: 400, body: { code: 'P0197', description: 'Unable to parse JSON' } } },
    { method: 'POST', url: '/v1/payments', body: '[1, 2]', expect: { status: 400, body: { code: 'P0197', description: 'Unable to parse JSON' } } },
    { method: 'POST', url: '/v1/payments', body: 'null', expect: { status: 400, body: { code: 'P0197', description: 'Unable to parse JSON' } } },
    { method: 'POST', url: '/v1/payments', body: PAYMENT_REQUEST, headers: { 'idempotency-key': 'not valid!' }, expect: { status: 422, code: 'P0102', description: /^Invalid header value: Idempotency-Key\. / } },
    // GET /v1/payments: every bad query parameter named once, in Pay's words.
    { method: 'GET', url: '/v1/payments?state=nope&page=0&display_size=501&from_date=yesterday', expect: { status: 422, body: { code: 'P0401', description: 'Invalid parameters: state, from_date, page, display_size. See Public API documentation for the correct data formats' } } },
    { method: 'GET', url: '/v1/payments?page=a&page=b', expect: { status: 422, code: 'P0401', description: /^Invalid parameters: page\. / } },
    { method: 'GET', url: `/v1/payments?reference=${long}`, expect: { status: 422, code: 'P0401', description: /^Invalid parameters: reference\. / } },
    { method: 'GET', url: '/v1/payments?first_digits_card_number=12', expect: { status: 422, code: 'P0401', description: /^Invalid parameters: first_digits_card_number\. / } },
    { method: 'GET', url: '/v1/payments?page=99999', expect: { status: 404, body: { code: 'P0402', description: 'Page not found' } } },
    { method: 'GET', url: '/v1/payments?not_a_filter=1', expect: { status: 200 } },
    // Ids that do not exist, are too long or hold what no id holds: each route's own 404.
    ...[['', 'P0200'], ['/events', 'P0300'], ['/refunds', 'P0800'], ['/refunds/nothing', 'P0700']].flatMap(([suffix, code]) =>
      ['nothing', long.slice(0, 90), '%20', 'a%2Fb', '%E2%82%AC'].map((id) => ({
        method: 'GET' as const,
        url: `/v1/payments/${id}${suffix}`,
        expect: { status: 404, body: { code: code as string, description: 'Not found' } },
      })),
    ),
    { method: 'POST', url: '/v1/payments/nothing/cancel', expect: { status: 404, body: { code: 'P0500', description: 'Not found' } } },
    { method: 'POST', url: '/v1/payments/nothing/capture', expect: { status: 404, body: { code: 'P1000', description: 'Not found' } } },
    { method: 'POST', url: `/v1/payments/${paid}/capture`, expect: { status: 409, code: 'P1003' } },
    // Refunds.
    { method: 'POST', url: `/v1/payments/${paid}/refunds`, body: {}, expect: { status: 400, body: { code: 'P0601', field: 'amount', description: 'Missing mandatory attribute: amount' } } },
    { method: 'POST', url: `/v1/payments/${paid}/refunds`, body: { amount: 'ten' }, expect: invalid('amount', 'P0602') },
    { method: 'POST', url: `/v1/payments/${paid}/refunds`, body: { amount: 100, refund_amount_available: 'all' }, expect: invalid('refund_amount_available', 'P0602') },
    { method: 'POST', url: `/v1/payments/${paid}/refunds`, body: { amount: 0 }, expect: { status: 422, body: { code: 'P0602', field: 'amount', description: 'Invalid attribute value: amount. Must be greater than or equal to 1' } } },
    { method: 'POST', url: `/v1/payments/${paid}/refunds`, body: '{', expect: { status: 400, body: { code: 'P0697', description: 'Unable to parse JSON' } } },
    { method: 'POST', url: `/v1/payments/${unpaid}/refunds`, body: { amount: 100 }, expect: { status: 400, body: { code: 'P0603', description: 'The payment is not available for refund. Payment refund status: pending' } } },
    { method: 'POST', url: `/v1/payments/${paid}/refunds`, body: { amount: 1, reason: 'extra fields are ignored, as Pay ignores them' }, expect: { status: 202 } },
    { method: 'POST', url: '/v1/payments/nothing/refunds', body: { amount: 100 }, expect: { status: 404, body: { code: 'P0600', description: 'Not found' } } },
    { method: 'GET', url: '/v1/refunds?from_date=x&display_size=0', expect: { status: 422, body: { code: 'P1101', description: 'Invalid parameters: from_date, display_size. See Public API documentation for the correct data formats' } } },
    // Disputes.
    { method: 'GET', url: '/v1/disputes?status=maybe&page=x', expect: { status: 422, code: 'P0401', description: /^Invalid parameters: / } },
    // The MOTO API.
    { method: 'POST', url: '/v1/auth', body: {}, expect: { status: 422, code: 'P0101', description: /^Missing mandatory attribute: one_time_token$/ } },
    { method: 'POST', url: '/v1/auth', body: { one_time_token: 5 }, expect: { status: 422, code: 'P0102', description: /^Invalid attribute value: one_time_token\. / } },
    { method: 'POST', url: '/v1/auth', body: 'nope', expect: { status: 400, body: { code: 'P0197', description: 'Unable to parse JSON' } } },
    // Agreements.
    { method: 'POST', url: '/v1/agreements', body: {}, expect: { status: 400, body: { code: 'P2101', field: 'reference', description: 'Missing mandatory attribute: reference' } } },
    { method: 'POST', url: '/v1/agreements', body: { reference: 1, description: 'd', user_identifier: 'u' }, expect: invalid('reference', 'P2102') },
    { method: 'POST', url: '/v1/agreements', body: '{]', expect: { status: 400, body: { code: 'P2197', description: 'Unable to parse JSON' } } },
    { method: 'GET', url: '/v1/agreements?status=maybe&display_size=-1', expect: { status: 422, code: 'P2401', description: /^Invalid parameters: / } },
    { method: 'GET', url: `/v1/agreements/${long.slice(0, 90)}`, expect: { status: 404, body: { code: 'P2200', description: 'Not found' } } },
    { method: 'POST', url: '/v1/agreements/nothing/cancel', body: { anything: 1 }, expect: { status: 404, body: { code: 'P2500', description: 'Not found' } } },
    // No such route, or a method the route does not take: as pay-publicapi (Dropwizard) answers.
    { method: 'GET', url: '/v1/nothing', expect: { status: 404, body: { code: 404, message: 'HTTP 404 Not Found' } } },
    { method: 'POST', url: '/v1/payments/nothing/nothing', body: {}, expect: { status: 404, body: { code: 404, message: 'HTTP 404 Not Found' } } },
    { method: 'PUT', url: '/v1/payments', body: PAYMENT_REQUEST, expect: { status: 405, body: { code: 405, message: 'HTTP 405 Method Not Allowed' } } },
    { method: 'DELETE', url: `/v1/payments/${paid}`, expect: { status: 405, body: { code: 405, message: 'HTTP 405 Method Not Allowed' } } },
    { method: 'PATCH', url: `/v1/payments/${paid}/refunds`, body: {}, expect: { status: 405, body: { code: 405, message: 'HTTP 405 Method Not Allowed' } } },
    { method: 'GET', url: '/v1/auth', expect: { status: 405, body: { code: 405, message: 'HTTP 405 Method Not Allowed' } } },
  ];

  const problems: string[] = [];
  for (const item of cases) {
    try {
      await check(item);
    } catch (error) {
      problems.push((error as Error).message.split('\n')[0] as string);
    }
  }
  assert.deepEqual(problems, []);

  async function check(item: Case) {
    const label = `${item.method} ${item.url.slice(0, 80)} ${JSON.stringify(item.body ?? '').slice(0, 60)}`;
    const response = await callApi(payApp.app, { method: item.method as 'GET', url: item.url, key, body: item.body, headers: item.headers });
    assert.equal(response.statusCode, item.expect.status, `${label}: ${response.body}`);
    if (response.statusCode < 400) return;
    const json = checkWording(response, label);
    if (item.expect.body) assert.deepEqual(json, item.expect.body, label);
    if (item.expect.code) assert.equal(json.code, item.expect.code, label);
    if (item.expect.description) assert.match(json.description as string, item.expect.description, label);
  }
});

test('an address under /v1 that is no route answers 404 or 405 whoever asks, as Dropwizard does, whatever the body', async (t) => {
  const payApp = await startPayApp(t);
  for (const [method, url, status] of [['PUT', '/v1/payments', 405], ['GET', '/v1/nothing', 404], ['DELETE', '/v1/agreements/x', 405], ['POST', '/v1/payments/x/y/z', 404]] as const) {
    const response = await payApp.app.inject({ method, url, headers: { authorization: 'Bearer api_test_nope', 'content-type': 'application/json' }, payload: '{' });
    assert.equal(response.statusCode, status, `${method} ${url}`);
    assert.deepEqual(response.json(), status === 404 ? { code: 404, message: 'HTTP 404 Not Found' } : { code: 405, message: 'HTTP 405 Method Not Allowed' });
    assert.equal(response.headers['content-type'], 'application/json; charset=utf-8');
    checkWording(response, `${method} ${url}`);
  }
  // A route asked without a valid key still answers 401 first.
  const unauthorised = await payApp.app.inject({ method: 'GET', url: '/v1/payments', headers: { authorization: 'Bearer api_test_nope' } });
  assert.equal(unauthorised.statusCode, 401);
  assert.deepEqual(unauthorised.json(), { description: 'Credentials are required to access this resource.' });
});
