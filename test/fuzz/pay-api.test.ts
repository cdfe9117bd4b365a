import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { payServicesOf } from '../../src/modules/pay/pay-services.ts';
import { CARD_FORM, createAccountWithKey, createInjectBrowser, openNextUrl, PAYMENT_REQUEST } from '../../src/modules/pay/testing/pay-test-support.ts';
import {
  badAuthorization,
  checkPayAnswer,
  createTally,
  encodeBody,
  extraHeaders,
  fuzzRoute,
  headerValue,
  jsonContentType,
  mutateObject,
  objectOf,
  pathSegment,
  printTally,
  queryString,
  startFuzzApp,
  type FuzzRequest,
} from './fuzz-kit.ts';

test("Pay's API v1: no request, valid or mutated, answers 500 or outside Pay's envelope", async (t) => {
  const { app, kernel, routes } = await startFuzzApp(t);
  const services = payServicesOf(kernel);
  const plain = await createAccountWithKey(services, { rateLimitPost: 1_000_000, rateLimitOther: 1_000_000 });
  const moto = await createAccountWithKey(services, { rateLimitPost: 1_000_000, rateLimitOther: 1_000_000, name: 'Phone payments' });
  await services.accounts.setMoto({ accountId: moto.accountId, allowMoto: true, allowAuthorisationApi: true, actor: 'operator:test' });
  const live = await createAccountWithKey(services, { type: 'live', rateLimitPost: 1_000_000, rateLimitOther: 1_000_000 });
  const keys = [plain.key, moto.key, live.key];

  const api = (method: 'GET' | 'POST', url: string, key: string, body?: unknown) =>
    app.inject({ method, url, headers: { authorization: `Bearer ${key}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) }, ...(body === undefined ? {} : { payload: JSON.stringify(body) }) });

  // Payments in several states to act on: created, paid (captured, refundable), a MOTO API payment with its token.
  const created = (await api('POST', '/v1/payments', plain.key, PAYMENT_REQUEST)).json();
  const delayed = (await api('POST', '/v1/payments', plain.key, { ...PAYMENT_REQUEST, delayed_capture: true })).json();
  const paid = (await api('POST', '/v1/payments', plain.key, PAYMENT_REQUEST)).json();
  const browser = createInjectBrowser(app);
  const cardPage = await openNextUrl(browser, paid._links.next_url.href);
  const submitted = await browser.post(cardPage, CARD_FORM);
  assert.equal(submitted.headers.location, `${cardPage}/confirm`, 'the card is authorised');
  await browser.get(`${cardPage}/confirm`);
  await browser.post(`${cardPage}/confirm`, {});
  const motoPayment = (await api('POST', '/v1/payments', moto.key, { amount: 2500, reference: 'PHONE-1', description: 'By phone', authorisation_mode: 'moto_api' })).json();
  const oneTimeToken = motoPayment._links?.auth_url_post?.params?.one_time_token as string;
  assert.ok(oneTimeToken, JSON.stringify(motoPayment));
  const refund = await api('POST', `/v1/payments/${paid.payment_id}/refunds`, plain.key, { amount: 100 });
  const refundId = refund.statusCode === 202 ? (refund.json().refund_id as string) : 'none';
  const paymentIds = [created.payment_id, delayed.payment_id, paid.payment_id, motoPayment.payment_id] as string[];

  const validAuthorization = fc.constantFrom(...keys).map((key) => `Bearer ${key}`);
  const authorization = fc.oneof(
    { weight: 8, arbitrary: validAuthorization },
    { weight: 1, arbitrary: fc.constantFrom(...keys).map((key) => `Bearer ${key.slice(0, -1)}${key.endsWith('a') ? 'b' : 'a'}`) },
    { weight: 2, arbitrary: badAuthorization() },
  );

  const text = (max: number) => fc.oneof({ weight: 3, arbitrary: fc.string({ minLength: 1, maxLength: max }) }, { weight: 1, arbitrary: fc.string({ maxLength: max + 5 }) });
  const createPayment = objectOf(
    {
      amount: fc.oneof({ weight: 4, arbitrary: fc.integer({ min: 1, max: 10_000_000 }) }, { weight: 1, arbitrary: fc.constantFrom(0, -1, 10_000_001, 2 ** 31) }),
      reference: text(255),
      description: text(255),
      return_url: fc.oneof(fc.constant('https://fishing.example.gov.uk/return'), fc.webUrl(), fc.string({ maxLength: 20 })),
      language: fc.constantFrom('en', 'cy', 'en', 'cy', 'fr', ''),
      email: fc.oneof(fc.emailAddress(), fc.string({ maxLength: 20 })),
      delayed_capture: fc.boolean(),
      moto: fc.boolean(),
      authorisation_mode: fc.constantFrom('web', 'web', 'moto_api', 'agreement', 'external'),
      metadata: fc.dictionary(fc.string({ minLength: 1, maxLength: 30 }), fc.oneof(fc.string({ maxLength: 50 }), fc.integer(), fc.boolean(), fc.double()), { maxKeys: 12 }),
      prefilled_cardholder_details: fc.record(
        {
          cardholder_name: fc.string({ maxLength: 30 }),
          billing_address: fc.record({ line1: fc.string(), line2: fc.string(), city: fc.string(), postcode: fc.string(), country: fc.constantFrom('GB', 'XX', '') }, { requiredKeys: [] }),
        },
        { requiredKeys: [] },
      ),
      agreement_id: fc.string({ maxLength: 30 }),
      set_up_agreement: fc.string({ maxLength: 30 }),
    },
    ['amount', 'reference', 'description'],
  ).map((body) => ({ return_url: 'https://fishing.example.gov.uk/return', ...body }));
  const refundBody = fc.record(
    { amount: fc.oneof(fc.integer({ min: 1, max: 2000 }), fc.integer()), refund_amount_available: fc.oneof(fc.integer({ min: 0, max: 2000 }), fc.integer()) },
    { requiredKeys: ['amount'] },
  );
  const authBody = fc.record({
    one_time_token: fc.oneof(fc.constant(oneTimeToken), fc.string({ maxLength: 40 })),
    card_number: fc.oneof(fc.constantFrom('4242424242424242', '4000000000000002', '4000000000000259', '5555555555554444', '4000000000000069'), fc.stringMatching(/^\d{12,19}$/), fc.string({ maxLength: 20 })),
    cvc: fc.oneof(fc.constantFrom('123', '1234'), fc.string({ maxLength: 5 })),
    expiry_date: fc.oneof(fc.constantFrom('09/30', '01/20', '13/30', '00/00', '9/30'), fc.string({ maxLength: 6 })),
    cardholder_name: fc.string({ maxLength: 40 }),
  });

  const jsonPost = (path: fc.Arbitrary<string>, valid: fc.Arbitrary<Record<string, unknown>>, how: string): fc.Arbitrary<FuzzRequest> => {
    const clean = fc.record({ url: path, body: valid, auth: validAuthorization }).map(({ url, body, auth }) => ({
      method: 'POST',
      url,
      how: `${how}, valid`,
      payload: JSON.stringify(body),
      headers: { 'content-type': 'application/json', authorization: auth },
    }));
    const mutated = fc
      .record({
        url: path,
        body: mutateObject(valid).chain(encodeBody),
        contentType: jsonContentType(),
        auth: authorization,
        extra: extraHeaders(),
        idempotency: fc.option(fc.oneof(fc.uuid(), headerValue(), fc.constantFrom('a, b', 'a,b', '', ' ')), { freq: 3 }),
      })
      .map(({ url, body, contentType, auth, extra, idempotency }) => ({
        method: 'POST',
        url,
        how: `${how}, mutated`,
        payload: body,
        headers: {
          ...extra,
          ...(idempotency === null ? {} : { 'idempotency-key': idempotency }),
          ...(contentType === undefined ? {} : { 'content-type': contentType }),
          ...(auth === undefined ? {} : { authorization: auth }),
        },
      }));
    return fc.oneof({ weight: 1, arbitrary: clean }, { weight: 2, arbitrary: mutated });
  };

  /** A POST without a body (cancel, capture): whatever body and content type come with it. */
  const emptyPost = (path: fc.Arbitrary<string>, how: string): fc.Arbitrary<FuzzRequest> =>
    fc
      .record({ url: path, auth: authorization, contentType: jsonContentType(), body: fc.option(fc.jsonValue({ maxDepth: 2 }).chain(encodeBody), { freq: 2 }), extra: extraHeaders() })
      .map(({ url, auth, contentType, body, extra }) => ({
        method: 'POST',
        url,
        how,
        ...(body === null ? {} : { payload: body }),
        headers: { ...extra, ...(body !== null && contentType !== undefined ? { 'content-type': contentType } : {}), ...(auth === undefined ? {} : { authorization: auth }) },
      }));

  const get = (path: fc.Arbitrary<string>, how: string): fc.Arbitrary<FuzzRequest> =>
    fc.record({ url: path, auth: authorization, extra: extraHeaders() }).map(({ url, auth, extra }) => ({
      method: 'GET',
      url,
      how,
      headers: { ...extra, ...(auth === undefined ? {} : { authorization: auth }) },
    }));

  const date = fc.oneof(
    fc.date({ min: new Date('2000-01-01'), max: new Date('2100-01-01'), noInvalidDate: true }).map((value) => value.toISOString()),
    fc.constantFrom('2025-03-14', '2025-03-14T10:00:00Z', '2025-13-40T99:99:99Z', 'yesterday', '0', '-271821-04-20T00:00:00Z', '+275760-09-13T00:00:00.000Z', '2025-02-29'),
  );
  const pageParameters = {
    page: fc.oneof(fc.constantFrom('1', '2', '0', '-1', '999999999', '1e3', '1.5'), fc.string({ maxLength: 10 })),
    display_size: fc.oneof(fc.constantFrom('1', '500', '501', '0', '-5'), fc.string({ maxLength: 10 })),
    from_date: date,
    to_date: date,
    from_settled_date: date,
    to_settled_date: date,
  };
  const paymentSearch = fc.record(
    {
      ...pageParameters,
      reference: fc.oneof(fc.constant('FISH-2025-0001'), fc.string({ maxLength: 30 })),
      email: fc.string({ maxLength: 30 }),
      state: fc.constantFrom('created', 'started', 'submitted', 'success', 'failed', 'cancelled', 'error', 'capturable', 'nope'),
      card_brand: fc.constantFrom('visa', 'master-card', 'x'.repeat(21)),
      cardholder_name: fc.string({ maxLength: 30 }),
      first_digits_card_number: fc.oneof(fc.constant('424242'), fc.string({ maxLength: 8 })),
      last_digits_card_number: fc.oneof(fc.constant('4242'), fc.string({ maxLength: 6 })),
      agreement_id: fc.string({ maxLength: 30 }),
    },
    { requiredKeys: [] },
  );
  const refundSearch = fc.record(pageParameters, { requiredKeys: [] });
  const disputeSearch = fc.record({ ...pageParameters, status: fc.constantFrom('needs_response', 'won', 'lost', 'under_review', 'nope', '') }, { requiredKeys: [] });

  const agreement = fc.record(
    {
      reference: text(255),
      description: text(255),
      user_identifier: text(255),
    },
    { requiredKeys: ['reference', 'description'] },
  );
  const agreementSearch = fc.record(
    {
      page: pageParameters.page,
      display_size: pageParameters.display_size,
      reference: fc.string({ maxLength: 30 }),
      status: fc.constantFrom('created', 'active', 'cancelled', 'expired', 'inactive', 'nope'),
    },
    { requiredKeys: [] },
  );

  const paymentId = pathSegment(paymentIds);
  const models: Record<string, fc.Arbitrary<FuzzRequest>> = {
    'POST /v1/payments': jsonPost(fc.constant('/v1/payments'), createPayment, 'create payment'),
    'GET /v1/payments': get(queryString(paymentSearch).map((query) => `/v1/payments${query}`), 'search payments'),
    'GET /v1/payments/:paymentId': get(paymentId.map((id) => `/v1/payments/${id}`), 'payment'),
    'GET /v1/payments/:paymentId/events': get(paymentId.map((id) => `/v1/payments/${id}/events`), 'payment events'),
    'POST /v1/payments/:paymentId/cancel': emptyPost(paymentId.map((id) => `/v1/payments/${id}/cancel`), 'cancel'),
    'POST /v1/payments/:paymentId/capture': emptyPost(paymentId.map((id) => `/v1/payments/${id}/capture`), 'capture'),
    'POST /v1/payments/:paymentId/refunds': jsonPost(paymentId.map((id) => `/v1/payments/${id}/refunds`), refundBody, 'refund'),
    'GET /v1/payments/:paymentId/refunds': get(paymentId.map((id) => `/v1/payments/${id}/refunds`), 'refunds of a payment'),
    'GET /v1/payments/:paymentId/refunds/:refundId': get(
      fc.tuple(paymentId, pathSegment([refundId])).map(([id, refund]) => `/v1/payments/${id}/refunds/${refund}`),
      'refund',
    ),
    'GET /v1/refunds': get(queryString(refundSearch).map((query) => `/v1/refunds${query}`), 'search refunds'),
    'POST /v1/auth': jsonPost(fc.constant('/v1/auth'), authBody, 'MOTO authorisation'),
    'GET /v1/disputes': get(queryString(disputeSearch).map((query) => `/v1/disputes${query}`), 'search disputes'),
  };
  // Recurring payments' agreements, where this Civitas has them.
  if (routes.some((route) => route.url === '/v1/agreements')) {
    const agreementId = pathSegment();
    Object.assign(models, {
      'POST /v1/agreements': jsonPost(fc.constant('/v1/agreements'), agreement, 'create agreement'),
      'GET /v1/agreements': get(queryString(agreementSearch).map((query) => `/v1/agreements${query}`), 'search agreements'),
      'GET /v1/agreements/:agreementId': get(agreementId.map((id) => `/v1/agreements/${id}`), 'agreement'),
      'POST /v1/agreements/:agreementId/cancel': emptyPost(agreementId.map((id) => `/v1/agreements/${id}/cancel`), 'cancel agreement'),
    });
  }

  const declared = routes.filter((route) => route.url.startsWith('/v1/')).map((route) => `${route.method} ${route.url}`);
  assert.deepEqual(declared.filter((route) => !(route in models)), [], 'every Pay v1 route has a fuzz model');

  const tally = createTally();
  t.after(() => printTally('pay api v1', tally));
  for (const [route, requests] of Object.entries(models)) {
    await t.test(route, () => fuzzRoute({ app, tally, route, requests, check: checkPayAnswer, numRuns: route.startsWith('POST') ? 150 : 100 }));
  }
});
