import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createAccountWithKey, payByCard, signInToTeamPages, startPayApp } from '../../testing/pay-test-support.ts';

test('the team pages are reached through the console: signed out, a person is sent to its sign-in and back; /pay points there', async (t) => {
  const payApp = await startPayApp(t, { withConsole: true });
  const { accountId } = await createAccountWithKey(payApp.services);
  const { browser, base, team } = await signInToTeamPages(payApp, accountId);
  const anonymous = await payApp.app.inject({ method: 'GET', url: `${base}/transactions`, headers: { accept: 'text/html' } });
  assert.equal(anonymous.statusCode, 303);
  assert.equal(anonymous.headers.location, `/console/sign-in?return=${encodeURIComponent(`${base}/transactions`)}`);
  const landing = await payApp.app.inject({ method: 'GET', url: '/pay', headers: { accept: 'text/html' } });
  assert.match(landing.body, /href="\/console"/);
  assert.doesNotMatch(landing.body, /API key/);
  for (const gone of ['/pay/sign-in', '/pay/transactions', '/pay/webhooks']) {
    assert.equal((await browser.get(gone)).statusCode, 404, `${gone} is gone`);
  }

  const page = await browser.get(`${base}/transactions`);
  assert.equal(page.statusCode, 200);
  assert.match(page.body, /Pay account: Apply for a fishing licence/);
  assert.match(page.body, /0 transactions/);
  assert.match(page.body, new RegExp(`href="${team.servicePath}"`), "the console's service page, a way back");
});

test('a team lists and filters its transactions, reads one, and refunds it after confirming', async (t) => {
  const payApp = await startPayApp(t, { withConsole: true });
  const { key, accountId } = await createAccountWithKey(payApp.services);
  const other = await createAccountWithKey(payApp.services, { name: 'Someone else' });
  const paid = await payByCard(payApp, key, { body: { reference: 'LICENCE-1', email: 'one@example.com' } });
  payApp.clock.advance(1000);
  await payByCard(payApp, key, { body: { reference: 'LICENCE-2' }, card: { cardNo: '5555555555554444' } });
  const theirs = await payByCard(payApp, other.key, { body: { reference: 'NOT-YOURS' } });
  await payApp.runJobs();

  const { browser, base, member } = await signInToTeamPages(payApp, accountId);
  const list = await browser.get(`${base}/transactions`);
  assert.match(list.body, /2 transactions/);
  assert.match(list.body, /LICENCE-1/);
  assert.match(list.body, /Mastercard •••• 4444/);
  assert.doesNotMatch(list.body, /NOT-YOURS/);
  const filtered = await browser.get(`${base}/transactions?reference=LICENCE-2&state=success`);
  assert.match(filtered.body, /1 transaction</);
  assert.doesNotMatch(filtered.body, /LICENCE-1</);
  const byCard = await browser.get(`${base}/transactions?lastDigits=4444`);
  assert.match(byCard.body, /1 transaction</);
  const badFilter = await browser.get(`${base}/transactions?lastDigits=44&fromDate=yesterday`);
  assert.equal(badFilter.statusCode, 400);
  assert.match(badFilter.body, /Enter the last 4 digits of the card/);
  assert.match(badFilter.body, /Enter the from date as year-month-day/);

  assert.equal((await browser.get(`${base}/transactions/${theirs}`)).statusCode, 404, "another service's payment is not found");
  const detail = await browser.get(`${base}/transactions/${paid}`);
  assert.equal(detail.statusCode, 200);
  assert.match(detail.body, /Payment LICENCE-1/);
  assert.match(detail.body, /Money taken/);
  assert.match(detail.body, /Visa 424242•• •••• 4242/);

  const form = await browser.get(`${base}/transactions/${paid}/refund`);
  assert.match(form.body, /How much do you want to refund\?/);
  assert.match(form.body, /value="14\.50"/);
  const tooMuch = await browser.post(`${base}/transactions/${paid}/refund`, { amount: '20' });
  assert.equal(tooMuch.statusCode, 400);
  assert.match(tooMuch.body, /Enter an amount from £0\.01 to £14\.50/);
  const notMoney = await browser.post(`${base}/transactions/${paid}/refund`, { amount: '4.567' });
  assert.match(notMoney.body, /Enter the amount in pounds, like 12\.50/);
  const asked = await browser.post(`${base}/transactions/${paid}/refund`, { amount: '£4.50' });
  assert.equal(asked.statusCode, 303, 'post/redirect/get: the question is a page of its own');
  assert.equal(asked.headers.location, `${base}/transactions/${paid}/refund/confirm?amount=450`);
  const confirm = await browser.follow(asked);
  assert.equal(confirm.statusCode, 200);
  assert.match(confirm.body, /Are you sure you want to refund £4\.50\?/);
  assert.match(confirm.body, /name="available" value="1450"/);
  assert.equal((await payApp.services.refunds.listRefunds({ accountId: (await payApp.services.paymentStore.find(payApp.kernel.db, paid))!.account_id, live: false }, paid)).refunds.length, 0, 'nothing is refunded before confirming');
  const done = await browser.post(`${base}/transactions/${paid}/refund/confirm`, { amount: '450', available: '1450' });
  assert.equal(done.statusCode, 303);
  const after = await browser.get(done.headers.location as string);
  assert.match(after.body, /A refund of £4\.50 has been submitted/);
  // The same confirmation sent twice does not refund twice: what was available has changed.
  const twice = await browser.post(`${base}/transactions/${paid}/refund/confirm`, { amount: '450', available: '1450' });
  assert.equal(twice.statusCode, 400);
  assert.match(twice.body, /The amount available to refund has changed/);
  await payApp.runJobs();
  const refunded = await browser.get(`${base}/transactions/${paid}`);
  assert.match(refunded.body, /Refund paid/);
  const trail = await payApp.kernel.audit.listRecent({ subject: `pay-payment:${paid}` });
  const refundEvents = trail.filter((event) => event.action === 'pay.refund.created');
  assert.equal(refundEvents.length, 1);
  assert.equal(refundEvents[0]?.actor, member.actor, 'the console person, by pseudonym');
});

test('a team adds a webhook and sees every message and attempt', async (t) => {
  const payApp = await startPayApp(t, { withConsole: true });
  const { key, accountId } = await createAccountWithKey(payApp.services);
  const { browser, base } = await signInToTeamPages(payApp, accountId);
  assert.match((await browser.get(`${base}/webhooks`)).body, /You have no webhooks yet/);
  await browser.get(`${base}/webhooks/new`);
  const invalid = await browser.post(`${base}/webhooks/new`, { url: 'not a url', events: 'card_payment_started' });
  assert.equal(invalid.statusCode, 400);
  assert.match(invalid.body, /Enter a full web address/);
  const noEvents = await browser.post(`${base}/webhooks/new`, { url: 'http://127.0.0.1:9/events' });
  assert.match(noEvents.body, /Select at least one event/);
  const created = await browser.post(`${base}/webhooks/new`, { url: 'http://127.0.0.1:9/events', description: 'Our ledger', events: 'card_payment_succeeded' });
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
  const messageLink = new RegExp(`href="(${base}/webhooks/[0-9a-v]+/messages/[0-9a-v]+)"`).exec(withMessages.body)?.[1];
  assert.ok(messageLink);
  const message = await browser.get(messageLink);
  assert.match(message.body, /Failed: could not connect/);
  assert.match(message.body, /&quot;event_type&quot;: &quot;card_payment_succeeded&quot;/);

  const off = await browser.post(`${webhookPage}/status`, { status: 'inactive' });
  assert.equal(off.statusCode, 303);
  assert.match((await browser.get(webhookPage)).body, /Turn this webhook on/);

  // Live payments show none of the test webhooks.
  const withLive = await browser.get(`${base}/webhooks`);
  assert.match(withLive.body, new RegExp(`href="/console/pay/${accountId}/live/webhooks">View live payments`));
  const live = `/console/pay/${accountId}/live`;
  assert.match((await browser.get(`${live}/webhooks`)).body, /You have no webhooks yet/);
  assert.equal((await browser.get(webhookPage.replace(base, live))).statusCode, 404);
});

test('team forms need their CSRF token', async (t) => {
  const payApp = await startPayApp(t, { withConsole: true });
  const { accountId } = await createAccountWithKey(payApp.services);
  const { browser, base } = await signInToTeamPages(payApp, accountId);
  const response = await browser.post(`${base}/webhooks/new`, { url: 'https://example.gov.uk/events', events: 'card_payment_succeeded' }, { csrf: false });
  assert.equal(response.statusCode, 403);
});
