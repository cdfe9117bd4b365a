import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { test } from 'node:test';
import { pino } from 'pino';
import {
  callApi,
  CARD_FORM,
  createAccountWithKey,
  createInjectBrowser,
  createPaymentByApi,
  openNextUrl,
  startPayApp,
  type PayTestApp,
} from '../../testing/pay-test-support.ts';

async function startPayment(payApp: PayTestApp, body: Record<string, unknown> = {}) {
  const { key } = await createAccountWithKey(payApp.services);
  const payment = await createPaymentByApi(payApp.app, key, body);
  const browser = createInjectBrowser(payApp.app);
  const cardPage = await openNextUrl(browser, payment._links.next_url.href);
  return { key, payment, browser, cardPage };
}

async function getPayment(payApp: PayTestApp, key: string, id: string) {
  return (await callApi(payApp.app, { method: 'GET', url: `/v1/payments/${id}`, key })).json();
}

test('a successful card: card details, confirm, back to return_url; the API shows success and what of the card is kept', async (t) => {
  const payApp = await startPayApp(t);
  const { key, payment, browser, cardPage } = await startPayment(payApp, { language: 'en' });
  assert.equal(cardPage, `/pay/card-details/${payment.payment_id}`);
  const form = await browser.get(cardPage);
  assert.equal(form.statusCode, 200);
  assert.match(form.body, /Enter card details/);
  assert.match(form.body, /£14\.50/);
  assert.match(form.body, /This is a test payment/);
  assert.equal(form.headers['cache-control'], 'no-store');
  assert.equal((await getPayment(payApp, key, payment.payment_id)).state.status, 'started');

  const submitted = await browser.post(cardPage, CARD_FORM);
  assert.equal(submitted.statusCode, 303, submitted.body);
  assert.equal(submitted.headers.location, `${cardPage}/confirm`);
  const confirmPage = await browser.get(`${cardPage}/confirm`);
  assert.match(confirmPage.body, /Visa ending in 4242/);
  assert.match(confirmPage.body, /United Kingdom/);
  assert.equal((await getPayment(payApp, key, payment.payment_id)).state.status, 'submitted');

  const confirmed = await browser.post(`${cardPage}/confirm`, {});
  assert.equal(confirmed.statusCode, 303);
  assert.equal(confirmed.headers.location, 'https://fishing.example.gov.uk/return/0001');

  const done = await getPayment(payApp, key, payment.payment_id);
  assert.deepEqual(done.state, { status: 'success', finished: true });
  assert.deepEqual(done.card_details, {
    last_digits_card_number: '4242',
    first_digits_card_number: '424242',
    cardholder_name: 'Rhys Jones',
    expiry_date: '12/30',
    billing_address: { line1: '1 Heol y Pysgod', postcode: 'CF10 1AA', city: 'Caerdydd', country: 'GB' },
    card_brand: 'Visa',
    card_type: 'credit',
  });
  assert.equal(done.email, 'angler@example.com');
  assert.equal(done._links.next_url, undefined);
  assert.deepEqual(done.refund_summary, { status: 'available', amount_available: 1450, amount_submitted: 0 });
  assert.ok(done.settlement_summary.capture_submit_time);
  assert.equal(done.settlement_summary.captured_date, undefined, 'captured by a job');

  await payApp.runJobs();
  const captured = await getPayment(payApp, key, payment.payment_id);
  assert.equal(captured.settlement_summary.captured_date, '2025-03-14');
  const events = (await callApi(payApp.app, { method: 'GET', url: `/v1/payments/${payment.payment_id}/events`, key })).json();
  assert.deepEqual(
    events.events.map((event: { state: { status: string } }) => event.state.status),
    ['created', 'started', 'submitted', 'success'],
  );
  assert.equal(events.events[0]._links.payment_url.href, `http://localhost:3000/v1/payments/${payment.payment_id}`);

  // The page after the payment finished goes straight back to the service.
  const again = await browser.get(cardPage);
  assert.equal(again.headers.location, 'https://fishing.example.gov.uk/return/0001');

  // The confirmation email went to the paying user.
  const outbox = await payApp.kernel.developmentOutbox?.listRecent();
  const email = outbox?.find((message) => message.recipient === 'angler@example.com');
  assert.ok(email, 'a confirmation email was sent');
  assert.match(email.subject ?? '', /£14\.50/);
});

const OUTCOMES = [
  { name: 'declined', cardNo: '4000000000000002', status: 'failed', code: 'P0010', page: /Your payment has been declined/ },
  { name: 'expired card', cardNo: '4000000000000069', status: 'failed', code: 'P0010', page: /Your payment has been declined/ },
  { name: 'wrong security code', cardNo: '4000000000000127', status: 'failed', code: 'P0010', page: /Your payment has been declined/ },
  { name: 'processing error', cardNo: '4000000000000119', status: 'error', code: 'P0050', page: /Sorry, we could not take your payment/ },
  { name: 'unknown card number', cardNo: '4111111111111111', status: 'failed', code: 'P0010', page: /Your payment has been declined/ },
] as const;

for (const outcome of OUTCOMES) {
  test(`the sandbox's ${outcome.name} card ends the payment ${outcome.status} ${outcome.code}`, async (t) => {
    const payApp = await startPayApp(t);
    const { key, payment, browser, cardPage } = await startPayment(payApp);
    const submitted = await browser.post(cardPage, { ...CARD_FORM, cardNo: outcome.cardNo });
    assert.equal(submitted.statusCode, 303, 'post/redirect/get: the outcome is a page of its own');
    assert.equal(submitted.headers.location, cardPage);
    const shown = await browser.follow(submitted);
    assert.equal(shown.statusCode, 200);
    assert.match(shown.body, outcome.page);
    assert.match(shown.body, /href="https:\/\/fishing\.example\.gov\.uk\/return\/0001"/);
    const after = await getPayment(payApp, key, payment.payment_id);
    assert.equal(after.state.status, outcome.status);
    assert.equal(after.state.code, outcome.code);
    assert.equal(after.state.finished, true);
    assert.equal(after.card_details.last_digits_card_number, outcome.cardNo.slice(-4));
    assert.deepEqual(after.refund_summary, { status: 'unavailable', amount_available: 0, amount_submitted: 0 });
  });
}

test('the 3-D Secure card asks for the challenge; passing it pays, failing it declines', async (t) => {
  const payApp = await startPayApp(t);
  for (const [answer, expected] of [['yes', 'success'], ['no', 'failed']] as const) {
    const { key, payment, browser, cardPage } = await startPayment(payApp);
    const submitted = await browser.post(cardPage, { ...CARD_FORM, cardNo: '4000002500003155' });
    assert.equal(submitted.headers.location, `${cardPage}/3ds`);
    const challenge = await browser.get(`${cardPage}/3ds`);
    assert.match(challenge.body, /Confirm it is you/);
    assert.equal((await getPayment(payApp, key, payment.payment_id)).state.status, 'started');
    const unanswered = await browser.post(`${cardPage}/3ds`, {});
    assert.equal(unanswered.statusCode, 400);
    assert.match(unanswered.body, /Select what the card issuer should decide/);
    const answered = await browser.post(`${cardPage}/3ds`, { authenticated: answer });
    if (expected === 'success') {
      assert.equal(answered.headers.location, `${cardPage}/confirm`);
      await browser.get(`${cardPage}/confirm`);
      await browser.post(`${cardPage}/confirm`, {});
    } else {
      assert.equal(answered.statusCode, 303);
      assert.match((await browser.follow(answered)).body, /Your payment has been declined/);
    }
    const after = await getPayment(payApp, key, payment.payment_id);
    assert.equal(after.state.status, expected);
    assert.deepEqual(after.authorisation_summary, { three_d_secure: { required: true } });
  }
});

test('the card form checks every field and says what to fix, keeping what was typed but never the card number', async (t) => {
  const payApp = await startPayApp(t);
  const { browser, cardPage } = await startPayment(payApp);
  const empty = await browser.post(cardPage, { addressCountry: 'GB' });
  assert.equal(empty.statusCode, 400);
  assert.match(empty.body, /govuk-error-summary/);
  assert.match(empty.body, /<title>Error: Enter card details/);
  for (const message of [
    'Enter your card number',
    'Enter the expiry date shown on your card',
    'Enter the name as it appears on your card',
    'Enter your card security code',
    'Enter the first line of your billing address',
    'Enter the town or city of your billing address',
    'Enter the postcode of your billing address',
    'Enter your email address',
  ]) {
    assert.ok(empty.body.includes(message), message);
  }
  assert.match(empty.body, /href="#card-no"/);
  assert.match(empty.body, /href="#expiry-month"/);

  const cases: Array<[Record<string, string>, string]> = [
    [{ cardNo: '4242 4242 4242 4241' }, 'Enter a valid card number'],
    [{ cardNo: '9999999999999995' }, 'Enter the number of a card type we accept'],
    [{ expiryMonth: '13' }, 'Enter a real expiry date'],
    [{ expiryMonth: '1', expiryYear: '2020' }, 'The expiry date must be in the future'],
    [{ cvc: '12' }, 'Enter a valid card security code'],
    [{ cardNo: '371449635398431', cvc: '123' }, 'Enter a valid card security code'],
    [{ cardholderName: '4242 4242 4242 4242' }, 'The name must not contain a card number'],
    [{ addressPostcode: 'NOT A POSTCODE' }, 'Enter a real postcode'],
    [{ addressCountry: 'XX' }, 'Select the country or territory of your billing address'],
    [{ email: 'not-an-email' }, 'Enter an email address in the correct format'],
  ];
  for (const [change, message] of cases) {
    const response = await browser.post(cardPage, { ...CARD_FORM, ...change });
    assert.equal(response.statusCode, 400, JSON.stringify(change));
    assert.ok(response.body.includes(message), `${JSON.stringify(change)}: ${message}`);
    assert.doesNotMatch(response.body, /4242 4242 4242 4242"|value="987"/, 'the card number and code are not shown again');
  }
  const kept = await browser.post(cardPage, { ...CARD_FORM, email: 'not-an-email' });
  assert.match(kept.body, /value="Rhys Jones"/);
  assert.match(kept.body, /value="CF10 1AA"/);
});

test('next_url works once; the payment pages need the browser that opened it', async (t) => {
  const payApp = await startPayApp(t);
  const { payment, browser, cardPage } = await startPayment(payApp);
  const path = new URL(payment._links.next_url.href).pathname;
  const sameBrowser = await browser.get(path);
  assert.equal(sameBrowser.statusCode, 303, 'the browser that used it is taken back to its payment');
  assert.equal(sameBrowser.headers.location, cardPage);

  const stranger = createInjectBrowser(payApp.app);
  const reused = await stranger.get(path);
  assert.equal(reused.statusCode, 403);
  assert.match(reused.body, /Your payment session has ended/);
  const direct = await stranger.get(cardPage);
  assert.equal(direct.statusCode, 403);
  const unknown = await stranger.get('/pay/secure/00000000000000000000000000000000');
  assert.equal(unknown.statusCode, 404);
  const forged = await stranger.get(`/pay/secure/${payment.payment_id}${'0'.repeat(32)}`);
  assert.equal(forged.statusCode, 404, 'a token cannot be made up from a payment id');

  // next_url_post: the token posted from the service's own page.
  const { key } = await createAccountWithKey(payApp.services, { name: 'Posting service' });
  const posted = await createPaymentByApi(payApp.app, key);
  const poster = createInjectBrowser(payApp.app);
  const opened = await poster.post('/pay/secure', { chargeTokenId: posted._links.next_url_post.params.chargeTokenId }, { csrf: false });
  assert.equal(opened.statusCode, 303);
  assert.equal(opened.headers.location, `/pay/card-details/${posted.payment_id}?lang=en`);
});

test('the paying user can cancel; the service sees failed P0030', async (t) => {
  const payApp = await startPayApp(t);
  const { key, payment, browser, cardPage } = await startPayment(payApp);
  const cancelled = await browser.post(`${cardPage}/cancel`, {});
  assert.equal(cancelled.statusCode, 303);
  assert.match((await browser.follow(cancelled)).body, /Your payment has been cancelled/);
  const after = await getPayment(payApp, key, payment.payment_id);
  assert.deepEqual(after.state, { status: 'failed', finished: true, message: 'Payment was cancelled by the user', code: 'P0030' });
});

test('a payment not finished within 90 minutes expires (P0020): on the pages, in the API, and by the sweeper', async (t) => {
  const payApp = await startPayApp(t);
  const { key, payment, browser, cardPage } = await startPayment(payApp);
  const untouched = await createPaymentByApi(payApp.app, key);
  await payApp.services.webhooks.createWebhook({
    accountId: (await payApp.services.accounts.listAccounts())[0]!.id,
    live: false,
    url: 'http://127.0.0.1:9/unused',
    events: ['card_payment_expired'],
    actor: 'operator:test',
  });
  payApp.clock.advance(89 * 60 * 1000);
  assert.equal((await browser.get(cardPage)).statusCode, 200, 'still payable at 89 minutes');
  payApp.clock.advance(2 * 60 * 1000);
  const page = await browser.get(cardPage);
  assert.match(page.body, /Your payment session has expired/);
  const submitted = await browser.post(cardPage, CARD_FORM);
  assert.equal(submitted.statusCode, 303);
  assert.match((await browser.follow(submitted)).body, /Your payment session has expired/, 'card details are no longer taken');
  assert.deepEqual((await getPayment(payApp, key, payment.payment_id)).state, {
    status: 'failed',
    finished: true,
    message: 'Payment expired',
    code: 'P0020',
  });

  // Nobody reads the other payment: the sweeper job expires it.
  const swept = await payApp.services.paymentStore.find(payApp.kernel.db, untouched.payment_id);
  assert.equal(swept?.status, 'created');
  await payApp.services.sweeper.sweep();
  const after = await payApp.services.paymentStore.find(payApp.kernel.db, untouched.payment_id);
  assert.equal(after?.status, 'failed');
  assert.equal(after?.failure_code, 'P0020');
  const webhooks = await payApp.services.webhooks.listWebhooks({ accountId: after.account_id });
  const messages = await payApp.services.webhooks.listMessages({ webhookId: webhooks[0]!.id });
  assert.equal(messages.filter((message) => message.event_type === 'card_payment_expired').length, 2, 'each expiry sends its webhook once');
});

test('full card numbers and security codes are never stored or logged', async (t) => {
  let logged = '';
  const logger = pino(
    { level: 'trace' },
    new Writable({
      write(chunk, _encoding, done) {
        logged += chunk.toString();
        done();
      },
    }),
  );
  const payApp = await startPayApp(t, { logger });
  const { browser, cardPage } = await startPayment(payApp);
  await browser.post(cardPage, { ...CARD_FORM, cardNo: '4000056655665556', cvc: '731' });
  await browser.post(`${cardPage}/confirm`, {});
  await payApp.runJobs();
  const tables = ['pay_payment', 'pay_ledger_entry', 'job', 'audit_event', 'pay_webhook_message'];
  let stored = '';
  for (const table of tables) {
    const rows = await payApp.kernel.db.withTables<Record<string, Record<string, unknown>>>().selectFrom(table).selectAll().execute();
    stored += JSON.stringify(rows);
  }
  assert.ok(stored.includes('400005') && stored.includes('5556'), 'the first 6 and last 4 digits are kept');
  for (const secret of ['4000056655665556', '4000 0566', '"731"']) {
    assert.ok(!stored.includes(secret), `the database holds no ${secret}`);
  }
  // As a word, not inside the random identifiers the rows hold (such as "…k2cvc9…").
  assert.doesNotMatch(stored, /(^|[^a-z0-9])cvc([^a-z0-9]|$)/i, 'the database holds no cvc field');
  assert.ok(logged.length > 0, 'requests were logged');
  for (const secret of ['4000056655665556', '4000+0566', 'cvc=731', '"731"', 'securityCode']) {
    assert.ok(!logged.includes(secret), `the logs hold no ${secret}`);
  }
});
