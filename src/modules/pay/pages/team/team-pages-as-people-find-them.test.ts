import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatDateTime } from '../../../../platform/http/dates.ts';
import {
  callApi,
  createAccountWithKey,
  createPaymentByApi,
  payByCard,
  startPayApp,
  signInToTeamPages,
} from '../../testing/pay-test-support.ts';

/** Issue 11 on the team pages: back links, dates, safe reloads, limits as field errors, unpaid payments. */

/** The page's back link, checked to sit where the layout puts it: above <main> and any error summary. */
function backLinkOf(html: string): string | undefined {
  const match = /<a href="([^"]+)" class="govuk-back-link">/.exec(html);
  if (match) {
    assert.ok(match.index < html.indexOf('<main'), 'above the main content');
    const summary = html.indexOf('govuk-error-summary');
    if (summary >= 0) assert.ok(match.index < summary, 'above the error summary');
    assert.equal(html.match(/govuk-back-link/g)?.length, 1, 'one back link, not a second one in the content');
  }
  return match?.[1];
}

test('every team page but the first has a back link to the page before it; dates as GOV.UK writes them, in English and Welsh', async (t) => {
  const payApp = await startPayApp(t, { withConsole: true });
  const { key, accountId } = await createAccountWithKey(payApp.services);
  const paid = await payByCard(payApp, key);
  const webhookUrl = 'http://127.0.0.1:9/events';
  const { browser, base } = await signInToTeamPages(payApp, accountId);
  await browser.get(`${base}/webhooks/new`);
  const created = await browser.post(`${base}/webhooks/new`, { url: webhookUrl, events: 'card_payment_succeeded' });
  const webhookPage = created.headers.location as string;
  await payByCard(payApp, key);
  await payApp.runJobs();
  const messagePage = new RegExp(`href="(${base}/webhooks/[0-9a-v]+/messages/[0-9a-v]+)"`).exec((await browser.get(webhookPage)).body)?.[1] as string;
  assert.ok(messagePage);

  for (const first of [`${base}/transactions`, `${base}/webhooks`]) {
    assert.equal(backLinkOf((await browser.get(first)).body), undefined, `${first} starts a journey`);
  }
  const expected: Record<string, string> = {
    [`${base}/transactions/${paid}`]: `${base}/transactions`,
    [`${base}/transactions/${paid}/refund`]: `${base}/transactions/${paid}`,
    [`${base}/transactions/${paid}/refund/confirm?amount=100`]: `${base}/transactions/${paid}/refund`,
    [`${base}/webhooks/new`]: `${base}/webhooks`,
    [webhookPage]: `${base}/webhooks`,
    [messagePage]: webhookPage,
  };
  for (const [path, back] of Object.entries(expected)) {
    const page = await browser.get(path);
    assert.equal(page.statusCode, 200, path);
    assert.equal(backLinkOf(page.body), back, path);
  }
  const refundError = await browser.post(`${base}/transactions/${paid}/refund`, { amount: 'lots' });
  assert.equal(backLinkOf(refundError.body), `${base}/transactions/${paid}`, 'above the error summary too');

  const row = await payApp.services.paymentStore.find(payApp.kernel.db, paid);
  const when = formatDateTime(row!.created_at, 'en');
  assert.match(when, /^14 March 2025 at 10(:\d\d)?am$/, 'UK time (GMT in March before the clocks change)');
  assert.ok((await browser.get(`${base}/transactions`)).body.includes(when));
  assert.ok((await browser.get(`${base}/transactions/${paid}`)).body.includes(when));

  browser.cookies.set('civitas_lang', 'cy');
  const welsh = await browser.get(`${base}/transactions/${paid}`);
  assert.ok(welsh.body.includes(formatDateTime(row!.created_at, 'cy')), '"14 Mawrth 2025 am 10yb"');
  assert.match(welsh.body, /class="govuk-back-link">Yn ôl<\/a>/);
  assert.doesNotMatch(welsh.body, /\b(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sept?|Oct|Nov|Dec)\b/);
  const welshList = await browser.get(`${base}/webhooks`);
  assert.doesNotMatch(welshList.body, /\d{1,2}:\d\d(am|pm)/, 'no English am/pm on a Welsh page');
});

test('the refund question is a page of its own (post/redirect/get): reloading it or going back refunds nothing; a made-up address asks again', async (t) => {
  const payApp = await startPayApp(t, { withConsole: true });
  const { key, accountId } = await createAccountWithKey(payApp.services);
  const other = await createAccountWithKey(payApp.services, { name: 'Someone else' });
  const paid = await payByCard(payApp, key);
  const theirs = await payByCard(payApp, other.key);
  const { browser, base } = await signInToTeamPages(payApp, accountId);
  const owner = { accountId: (await payApp.services.paymentStore.find(payApp.kernel.db, paid))!.account_id, live: false };
  const refundsOf = async () => (await payApp.services.refunds.listRefunds(owner, paid)).refunds.length;

  await browser.get(`${base}/transactions/${paid}/refund`);
  const asked = await browser.post(`${base}/transactions/${paid}/refund`, { amount: '2' });
  assert.equal(asked.statusCode, 303);
  const question = `${base}/transactions/${paid}/refund/confirm?amount=200`;
  assert.equal(asked.headers.location, question);
  for (let reload = 0; reload < 2; reload += 1) {
    const page = await browser.get(question);
    assert.equal(page.statusCode, 200);
    assert.match(page.body, /Are you sure you want to refund £2\.00\?/);
  }
  assert.equal(await refundsOf(), 0, 'showing the question (and reloading it) refunds nothing');
  const done = await browser.post(`${base}/transactions/${paid}/refund/confirm`, { amount: '200', available: '1450' });
  assert.equal(done.statusCode, 303);
  assert.equal(done.headers.location, `${base}/transactions/${paid}?refunded=200`);
  await browser.get(done.headers.location as string);
  await browser.get(done.headers.location as string);
  assert.equal(await refundsOf(), 1, 'reloading the page after the refund refunds nothing more');

  // The attacker's addresses: more than is left, not a number, someone else's payment.
  for (const amount of ['1251', '0', 'abc', '-5', '1e3', '9'.repeat(40), '']) {
    const page = await browser.get(`${base}/transactions/${paid}/refund/confirm?amount=${encodeURIComponent(amount)}`);
    assert.equal(page.statusCode, 303, amount);
    assert.equal(page.headers.location, `${base}/transactions/${paid}/refund`, amount);
  }
  assert.equal((await browser.get(`${base}/transactions/${theirs}/refund/confirm?amount=100`)).statusCode, 404);
  assert.equal(await refundsOf(), 1);
});

test('a payment never paid shows nothing to refund and no empty rows', async (t) => {
  const payApp = await startPayApp(t, { withConsole: true });
  const { key, accountId } = await createAccountWithKey(payApp.services);
  const cancelled = await createPaymentByApi(payApp.app, key);
  assert.equal((await callApi(payApp.app, { method: 'POST', url: `/v1/payments/${cancelled.payment_id}/cancel`, key })).statusCode, 204);
  const waiting = await createPaymentByApi(payApp.app, key);
  const { browser, base } = await signInToTeamPages(payApp, accountId);

  for (const id of [cancelled.payment_id, waiting.payment_id]) {
    const page = await browser.get(`${base}/transactions/${id}`);
    assert.equal(page.statusCode, 200);
    for (const absent of ['Available to refund', 'Refunded', 'Refund payment', 'Refunds', 'No refunds', 'Name on card', '>Card<', '>Email<']) {
      assert.ok(!page.body.includes(absent), `${id}: no "${absent}"`);
    }
    assert.doesNotMatch(page.body, /<dd class="govuk-summary-list__value">\s*<\/dd>/, 'no row without a value');
    assert.match(page.body, /Annual rod licence/);
    const refund = await browser.get(`${base}/transactions/${id}/refund`);
    assert.equal(refund.statusCode, 303, 'nothing to refund: back to the payment');
  }
  assert.match((await browser.get(`${base}/transactions/${cancelled.payment_id}`)).body, /Cancelled/);

  const paid = await payByCard(payApp, key);
  const paidPage = await browser.get(`${base}/transactions/${paid}`);
  for (const present of ['Available to refund', 'Refunded', 'Refund payment', 'No refunds', 'Name on card']) {
    assert.ok(paidPage.body.includes(present), `paid: "${present}"`);
  }
});

test('every team field past its limit gets a field error that states the limit, never a bare 400 page (English and Welsh)', async (t) => {
  const payApp = await startPayApp(t, { withConsole: true });
  const { key, accountId } = await createAccountWithKey(payApp.services);
  const paid = await payByCard(payApp, key);
  const { browser, base } = await signInToTeamPages(payApp, accountId);
  const filters = await browser.get(`${base}/transactions?reference=${'R'.repeat(256)}&email=${'e'.repeat(250)}%40example.com`);
  assert.equal(filters.statusCode, 400);
  assert.match(filters.body, /href="#reference">The reference must be 255 characters or fewer/);
  assert.match(filters.body, /href="#email">The email address must be 254 characters or fewer/);
  assert.match(filters.body, /govuk-input--error" id="reference"/);

  await browser.get(`${base}/webhooks/new`);
  const webhook = await browser.post(`${base}/webhooks/new`, {
    url: `https://example.gov.uk/${'a'.repeat(6000)}`,
    description: 'd'.repeat(1100),
    events: 'card_payment_succeeded',
  });
  assert.equal(webhook.statusCode, 400);
  assert.match(webhook.body, /href="#callback-url">The callback URL must be 2048 characters or fewer/);
  assert.match(webhook.body, /href="#description">The description must be 255 characters or fewer/);
  assert.equal((await payApp.services.webhooks.listWebhooks({ accountId: (await payApp.services.accounts.listAccounts())[0]!.id, live: false })).length, 0);

  await browser.get(`${base}/transactions/${paid}/refund`);
  const amount = await browser.post(`${base}/transactions/${paid}/refund`, { amount: '9'.repeat(6000) });
  assert.equal(amount.statusCode, 400);
  assert.match(amount.body, /href="#amount">Enter (an amount from £0\.01 to £14\.50|the amount in pounds)/);

  browser.cookies.set('civitas_lang', 'cy');
  await browser.get(`${base}/webhooks/new`);
  const welsh = await browser.post(`${base}/webhooks/new`, { url: `https://example.gov.uk/${'a'.repeat(3000)}`, events: 'card_payment_succeeded' });
  assert.match(welsh.body, /Rhaid i&#39;r URL galw&#39;n ôl fod yn 2048 o nodau neu lai|Rhaid i'r URL galw'n ôl fod yn 2048 o nodau neu lai/);
  assert.match(welsh.body, /<span class="govuk-visually-hidden">Gwall:<\/span>/);
});
