import assert from 'node:assert/strict';
import { test } from 'node:test';
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

const AGREEMENT_REQUEST = {
  reference: 'CT-22-23-0001',
  description: 'Dorset Council 2022/23 council tax subscription.',
  user_identifier: 'user-3fb81107-76b7-4910',
} as const;

const RECURRING_REQUEST = {
  amount: 1000,
  reference: 'CT-payment2',
  description: 'Council tax payment for 2022/23',
  authorisation_mode: 'agreement',
} as const;

const P0942 = {
  code: 'P0942',
  description:
    'Recurring card payments are currently disabled for this service. Contact support with your error code - https://www.payments.service.gov.uk/support/',
};
const NOT_EXIST = { code: 'P0102', field: 'agreement_id', description: 'Invalid attribute value: agreement_id. Agreement does not exist' };
const NOT_ACTIVE = { code: 'P0102', field: 'agreement_id', description: 'Invalid attribute value: agreement_id. Agreement must be active' };
const CANCEL_FAILED = { code: 'P2501', description: 'Cancellation of agreement failed' };

async function createRecurringAccount(services: PayServices) {
  const account = await createAccountWithKey(services);
  await services.accounts.setRecurring({ accountId: account.accountId, recurringEnabled: true, actor: 'operator:test' });
  return account;
}

async function createAgreement(payApp: PayTestApp, key: string, body: Record<string, unknown> = AGREEMENT_REQUEST) {
  const response = await callApi(payApp.app, { method: 'POST', url: '/v1/agreements', key, body });
  assert.equal(response.statusCode, 201, response.body);
  return response.json() as Record<string, unknown> & { agreement_id: string };
}

async function getJson(payApp: PayTestApp, key: string, url: string) {
  const response = await callApi(payApp.app, { method: 'GET', url, key });
  assert.equal(response.statusCode, 200, `${url} -> ${response.body}`);
  return response.json();
}

/** Creates an agreement and sets it up with a payment paid on the payment pages; returns both ids. */
async function setUpAgreement(payApp: PayTestApp, key: string, cardNo = '4242 4242 4242 4242') {
  const agreement = await createAgreement(payApp, key);
  const setUpPaymentId = await payByCard(payApp, key, { body: { set_up_agreement: agreement.agreement_id }, card: { cardNo } });
  await payApp.runJobs();
  return { agreementId: agreement.agreement_id, setUpPaymentId };
}

async function takeRecurringPayment(payApp: PayTestApp, key: string, agreementId: string, body: Record<string, unknown> = {}) {
  const response = await callApi(payApp.app, {
    method: 'POST',
    url: '/v1/payments',
    key,
    body: { ...RECURRING_REQUEST, agreement_id: agreementId, ...body },
  });
  assert.equal(response.statusCode, 201, response.body);
  return response.json();
}

test('an account without recurring payments cannot make, set up or use agreements (P0942, as Pay)', async (t) => {
  const payApp = await startPayApp(t);
  const { key } = await createAccountWithKey(payApp.services);
  const made = await callApi(payApp.app, { method: 'POST', url: '/v1/agreements', key, body: AGREEMENT_REQUEST });
  assert.equal(made.statusCode, 422);
  assert.deepEqual(made.json(), P0942);
  const id = 'abcdefghijklmnopqrstuvwxyz';
  for (const body of [{ ...PAYMENT_REQUEST, set_up_agreement: id }, { ...RECURRING_REQUEST, agreement_id: id }]) {
    const response = await callApi(payApp.app, { method: 'POST', url: '/v1/payments', key, body });
    assert.equal(response.statusCode, 422, response.body);
    assert.deepEqual(response.json(), P0942);
  }
});

test('an agreement is made, read and set up by its first payment; it then takes payments without the user, as Pay', async (t) => {
  const payApp = await startPayApp(t);
  const { key } = await createRecurringAccount(payApp.services);
  const created = await createAgreement(payApp, key);
  assert.match(created.agreement_id, /^[0-9a-v]{26}$/);
  assert.deepEqual(created, {
    agreement_id: created.agreement_id,
    reference: AGREEMENT_REQUEST.reference,
    description: AGREEMENT_REQUEST.description,
    status: 'created',
    created_date: '2025-03-14T10:00:00.000Z',
    user_identifier: AGREEMENT_REQUEST.user_identifier,
  });
  assert.deepEqual(await getJson(payApp, key, `/v1/agreements/${created.agreement_id}`), created);
  const anonymous = await createAgreement(payApp, key, { reference: 'R2', description: 'No user identifier', user_identifier: null });
  assert.equal('user_identifier' in anonymous, false, 'left out when not given, as Pay (NON_NULL)');

  // The first payment, on the payment pages, saves the card for the agreement once it succeeds.
  const setUp = await createPaymentByApi(payApp.app, key, { set_up_agreement: created.agreement_id });
  assert.equal(setUp.agreement_id, created.agreement_id);
  assert.equal(setUp.agreement_payment_type, 'recurring');
  assert.equal(setUp.authorisation_mode, 'web');
  const browser = createInjectBrowser(payApp.app);
  const cardPage = await openNextUrl(browser, setUp._links.next_url.href);
  const page = await browser.get(cardPage);
  assert.match(page.body, /Agreement for recurring payments/, "the payment page shows the agreement's description, as Pay's");
  assert.match(page.body, /Dorset Council 2022\/23 council tax subscription\./);
  await browser.post(cardPage, CARD_FORM);
  assert.equal((await getJson(payApp, key, `/v1/agreements/${created.agreement_id}`)).status, 'created', 'authorised is not enough: not until the payment succeeds');
  await browser.get(`${cardPage}/confirm`);
  await browser.post(`${cardPage}/confirm`, {});
  await payApp.runJobs();

  const active = await getJson(payApp, key, `/v1/agreements/${created.agreement_id}`);
  assert.deepEqual(active, {
    ...created,
    status: 'active',
    payment_instrument: {
      card_details: {
        last_digits_card_number: '4242',
        first_digits_card_number: '424242',
        cardholder_name: 'Rhys Jones',
        expiry_date: '12/30',
        billing_address: { line1: '1 Heol y Pysgod', postcode: 'CF10 1AA', city: 'Caerdydd', country: 'GB' },
        card_brand: 'Visa',
        card_type: 'credit',
      },
      created_date: '2025-03-14T10:00:00.000Z',
      type: 'card',
    },
  });

  // A recurring payment: no next_url, no return_url; authorised by a job, without the user.
  const recurring = await takeRecurringPayment(payApp, key, created.agreement_id, { agreement_payment_type: 'instalment', metadata: { ledger_code: 'CT' } });
  assert.equal(recurring.authorisation_mode, 'agreement');
  assert.equal(recurring.agreement_id, created.agreement_id);
  assert.equal(recurring.agreement_payment_type, 'instalment');
  assert.equal(recurring.moto, false);
  assert.deepEqual(recurring.state, { status: 'created', finished: false });
  assert.equal('return_url' in recurring, false);
  assert.deepEqual(Object.keys(recurring._links).sort(), ['cancel', 'events', 'refunds', 'self']);
  await payApp.runJobs();
  const paid = await getJson(payApp, key, `/v1/payments/${recurring.payment_id}`);
  assert.deepEqual(paid.state, { status: 'success', finished: true }, 'no can_retry on a payment that succeeded');
  assert.deepEqual(paid.card_details, active.payment_instrument.card_details, "the agreement's card");
  assert.ok(paid.settlement_summary.captured_date);
  assert.equal(paid._links.next_url, undefined);
  const events = await getJson(payApp, key, `/v1/payments/${recurring.payment_id}/events`);
  assert.deepEqual(events.events.map((event: { state: { status: string } }) => event.state.status), ['created', 'started', 'submitted', 'success']);

  const byAgreement = await getJson(payApp, key, `/v1/payments?agreement_id=${created.agreement_id}`);
  assert.deepEqual(byAgreement.results.map((payment: { payment_id: string }) => payment.payment_id), [recurring.payment_id, setUp.payment_id]);
  assert.match(byAgreement._links.self.href, new RegExp(`agreement_id=${created.agreement_id}`));

  // Delayed capture works for agreement payments too.
  const held = await takeRecurringPayment(payApp, key, created.agreement_id, { delayed_capture: true });
  await payApp.runJobs();
  assert.equal((await getJson(payApp, key, `/v1/payments/${held.payment_id}`)).state.status, 'capturable');
});

test('creating an agreement checks its body as pay-publicapi does, never answering 500', async (t) => {
  const payApp = await startPayApp(t);
  const { key } = await createRecurringAccount(payApp.services);
  const long = 'x'.repeat(256);
  const cases: Array<{ body: unknown; status: number; error: Record<string, string> }> = [
    { body: {}, status: 400, error: { code: 'P2101', field: 'reference', description: 'Missing mandatory attribute: reference' } },
    { body: [], status: 400, error: { code: 'P2101', field: 'reference', description: 'Missing mandatory attribute: reference' } },
    { body: { ...AGREEMENT_REQUEST, reference: '' }, status: 400, error: { code: 'P2101', field: 'reference', description: 'Missing mandatory attribute: reference' } },
    { body: { ...AGREEMENT_REQUEST, reference: '   ' }, status: 400, error: { code: 'P2101', field: 'reference', description: 'Missing mandatory attribute: reference' } },
    { body: { ...AGREEMENT_REQUEST, reference: 12 }, status: 400, error: { code: 'P2102', field: 'reference', description: 'Invalid attribute value: reference. Must be a valid string format' } },
    { body: { ...AGREEMENT_REQUEST, reference: 'CT <script>' }, status: 400, error: { code: 'P2102', field: 'reference', description: 'Invalid attribute value: reference. Must be a valid string format' } },
    { body: { reference: 'CT' }, status: 400, error: { code: 'P2101', field: 'description', description: 'Missing mandatory attribute: description' } },
    { body: { ...AGREEMENT_REQUEST, description: 'a|b' }, status: 400, error: { code: 'P2102', field: 'description', description: 'Invalid attribute value: description. Must be a valid string format' } },
    { body: { ...AGREEMENT_REQUEST, description: { text: 'x' } }, status: 400, error: { code: 'P2102', field: 'description', description: 'Invalid attribute value: description. Must be a valid string format' } },
    { body: { ...AGREEMENT_REQUEST, user_identifier: 7 }, status: 400, error: { code: 'P2102', field: 'user_identifier', description: 'Invalid attribute value: user_identifier. Field must be a string' } },
    { body: { ...AGREEMENT_REQUEST, reference: long }, status: 422, error: { code: 'P0102', field: 'reference', description: 'Invalid attribute value: reference. Must be less than or equal to 255 characters length' } },
    { body: { ...AGREEMENT_REQUEST, description: long }, status: 422, error: { code: 'P0102', field: 'description', description: 'Invalid attribute value: description. Must be less than or equal to 255 characters length' } },
    { body: { ...AGREEMENT_REQUEST, user_identifier: long }, status: 422, error: { code: 'P0102', field: 'user_identifier', description: 'Invalid attribute value: user_identifier. Must be less than or equal to 255 characters length' } },
    { body: { ...AGREEMENT_REQUEST, user_identifier: '' }, status: 422, error: { code: 'P0102', field: 'user_identifier', description: 'Invalid attribute value: user_identifier. Must be less than or equal to 255 characters length' } },
    { body: '{"reference":', status: 400, error: { code: 'P2197', description: 'Unable to parse JSON' } },
    { body: 'null', status: 400, error: { code: 'P2197', description: 'Unable to parse JSON' } },
  ];
  for (const { body, status, error } of cases) {
    const response = await callApi(payApp.app, { method: 'POST', url: '/v1/agreements', key, body });
    assert.equal(response.statusCode, status, `${JSON.stringify(body)} -> ${response.body}`);
    assert.deepEqual(response.json(), error);
  }
  const exactly255 = await createAgreement(payApp, key, { reference: 'r'.repeat(255), description: 'd'.repeat(255), user_identifier: 'u'.repeat(255) });
  assert.equal((exactly255.reference as string).length, 255);
  const huge = await callApi(payApp.app, { method: 'POST', url: '/v1/agreements', key, body: { ...AGREEMENT_REQUEST, reference: 'x'.repeat(5_000_000) } });
  assert.ok(huge.statusCode >= 400 && huge.statusCode < 500, `a body past every limit is refused: ${huge.statusCode}`);
  const noKey = await payApp.app.inject({ method: 'POST', url: '/v1/agreements', payload: AGREEMENT_REQUEST });
  assert.equal(noKey.statusCode, 401);
  const listed = await getJson(payApp, key, '/v1/agreements');
  assert.equal(listed.total, 1, 'nothing refused was stored');
});

test('GET /v1/agreements searches as Pay: reference and status, newest first, 20 a page, its paging links, P2401 and P2402', async (t) => {
  const payApp = await startPayApp(t);
  const { key } = await createRecurringAccount(payApp.services);
  const { key: otherKey } = await createRecurringAccount(payApp.services);
  await createAgreement(payApp, otherKey, { ...AGREEMENT_REQUEST, reference: 'OTHER' });
  const ids: string[] = [];
  for (let index = 0; index < 25; index += 1) {
    payApp.clock.advance(1000);
    ids.push((await createAgreement(payApp, key, { reference: index === 3 ? 'Special-Ref' : `CT-${index}`, description: `Agreement ${index}` })).agreement_id);
  }
  const base = 'http://localhost:3000/v1/agreements';
  const first = await getJson(payApp, key, '/v1/agreements');
  assert.equal(first.total, 25);
  assert.equal(first.count, 20, "Pay's ledger gives 20 a page");
  assert.equal(first.page, 1);
  assert.deepEqual(first.results.map((agreement: { agreement_id: string }) => agreement.agreement_id), ids.slice(5).reverse());
  assert.deepEqual(first._links, {
    self: { href: `${base}?page=1&display_size=20` },
    first_page: { href: `${base}?page=1&display_size=20` },
    last_page: { href: `${base}?page=2&display_size=20` },
    next_page: { href: `${base}?page=2&display_size=20` },
  });
  const second = await getJson(payApp, key, '/v1/agreements?page=2&display_size=500');
  assert.equal(second.count, 5);
  assert.equal(second._links.prev_page.href, `${base}?page=1&display_size=20`, 'display_size is capped at 20');
  assert.equal(second._links.next_page, undefined);
  const small = await getJson(payApp, key, '/v1/agreements?display_size=10&page=3');
  assert.equal(small.count, 5);
  assert.equal(small._links.last_page.href, `${base}?page=3&display_size=10`);

  const byReference = await getJson(payApp, key, '/v1/agreements?reference=special-ref');
  assert.deepEqual(byReference.results.map((agreement: { agreement_id: string }) => agreement.agreement_id), [ids[3]], 'exact, ignoring case');
  assert.equal(byReference._links.self.href, `${base}?reference=special-ref&page=1&display_size=20`);
  assert.equal((await getJson(payApp, key, '/v1/agreements?reference=Special')).total, 0, 'not a partial match');
  assert.equal((await getJson(payApp, key, '/v1/agreements?reference=OTHER')).total, 0, "another account's agreements are never found");
  assert.equal((await getJson(payApp, key, '/v1/agreements?status=created')).total, 25);
  const none = await getJson(payApp, key, '/v1/agreements?status=active&page=7');
  assert.deepEqual({ ...none, _links: undefined }, { total: 0, count: 0, page: 7, results: [], _links: undefined }, 'with nothing found, any page is an empty list');
  assert.equal(none._links.prev_page.href, `${base}?status=active&page=1&display_size=20`);
  assert.equal((await getJson(payApp, key, '/v1/agreements?status=&reference=&page=')).total, 25, 'blank parameters are ignored');

  const pastTheEnd = await callApi(payApp.app, { method: 'GET', url: '/v1/agreements?page=3', key });
  assert.equal(pastTheEnd.statusCode, 404);
  assert.deepEqual(pastTheEnd.json(), { code: 'P2402', description: 'Page not found' });
  const bad = await callApi(payApp.app, {
    method: 'GET',
    url: `/v1/agreements?status=ACTIVE&reference=${'x'.repeat(256)}&page=0&display_size=501`,
    key,
  });
  assert.equal(bad.statusCode, 422);
  assert.deepEqual(bad.json(), {
    code: 'P2401',
    description: 'Invalid parameters: status, reference, page, display_size. See Public API documentation for the correct data formats',
  });
  for (const query of ['page=-1', 'page=1.5', 'page=99999999999999999999', 'display_size=abc', 'status=expired', 'page=x&page=1']) {
    const response = await callApi(payApp.app, { method: 'GET', url: `/v1/agreements?${query}`, key });
    assert.equal(response.statusCode, 422, `${query} -> ${response.body}`);
    assert.equal(response.json().code, 'P2401');
  }
  assert.equal((await getJson(payApp, key, '/v1/agreements?page=2&page=1')).page, 2, 'a parameter sent twice counts once, as JAX-RS reads it');
});

test("agreements are cancelled as Pay's: only active ones (P2501), then no payment may use them until set up again", async (t) => {
  const payApp = await startPayApp(t);
  const { key } = await createRecurringAccount(payApp.services);
  const notSetUp = await createAgreement(payApp, key);
  const early = await callApi(payApp.app, { method: 'POST', url: `/v1/agreements/${notSetUp.agreement_id}/cancel`, key });
  assert.equal(early.statusCode, 400);
  assert.deepEqual(early.json(), CANCEL_FAILED, 'an agreement never set up cannot be cancelled');
  const notActive = await callApi(payApp.app, { method: 'POST', url: '/v1/payments', key, body: { ...RECURRING_REQUEST, agreement_id: notSetUp.agreement_id } });
  assert.equal(notActive.statusCode, 400);
  assert.deepEqual(notActive.json(), NOT_ACTIVE);

  const { agreementId } = await setUpAgreement(payApp, key);
  payApp.clock.advance(60_000);
  const cancelled = await callApi(payApp.app, { method: 'POST', url: `/v1/agreements/${agreementId}/cancel`, key });
  assert.equal(cancelled.statusCode, 204);
  assert.equal(cancelled.body, '');
  const after = await getJson(payApp, key, `/v1/agreements/${agreementId}`);
  assert.equal(after.status, 'cancelled');
  assert.equal(after.cancelled_date, '2025-03-14T10:01:00.000Z');
  assert.equal(after.payment_instrument.card_details.last_digits_card_number, '4242', 'the card it had is still shown');
  const again = await callApi(payApp.app, { method: 'POST', url: `/v1/agreements/${agreementId}/cancel`, key });
  assert.deepEqual([again.statusCode, again.json()], [400, CANCEL_FAILED]);
  const refused = await callApi(payApp.app, { method: 'POST', url: '/v1/payments', key, body: { ...RECURRING_REQUEST, agreement_id: agreementId } });
  assert.deepEqual([refused.statusCode, refused.json()], [400, NOT_ACTIVE]);
  assert.equal((await getJson(payApp, key, '/v1/agreements?status=cancelled')).total, 1);

  // Pay lets a cancelled agreement be set up again, with a new card.
  await payByCard(payApp, key, { body: { set_up_agreement: agreementId }, card: { cardNo: '4000056655665556' } });
  const reactivated = await getJson(payApp, key, `/v1/agreements/${agreementId}`);
  assert.equal(reactivated.status, 'active');
  assert.equal(reactivated.cancelled_date, undefined);
  assert.equal(reactivated.payment_instrument.card_details.last_digits_card_number, '5556');
  const recurring = await takeRecurringPayment(payApp, key, agreementId);
  await payApp.runJobs();
  const paid = await getJson(payApp, key, `/v1/payments/${recurring.payment_id}`);
  assert.equal(paid.state.status, 'success');
  assert.equal(paid.card_details.last_digits_card_number, '5556', 'the new card');

  const trail = await payApp.kernel.audit.listRecent({ subject: `pay-agreement:${agreementId}` });
  assert.deepEqual(
    trail.map((event) => event.action).sort(),
    ['pay.agreement.cancelled', 'pay.agreement.created', 'pay.agreement.set-up', 'pay.agreement.set-up'],
  );
});

test("Pay's sandbox recurring decline (5105105105105100): the set-up succeeds, recurring payments fail with can_retry false and the agreement is inactive", async (t) => {
  const payApp = await startPayApp(t);
  const { key } = await createRecurringAccount(payApp.services);
  const { agreementId } = await setUpAgreement(payApp, key, '5105 1051 0510 5100');
  const active = await getJson(payApp, key, `/v1/agreements/${agreementId}`);
  assert.equal(active.status, 'active');
  assert.equal(active.payment_instrument.card_details.card_brand, 'Mastercard');
  const recurring = await takeRecurringPayment(payApp, key, agreementId);
  await payApp.runJobs();
  const declined = await getJson(payApp, key, `/v1/payments/${recurring.payment_id}`);
  assert.deepEqual(declined.state, { status: 'failed', finished: true, message: 'Payment method rejected', code: 'P0010', can_retry: false });
  assert.equal(declined.card_details.last_digits_card_number, '5100');
  const inactive = await getJson(payApp, key, `/v1/agreements/${agreementId}`);
  assert.equal(inactive.status, 'inactive');
  assert.ok(inactive.payment_instrument, 'the card it had is still shown');
  const next = await callApi(payApp.app, { method: 'POST', url: '/v1/payments', key, body: { ...RECURRING_REQUEST, agreement_id: agreementId } });
  assert.deepEqual([next.statusCode, next.json()], [400, NOT_ACTIVE]);
  const cancel = await callApi(payApp.app, { method: 'POST', url: `/v1/agreements/${agreementId}/cancel`, key });
  assert.deepEqual([cancel.statusCode, cancel.json()], [400, CANCEL_FAILED], 'an inactive agreement cannot be cancelled');
  assert.equal((await getJson(payApp, key, '/v1/agreements?status=inactive')).total, 1);

  // A set-up payment that fails saves nothing: the agreement stays as it was.
  const fresh = await createAgreement(payApp, key);
  const failed = await createPaymentByApi(payApp.app, key, { set_up_agreement: fresh.agreement_id });
  const browser = createInjectBrowser(payApp.app);
  const cardPage = await openNextUrl(browser, failed._links.next_url.href);
  await browser.post(cardPage, { ...CARD_FORM, cardNo: '4000000000000002' });
  assert.equal((await getJson(payApp, key, `/v1/payments/${failed.payment_id}`)).state.status, 'failed');
  assert.equal((await getJson(payApp, key, `/v1/agreements/${fresh.agreement_id}`)).status, 'created');
});

test('a set-up payment with 3-D Secure saves the card once the challenge is passed and the payment succeeds', async (t) => {
  const payApp = await startPayApp(t);
  const { key } = await createRecurringAccount(payApp.services);
  const agreement = await createAgreement(payApp, key);
  const setUp = await createPaymentByApi(payApp.app, key, { set_up_agreement: agreement.agreement_id, delayed_capture: true });
  const browser = createInjectBrowser(payApp.app);
  const cardPage = await openNextUrl(browser, setUp._links.next_url.href);
  const submitted = await browser.post(cardPage, { ...CARD_FORM, cardNo: '4000002500003155' });
  assert.equal(submitted.headers.location, `${cardPage}/3ds`);
  await browser.get(`${cardPage}/3ds`);
  const challenged = await browser.post(`${cardPage}/3ds`, { authenticated: 'yes' });
  assert.equal(challenged.headers.location, `${cardPage}/confirm`);
  await browser.get(`${cardPage}/confirm`);
  await browser.post(`${cardPage}/confirm`, {});
  assert.equal((await getJson(payApp, key, `/v1/payments/${setUp.payment_id}`)).state.status, 'capturable');
  const active = await getJson(payApp, key, `/v1/agreements/${agreement.agreement_id}`);
  assert.equal(active.status, 'active', 'set up once the payment may be captured, as Pay');
  assert.equal(active.payment_instrument.card_details.last_digits_card_number, '3155');
  const recurring = await takeRecurringPayment(payApp, key, agreement.agreement_id);
  await payApp.runJobs();
  const paid = await getJson(payApp, key, `/v1/payments/${recurring.payment_id}`);
  assert.equal(paid.state.status, 'success', "Stripe's 3-D Secure card takes recurring payments without a challenge");
  assert.equal(paid.authorisation_summary, undefined);
});

test('turning recurring payments off stops agreement payments at once (P0942); agreements can still be read and cancelled', async (t) => {
  const payApp = await startPayApp(t);
  const { key, accountId } = await createRecurringAccount(payApp.services);
  const { agreementId } = await setUpAgreement(payApp, key);
  await payApp.services.accounts.setRecurring({ accountId, recurringEnabled: false, actor: 'operator:test' });
  const off = await callApi(payApp.app, { method: 'POST', url: '/v1/payments', key, body: { ...RECURRING_REQUEST, agreement_id: agreementId } });
  assert.deepEqual([off.statusCode, off.json()], [422, P0942]);
  const setUpAgain = await callApi(payApp.app, { method: 'POST', url: '/v1/payments', key, body: { ...PAYMENT_REQUEST, set_up_agreement: agreementId } });
  assert.deepEqual([setUpAgain.statusCode, setUpAgain.json()], [422, P0942]);
  assert.equal((await getJson(payApp, key, `/v1/agreements/${agreementId}`)).status, 'active');
  const cancelled = await callApi(payApp.app, { method: 'POST', url: `/v1/agreements/${agreementId}/cancel`, key });
  assert.equal(cancelled.statusCode, 204);
});
