import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createAccountWithKey, createInjectBrowser, payByCard, startPayApp } from '../../testing/pay-test-support.ts';

test('team pages need a sign-in with an unrevoked API key, held in a server-side session', async (t) => {
  const payApp = await startPayApp(t);
  const { key, keyId, accountId } = await createAccountWithKey(payApp.services);
  const browser = createInjectBrowser(payApp.app);

  const anonymous = await browser.get('/pay/transactions');
  assert.equal(anonymous.statusCode, 303);
  assert.equal(anonymous.headers.location, '/pay/sign-in');
  const landing = await browser.get('/pay');
  assert.match(landing.body, /Sign in to your Pay account/);

  const missing = await browser.post('/pay/sign-in', { apiKey: '' });
  assert.equal(missing.statusCode, 400);
  assert.match(missing.body, /Enter an API key/);
  const wrong = await browser.post('/pay/sign-in', { apiKey: `${key.slice(0, -2)}zz` });
  assert.equal(wrong.statusCode, 400);
  assert.match(wrong.body, /Enter an API key that has not been revoked/);
  assert.doesNotMatch(wrong.body, new RegExp(key.slice(9, 30)), 'the key typed is not shown again');

  const signedIn = await browser.post('/pay/sign-in', { apiKey: key });
  assert.equal(signedIn.statusCode, 303);
  const cookie = signedIn.cookies.find((item) => item.name === 'civitas_pay_team');
  assert.ok(cookie?.httpOnly, 'the session cookie is HttpOnly');
  assert.equal(cookie?.sameSite, 'Lax');
  assert.ok(!cookie?.value.includes(key.slice(9)), 'the cookie holds a session token, not the key');
  const page = await browser.get('/pay/transactions');
  assert.equal(page.statusCode, 200);
  assert.match(page.body, /Signed in to Apply for a fishing licence/);
  assert.match(page.body, /0 transactions/);

  // Revoking the key ends its sessions at once.
  await payApp.services.accounts.revokeKey({ keyId, actor: 'operator:test' });
  assert.equal((await browser.get('/pay/transactions')).statusCode, 303);

  const { key: second } = await payApp.services.accounts.createKey({ accountId, type: 'test', actor: 'operator:test' });
  await browser.post('/pay/sign-in', { apiKey: second });
  assert.equal((await browser.get('/pay/transactions')).statusCode, 200);
  await browser.get('/pay/transactions');
  const signedOut = await browser.post('/pay/sign-out', {});
  assert.equal(signedOut.headers.location, '/pay/sign-in');
  assert.equal((await browser.get('/pay/transactions')).statusCode, 303);

  const trail = await payApp.kernel.audit.listRecent();
  assert.ok(trail.some((event) => event.action === 'pay.team.signed-in' && event.outcome === 'denied'));
  assert.ok(trail.some((event) => event.action === 'pay.team.signed-out'));
});

test('a team lists and filters its transactions, reads one, and refunds it after confirming', async (t) => {
  const payApp = await startPayApp(t);
  const { key } = await createAccountWithKey(payApp.services);
  const other = await createAccountWithKey(payApp.services, { name: 'Someone else' });
  const paid = await payByCard(payApp, key, { body: { reference: 'LICENCE-1', email: 'one@example.com' } });
  payApp.clock.advance(1000);
  await payByCard(payApp, key, { body: { reference: 'LICENCE-2' }, card: { cardNo: '5555555555554444' } });
  const theirs = await payByCard(payApp, other.key, { body: { reference: 'NOT-YOURS' } });
  await payApp.runJobs();

  const browser = createInjectBrowser(payApp.app);
  await browser.get('/pay/sign-in');
  await browser.post('/pay/sign-in', { apiKey: key });
  const list = await browser.get('/pay/transactions');
  assert.match(list.body, /2 transactions/);
  assert.match(list.body, /LICENCE-1/);
  assert.match(list.body, /Mastercard •••• 4444/);
  assert.doesNotMatch(list.body, /NOT-YOURS/);
  const filtered = await browser.get('/pay/transactions?reference=LICENCE-2&state=success');
  assert.match(filtered.body, /1 transaction</);
  assert.doesNotMatch(filtered.body, /LICENCE-1</);
  const byCard = await browser.get('/pay/transactions?lastDigits=4444');
  assert.match(byCard.body, /1 transaction</);
  const badFilter = await browser.get('/pay/transactions?lastDigits=44&fromDate=yesterday');
  assert.equal(badFilter.statusCode, 400);
  assert.match(badFilter.body, /Enter the last 4 digits of the card/);
  assert.match(badFilter.body, /Enter the from date as year-month-day/);

  assert.equal((await browser.get(`/pay/transactions/${theirs}`)).statusCode, 404, "another service's payment is not found");
  const detail = await browser.get(`/pay/transactions/${paid}`);
  assert.equal(detail.statusCode, 200);
  assert.match(detail.body, /Payment LICENCE-1/);
  assert.match(detail.body, /Money taken/);
  assert.match(detail.body, /Visa 424242•• •••• 4242/);

  const form = await browser.get(`/pay/transactions/${paid}/refund`);
  assert.match(form.body, /How much do you want to refund\?/);
  assert.match(form.body, /value="14\.50"/);
  const tooMuch = await browser.post(`/pay/transactions/${paid}/refund`, { amount: '20' });
  assert.equal(tooMuch.statusCode, 400);
  assert.match(tooMuch.body, /Enter an amount from £0\.01 to £14\.50/);
  const notMoney = await browser.post(`/pay/transactions/${paid}/refund`, { amount: '4.567' });
  assert.match(notMoney.body, /Enter the amount in pounds, like 12\.50/);
  const asked = await browser.post(`/pay/transactions/${paid}/refund`, { amount: '£4.50' });
  assert.equal(asked.statusCode, 303, 'post/redirect/get: the question is a page of its own');
  assert.equal(asked.headers.location, `/pay/transactions/${paid}/refund/confirm?amount=450`);
  const confirm = await browser.follow(asked);
  assert.equal(confirm.statusCode, 200);
  assert.match(confirm.body, /Are you sure you want to refund £4\.50\?/);
  assert.match(confirm.body, /name="available" value="1450"/);
  assert.equal((await payApp.services.refunds.listRefunds({ accountId: (await payApp.services.paymentStore.find(payApp.kernel.db, paid))!.account_id, live: false }, paid)).refunds.length, 0, 'nothing is refunded before confirming');
  const done = await browser.post(`/pay/transactions/${paid}/refund/confirm`, { amount: '450', available: '1450' });
  assert.equal(done.statusCode, 303);
  const after = await browser.get(done.headers.location as string);
  assert.match(after.body, /A refund of £4\.50 has been submitted/);
  // The same confirmation sent twice does not refund twice: what was available has changed.
  const twice = await browser.post(`/pay/transactions/${paid}/refund/confirm`, { amount: '450', available: '1450' });
  assert.equal(twice.statusCode, 400);
  assert.match(twice.body, /The amount available to refund has changed/);
  await payApp.runJobs();
  const refunded = await browser.get(`/pay/transactions/${paid}`);
  assert.match(refunded.body, /Refund paid/);
  const trail = await payApp.kernel.audit.listRecent({ subject: `pay-payment:${paid}` });
  assert.equal(trail.filter((event) => event.action === 'pay.refund.created').length, 1);
});

test('a team adds a webhook and sees every message and attempt', async (t) => {
  const payApp = await startPayApp(t);
  const { key } = await createAccountWithKey(payApp.services);
  const browser = createInjectBrowser(payApp.app);
  await browser.get('/pay/sign-in');
  await browser.post('/pay/sign-in', { apiKey: key });
  assert.match((await browser.get('/pay/webhooks')).body, /You have no webhooks yet/);
  await browser.get('/pay/webhooks/new');
  const invalid = await browser.post('/pay/webhooks/new', { url: 'not a url', events: 'card_payment_started' });
  assert.equal(invalid.statusCode, 400);
  assert.match(invalid.body, /Enter a full web address/);
  const noEvents = await browser.post('/pay/webhooks/new', { url: 'http://127.0.0.1:9/events' });
  assert.match(noEvents.body, /Select at least one event/);
  const created = await browser.post('/pay/webhooks/new', { url: 'http://127.0.0.1:9/events', description: 'Our ledger', events: 'card_payment_succeeded' });
  assert.equal(created.statusCode, 303);
  const webhookPage = created.headers.location as string;
  const page = await browser.get(webhookPage);
  assert.match(page.body, /webhook_test_[0-9a-v]{32}/);
  assert.match(page.body, /No messages have been sent yet/);

  await payByCard(payApp, key);
  await payApp.runJobs();
  const withMessages = await browser.get(webhookPage);
  assert.match(withMessages.body, /Payment succeeded/);
  assert.match(withMessages.body, /Waiting to retry/);
  const messageLink = /href="(\/pay\/webhooks\/[0-9a-v]+\/messages\/[0-9a-v]+)"/.exec(withMessages.body)?.[1];
  assert.ok(messageLink);
  const message = await browser.get(messageLink);
  assert.match(message.body, /Failed: could not connect/);
  assert.match(message.body, /&quot;event_type&quot;: &quot;card_payment_succeeded&quot;/);

  const off = await browser.post(`${webhookPage}/status`, { status: 'inactive' });
  assert.equal(off.statusCode, 303);
  assert.match((await browser.get(webhookPage)).body, /Turn this webhook on/);

  // A live session sees none of the test webhooks.
  const { accountId } = (await payApp.services.accounts.listAccounts()).map((account) => ({ accountId: account.id }))[0]!;
  const { key: liveKey } = await payApp.services.accounts.createKey({ accountId, type: 'live', actor: 'operator:test' });
  const live = createInjectBrowser(payApp.app);
  await live.get('/pay/sign-in');
  await live.post('/pay/sign-in', { apiKey: liveKey });
  assert.match((await live.get('/pay/webhooks')).body, /You have no webhooks yet/);
  assert.equal((await live.get(webhookPage)).statusCode, 404);
});

test('team forms need their CSRF token', async (t) => {
  const payApp = await startPayApp(t);
  const { key } = await createAccountWithKey(payApp.services);
  const browser = createInjectBrowser(payApp.app);
  const response = await browser.post('/pay/sign-in', { apiKey: key }, { csrf: false });
  assert.equal(response.statusCode, 403);
});
