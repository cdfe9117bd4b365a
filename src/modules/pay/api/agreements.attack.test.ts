import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import type { PayServices } from '../pay-services.ts';
import {
  callApi,
  CARD_FORM,
  createAccountWithKey,
  createInjectBrowser,
  createPaymentByApi,
  openNextUrl,
  PAYMENT_REQUEST,
  payByCard,
  startPayApp,
  type PayTestApp,
} from '../testing/pay-test-support.ts';

/**
 * The attacker's side of agreements: another account's agreements, attributes that must not go
 * together, ids and lengths past every limit, replays of the set-up payment, races between a
 * cancellation and the payments that use the agreement, and random input: never a 500.
 */

const RECURRING_REQUEST = { amount: 1000, reference: 'CT-1', description: 'Council tax', authorisation_mode: 'agreement' } as const;
const NOT_EXIST = { code: 'P0102', field: 'agreement_id', description: 'Invalid attribute value: agreement_id. Agreement does not exist' };
const CANCEL_FAILED = { code: 'P2501', description: 'Cancellation of agreement failed' };

async function createRecurringAccount(services: PayServices, settings: { moto?: boolean; motoApi?: boolean } = {}) {
  const account = await createAccountWithKey(services);
  await services.accounts.setRecurring({ accountId: account.accountId, recurringEnabled: true, actor: 'operator:test' });
  if (settings.moto || settings.motoApi) {
    await services.accounts.setMoto({ accountId: account.accountId, allowMoto: settings.moto, allowAuthorisationApi: settings.motoApi, actor: 'operator:test' });
  }
  return account;
}

async function setUpAgreement(payApp: PayTestApp, key: string, cardNo = '4242 4242 4242 4242') {
  const created = await callApi(payApp.app, { method: 'POST', url: '/v1/agreements', key, body: { reference: 'CT', description: 'Council tax' } });
  const agreementId = created.json().agreement_id as string;
  const setUpPaymentId = await payByCard(payApp, key, { body: { set_up_agreement: agreementId }, card: { cardNo } });
  await payApp.runJobs();
  return { agreementId, setUpPaymentId };
}

const getAgreement = async (payApp: PayTestApp, key: string, id: string) =>
  (await callApi(payApp.app, { method: 'GET', url: `/v1/agreements/${id}`, key })).json();

test("another account's agreement (or the other mode's) does not exist: 400 on payments, 404 on get and cancel, never changed", async (t) => {
  const payApp = await startPayApp(t);
  const { key: ownerKey, accountId: ownerAccount } = await createRecurringAccount(payApp.services);
  const { key: attackerKey } = await createRecurringAccount(payApp.services);
  const { agreementId } = await setUpAgreement(payApp, ownerKey);
  const before = await getAgreement(payApp, ownerKey, agreementId);

  for (const body of [{ ...PAYMENT_REQUEST, set_up_agreement: agreementId }, { ...RECURRING_REQUEST, agreement_id: agreementId }]) {
    const response = await callApi(payApp.app, { method: 'POST', url: '/v1/payments', key: attackerKey, body });
    assert.deepEqual([response.statusCode, response.json()], [400, NOT_EXIST]);
  }
  const read = await callApi(payApp.app, { method: 'GET', url: `/v1/agreements/${agreementId}`, key: attackerKey });
  assert.deepEqual([read.statusCode, read.json()], [404, { code: 'P2200', description: 'Not found' }]);
  const cancel = await callApi(payApp.app, { method: 'POST', url: `/v1/agreements/${agreementId}/cancel`, key: attackerKey });
  assert.deepEqual([cancel.statusCode, cancel.json()], [404, { code: 'P2500', description: 'Not found' }]);
  assert.equal((await callApi(payApp.app, { method: 'GET', url: '/v1/agreements', key: attackerKey })).json().total, 0);
  assert.equal((await callApi(payApp.app, { method: 'GET', url: `/v1/payments?agreement_id=${agreementId}`, key: attackerKey })).json().total, 0);

  // The owner's live key is another mode: the test agreement is not there either.
  const { key: liveKey } = await payApp.services.accounts.createKey({ accountId: ownerAccount, type: 'live', actor: 'operator:test' });
  assert.equal((await callApi(payApp.app, { method: 'GET', url: `/v1/agreements/${agreementId}`, key: liveKey })).statusCode, 404);
  assert.equal((await callApi(payApp.app, { method: 'POST', url: `/v1/agreements/${agreementId}/cancel`, key: liveKey })).statusCode, 404);

  assert.deepEqual(await getAgreement(payApp, ownerKey, agreementId), before, 'nothing the attacker did changed it');
  assert.equal((await callApi(payApp.app, { method: 'GET', url: '/v1/payments', key: attackerKey })).json().total, 0, 'no payment was made');
});

test('attributes that must not go together, bad ids and lengths past every limit get Pay’s errors', async (t) => {
  const payApp = await startPayApp(t);
  const { key } = await createRecurringAccount(payApp.services, { moto: true, motoApi: true });
  const { key: noMotoKey } = await createRecurringAccount(payApp.services);
  const { agreementId } = await setUpAgreement(payApp, key);
  const agreement = { ...RECURRING_REQUEST, agreement_id: agreementId };
  const motoApi = { amount: 100, reference: 'R', description: 'D', authorisation_mode: 'moto_api' };
  const cases: Array<{ key?: string; body: unknown; status: number; error: Record<string, string> }> = [
    { body: { ...agreement, set_up_agreement: agreementId }, status: 400, error: { code: 'P0104', description: 'Unexpected attribute: set_up_agreement' } },
    { body: { ...PAYMENT_REQUEST, agreement_id: agreementId, set_up_agreement: agreementId }, status: 400, error: { code: 'P0104', description: 'Unexpected attribute: agreement_id' } },
    { body: RECURRING_REQUEST, status: 400, error: { code: 'P0101', description: 'Missing mandatory attribute: agreement_id' } },
    { body: { ...RECURRING_REQUEST, agreement_id: null }, status: 400, error: { code: 'P0101', field: 'agreement_id', description: 'Missing mandatory attribute: agreement_id' } },
    { body: { ...RECURRING_REQUEST, agreement_id: '  ' }, status: 400, error: { code: 'P0101', field: 'agreement_id', description: 'Missing mandatory attribute: agreement_id' } },
    { body: { ...RECURRING_REQUEST, agreement_id: 26 }, status: 400, error: { code: 'P0102', field: 'agreement_id', description: 'Invalid attribute value: agreement_id. Must be a valid string format' } },
    { body: { ...RECURRING_REQUEST, agreement_id: [agreementId] }, status: 400, error: { code: 'P0102', field: 'agreement_id', description: 'Invalid attribute value: agreement_id. Must be a valid string format' } },
    { body: { ...RECURRING_REQUEST, agreement_id: agreementId.slice(1) }, status: 422, error: { code: 'P0102', field: 'agreement_id', description: 'Invalid attribute value: agreement_id. Field [agreement_id] length must be 26' } },
    { body: { ...RECURRING_REQUEST, agreement_id: `${agreementId}0` }, status: 422, error: { code: 'P0102', field: 'agreement_id', description: 'Invalid attribute value: agreement_id. Field [agreement_id] length must be 26' } },
    { body: { ...RECURRING_REQUEST, agreement_id: 'a'.repeat(100_000) }, status: 422, error: { code: 'P0102', field: 'agreement_id', description: 'Invalid attribute value: agreement_id. Field [agreement_id] length must be 26' } },
    { body: { ...PAYMENT_REQUEST, set_up_agreement: '' }, status: 422, error: { code: 'P0102', field: 'set_up_agreement', description: 'Invalid attribute value: set_up_agreement. Field [set_up_agreement] length must be 26' } },
    { body: { ...PAYMENT_REQUEST, set_up_agreement: agreementId.slice(2) }, status: 422, error: { code: 'P0102', field: 'set_up_agreement', description: 'Invalid attribute value: set_up_agreement. Field [set_up_agreement] length must be 26' } },
    { body: { ...RECURRING_REQUEST, agreement_id: agreementId.toUpperCase() }, status: 400, error: NOT_EXIST },
    { body: { ...RECURRING_REQUEST, agreement_id: "' OR 1=1; DROP TABLE x;--." }, status: 400, error: NOT_EXIST },
    { body: { ...PAYMENT_REQUEST, set_up_agreement: 'zzzzzzzzzzzzzzzzzzzzzzzzzz' }, status: 400, error: NOT_EXIST },
    { body: { ...agreement, email: 'a@example.com' }, status: 400, error: { code: 'P0104', description: 'Unexpected attribute: email' } },
    { body: { ...agreement, moto: true }, status: 400, error: { code: 'P0104', description: 'Unexpected attribute: moto' } },
    {
      key: noMotoKey,
      body: { ...agreement, moto: true },
      status: 422,
      error: { code: 'P0196', description: 'MOTO payments are not enabled for this account. Please contact support if you would like to process MOTO payments - https://www.payments.service.gov.uk/support/ .' },
    },
    { body: { ...agreement, prefilled_cardholder_details: { cardholder_name: 'J Bloggs' } }, status: 400, error: { code: 'P0104', description: 'Unexpected attribute: prefilled_cardholder_details' } },
    { body: { ...agreement, return_url: 'https://service.example.gov.uk/' }, status: 400, error: { code: 'P0104', description: 'Unexpected attribute: return_url' } },
    { body: { ...motoApi, set_up_agreement: agreementId }, status: 400, error: { code: 'P0104', description: 'Unexpected attribute: set_up_agreement' } },
    { body: { ...agreement, agreement_payment_type: 'weekly' }, status: 422, error: { code: 'P0102', field: 'agreement_payment_type', description: 'Invalid attribute value: agreement_payment_type. Must be one of instalment, recurring, unscheduled' } },
    { body: { ...agreement, agreement_payment_type: 5 }, status: 400, error: { code: 'P0102', field: 'agreement_payment_type', description: 'Invalid attribute value: agreement_payment_type. Must be one of instalment, recurring, unscheduled' } },
    { body: { ...PAYMENT_REQUEST, agreement_payment_type: 'recurring' }, status: 400, error: { code: 'P0104', description: 'Unexpected attribute: agreement_payment_type' } },
    { body: { ...PAYMENT_REQUEST, authorisation_mode: 5 }, status: 400, error: { code: 'P0102', field: 'authorisation_mode', description: 'Invalid attribute value: authorisation_mode. Must be one of web, moto_api, agreement' } },
  ];
  for (const { body, status, error, ...given } of cases) {
    const response = await callApi(payApp.app, { method: 'POST', url: '/v1/payments', key: given.key ?? key, body });
    assert.equal(response.statusCode, status, `${JSON.stringify(body).slice(0, 200)} -> ${response.body}`);
    assert.deepEqual(response.json(), error, JSON.stringify(body).slice(0, 200));
  }
  const ignored = await createPaymentByApi(payApp.app, key, { set_up_agreement: 12345 });
  assert.equal(ignored.agreement_id, undefined, 'pay-publicapi reads set_up_agreement only as text: a number is ignored');
  const unscheduled = await createPaymentByApi(payApp.app, key, { set_up_agreement: agreementId, agreement_payment_type: 'unscheduled' });
  assert.equal(unscheduled.agreement_payment_type, 'unscheduled');

  for (const id of ['x'.repeat(300), '..%2f..%2fpayments', '%00', agreementId.toUpperCase(), `${agreementId}%20`]) {
    const read = await callApi(payApp.app, { method: 'GET', url: `/v1/agreements/${id}`, key });
    assert.deepEqual([read.statusCode, read.json()], [404, { code: 'P2200', description: 'Not found' }], id);
    const cancel = await callApi(payApp.app, { method: 'POST', url: `/v1/agreements/${id}/cancel`, key });
    assert.deepEqual([cancel.statusCode, cancel.json()], [404, { code: 'P2500', description: 'Not found' }], id);
  }
  assert.equal((await getAgreement(payApp, key, agreementId)).status, 'active');
});

test('replaying the set-up payment saves nothing more: the used next_url, a second confirm, the same Idempotency-Key', async (t) => {
  const payApp = await startPayApp(t);
  const { key } = await createRecurringAccount(payApp.services);
  const agreementId = (await callApi(payApp.app, { method: 'POST', url: '/v1/agreements', key, body: { reference: 'CT', description: 'Council tax' } })).json().agreement_id;
  const body = { ...PAYMENT_REQUEST, set_up_agreement: agreementId };
  const first = await callApi(payApp.app, { method: 'POST', url: '/v1/payments', key, body, headers: { 'idempotency-key': 'set-up-1' } });
  assert.equal(first.statusCode, 201);
  const payment = first.json();
  const browser = createInjectBrowser(payApp.app);
  const cardPage = await openNextUrl(browser, payment._links.next_url.href);
  await browser.post(cardPage, CARD_FORM);
  await browser.get(`${cardPage}/confirm`);
  await browser.post(`${cardPage}/confirm`, {});
  await payApp.runJobs();
  const active = await getAgreement(payApp, key, agreementId);
  assert.equal(active.status, 'active');

  payApp.clock.advance(60_000);
  const confirmAgain = await browser.post(`${cardPage}/confirm`, {});
  assert.ok(confirmAgain.statusCode < 500);
  const reopened = await browser.get(new URL(payment._links.next_url.href).pathname);
  assert.ok(reopened.statusCode < 500);
  const submitAgain = await browser.post(cardPage, { ...CARD_FORM, cardNo: '4000056655665556' });
  assert.ok(submitAgain.statusCode < 500);
  const replayed = await callApi(payApp.app, { method: 'POST', url: '/v1/payments', key, body, headers: { 'idempotency-key': 'set-up-1' } });
  assert.equal(replayed.statusCode, 200);
  assert.equal(replayed.json().payment_id, payment.payment_id);
  await payApp.runJobs();
  assert.deepEqual(await getAgreement(payApp, key, agreementId), active, 'the same card, set up at the same time');
  assert.equal((await callApi(payApp.app, { method: 'GET', url: `/v1/payments?agreement_id=${agreementId}`, key })).json().total, 1);
  const trail = await payApp.kernel.audit.listRecent({ subject: `pay-agreement:${agreementId}` });
  assert.equal(trail.filter((event) => event.action === 'pay.agreement.set-up').length, 1);

  // A set-up payment the user cancels after its card was authorised saves nothing.
  const other = (await callApi(payApp.app, { method: 'POST', url: '/v1/agreements', key, body: { reference: 'CT2', description: 'Council tax' } })).json().agreement_id;
  const cancelled = await createPaymentByApi(payApp.app, key, { set_up_agreement: other });
  const cancelBrowser = createInjectBrowser(payApp.app);
  const otherPage = await openNextUrl(cancelBrowser, cancelled._links.next_url.href);
  await cancelBrowser.post(otherPage, CARD_FORM);
  await cancelBrowser.get(`${otherPage}/confirm`);
  await cancelBrowser.post(`${otherPage}/cancel`, {});
  await cancelBrowser.post(`${otherPage}/confirm`, {});
  await payApp.runJobs();
  assert.equal((await callApi(payApp.app, { method: 'GET', url: `/v1/payments/${cancelled.payment_id}`, key })).json().state.code, 'P0030');
  assert.equal((await getAgreement(payApp, key, other)).status, 'created');
});

test('an agreement payment replayed with its Idempotency-Key after the agreement was cancelled answers the original, as Pay', async (t) => {
  const payApp = await startPayApp(t);
  const { key } = await createRecurringAccount(payApp.services);
  const { agreementId } = await setUpAgreement(payApp, key);
  const body = { ...RECURRING_REQUEST, agreement_id: agreementId };
  const first = await callApi(payApp.app, { method: 'POST', url: '/v1/payments', key, body, headers: { 'idempotency-key': 'ct-2025-03' } });
  assert.equal(first.statusCode, 201);
  await payApp.runJobs();
  assert.equal((await callApi(payApp.app, { method: 'POST', url: `/v1/agreements/${agreementId}/cancel`, key })).statusCode, 204);
  const replayed = await callApi(payApp.app, { method: 'POST', url: '/v1/payments', key, body, headers: { 'idempotency-key': 'ct-2025-03' } });
  assert.equal(replayed.statusCode, 200);
  assert.equal(replayed.json().payment_id, first.json().payment_id);
  assert.equal(replayed.json().state.status, 'success');
  const other = await callApi(payApp.app, { method: 'POST', url: '/v1/payments', key, body, headers: { 'idempotency-key': 'ct-2025-04' } });
  assert.equal(other.statusCode, 400, 'a new key makes a new payment, which the cancelled agreement refuses');
});

test('a cancellation ignores whatever body comes with it, as pay-publicapi, which reads none', async (t) => {
  const payApp = await startPayApp(t);
  const { key } = await createRecurringAccount(payApp.services);
  const bodies: Array<{ type?: string; payload?: string }> = [
    { type: 'application/json', payload: '' },
    { type: 'application/json', payload: '{"user_email":"x"' },
    { type: 'text/plain', payload: 'cancel it' },
  ];
  for (const { type, payload } of bodies) {
    const { agreementId } = await setUpAgreement(payApp, key);
    const response = await payApp.app.inject({
      method: 'POST',
      url: `/v1/agreements/${agreementId}/cancel`,
      headers: { authorization: `Bearer ${key}`, ...(type ? { 'content-type': type } : {}) },
      payload,
    });
    assert.equal(response.statusCode, 204, `${type} ${payload} -> ${response.body}`);
  }
  const unauthorised = await payApp.app.inject({ method: 'POST', url: '/v1/agreements/abcdefghijklmnopqrstuvwxyz/cancel', headers: { 'content-type': 'application/json' }, payload: '' });
  assert.equal(unauthorised.statusCode, 401);
  const tooBig = await callApi(payApp.app, { method: 'POST', url: '/v1/agreements/abcdefghijklmnopqrstuvwxyz/cancel', key, body: { pad: 'x'.repeat(3_000_000) } });
  assert.ok(tooBig.statusCode >= 400 && tooBig.statusCode < 500, String(tooBig.statusCode));
});

test('two cancellations at once: one 204, the other P2501', async (t) => {
  const payApp = await startPayApp(t);
  const { key } = await createRecurringAccount(payApp.services);
  for (let round = 0; round < 3; round += 1) {
    const { agreementId } = await setUpAgreement(payApp, key);
    const answers = await Promise.all(
      [0, 1, 2].map(() => callApi(payApp.app, { method: 'POST', url: `/v1/agreements/${agreementId}/cancel`, key })),
    );
    assert.deepEqual(answers.map((answer) => answer.statusCode).sort(), [204, 400, 400]);
    for (const answer of answers.filter((each) => each.statusCode === 400)) assert.deepEqual(answer.json(), CANCEL_FAILED);
    const trail = await payApp.kernel.audit.listRecent({ subject: `pay-agreement:${agreementId}` });
    assert.equal(trail.filter((event) => event.action === 'pay.agreement.cancelled').length, 1);
  }
});

test('a payment racing a cancellation is either taken before it (success) or refused after it (error P0050), never taken with a cancelled card', async (t) => {
  const payApp = await startPayApp(t);
  const { key } = await createRecurringAccount(payApp.services);
  const outcomes = new Set<string>();
  for (let round = 0; round < 4; round += 1) {
    const { agreementId } = await setUpAgreement(payApp, key);
    const payments = await Promise.all(
      [0, 1, 2].map(async () => (await callApi(payApp.app, { method: 'POST', url: '/v1/payments', key, body: { ...RECURRING_REQUEST, agreement_id: agreementId } })).json()),
    );
    const [cancel] = await Promise.all([
      callApi(payApp.app, { method: 'POST', url: `/v1/agreements/${agreementId}/cancel`, key }),
      payApp.runJobs(),
    ]);
    assert.equal(cancel.statusCode, 204);
    await payApp.runJobs();
    const agreement = await getAgreement(payApp, key, agreementId);
    assert.equal(agreement.status, 'cancelled');
    for (const payment of payments) {
      const state = (await callApi(payApp.app, { method: 'GET', url: `/v1/payments/${payment.payment_id}`, key })).json().state;
      assert.ok(
        (state.status === 'success' && state.finished) || (state.status === 'error' && state.code === 'P0050'),
        JSON.stringify(state),
      );
      outcomes.add(state.status);
    }
  }
  // Made after the cancellation, a payment is refused outright.
  const { agreementId } = await setUpAgreement(payApp, key);
  const late = await callApi(payApp.app, { method: 'POST', url: '/v1/payments', key, body: { ...RECURRING_REQUEST, agreement_id: agreementId } });
  assert.equal(late.statusCode, 201);
  assert.equal((await callApi(payApp.app, { method: 'POST', url: `/v1/agreements/${agreementId}/cancel`, key })).statusCode, 204);
  await payApp.runJobs();
  const refused = (await callApi(payApp.app, { method: 'GET', url: `/v1/payments/${late.json().payment_id}`, key })).json();
  assert.deepEqual(refused.state, { status: 'error', finished: true, message: 'Payment provider returned an error', code: 'P0050' });
  assert.ok(outcomes.size >= 1);
});

test('declines racing each other make the agreement inactive once', async (t) => {
  const payApp = await startPayApp(t);
  const { key } = await createRecurringAccount(payApp.services);
  const { agreementId } = await setUpAgreement(payApp, key, '5105 1051 0510 5100');
  await Promise.all([0, 1, 2, 3].map(() => callApi(payApp.app, { method: 'POST', url: '/v1/payments', key, body: { ...RECURRING_REQUEST, agreement_id: agreementId } })));
  await Promise.all([payApp.runJobs(), payApp.runJobs()]);
  const results = (await callApi(payApp.app, { method: 'GET', url: `/v1/payments?agreement_id=${agreementId}`, key })).json().results;
  const recurring = results.filter((payment: { authorisation_mode: string }) => payment.authorisation_mode === 'agreement');
  assert.equal(recurring.length, 4);
  for (const payment of recurring) assert.ok(['failed', 'error'].includes(payment.state.status), JSON.stringify(payment.state));
  assert.equal((await getAgreement(payApp, key, agreementId)).status, 'inactive');
  const trail = await payApp.kernel.audit.listRecent({ subject: `pay-agreement:${agreementId}` });
  assert.equal(trail.filter((event) => event.action === 'pay.agreement.inactivated').length, 1);
});

test('random input to the agreement endpoints and agreement attributes never gets a 500', async (t) => {
  const payApp = await startPayApp(t);
  const { key } = await createRecurringAccount(payApp.services, { moto: true, motoApi: true });
  const { agreementId } = await setUpAgreement(payApp, key);
  const anything = fc.oneof(
    fc.string({ maxLength: 40 }),
    fc.constant(agreementId),
    fc.integer(),
    fc.boolean(),
    fc.constant(null),
    fc.array(fc.string({ maxLength: 5 }), { maxLength: 3 }),
    fc.dictionary(fc.string({ maxLength: 5 }), fc.string({ maxLength: 5 }), { maxKeys: 3 }),
  );
  const agreementBody = fc.record(
    { reference: anything, description: anything, user_identifier: anything },
    { requiredKeys: [] },
  );
  const paymentBody = fc.record(
    {
      amount: fc.oneof(fc.integer({ min: -5, max: 20_000_000 }), anything),
      reference: anything,
      description: anything,
      return_url: fc.oneof(fc.constant('https://example.gov.uk/'), anything),
      authorisation_mode: fc.oneof(fc.constantFrom('web', 'agreement', 'moto_api', 'external'), anything),
      agreement_id: anything,
      set_up_agreement: anything,
      agreement_payment_type: fc.oneof(fc.constantFrom('instalment', 'recurring', 'unscheduled'), anything),
      moto: anything,
      email: anything,
    },
    { requiredKeys: [] },
  );
  const query = fc.dictionary(fc.constantFrom('status', 'reference', 'page', 'display_size', 'other'), fc.string({ maxLength: 30 }), { maxKeys: 4 });
  await fc.assert(
    fc.asyncProperty(agreementBody, paymentBody, query, fc.string({ maxLength: 40 }), async (agreement, payment, search, id) => {
      const answers = [
        await callApi(payApp.app, { method: 'POST', url: '/v1/agreements', key, body: agreement }),
        await callApi(payApp.app, { method: 'POST', url: '/v1/payments', key, body: payment }),
        await callApi(payApp.app, { method: 'GET', url: `/v1/agreements?${new URLSearchParams(search).toString()}`, key }),
        await callApi(payApp.app, { method: 'GET', url: `/v1/agreements/${encodeURIComponent(id) || 'x'}`, key }),
        await callApi(payApp.app, { method: 'POST', url: `/v1/agreements/${encodeURIComponent(id) || 'x'}/cancel`, key }),
      ];
      for (const answer of answers) {
        assert.ok(answer.statusCode < 500, `${answer.statusCode}: ${answer.body}`);
        if (answer.statusCode >= 400) assert.match(answer.json().code, /^P\d{4}$/);
      }
    }),
    { numRuns: 150, seed: 20251202 },
  );
  await payApp.runJobs();
  assert.equal((await getAgreement(payApp, key, agreementId)).status, 'active', 'random input cancelled nothing it did not name');
});
