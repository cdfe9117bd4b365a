import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SANDBOX_TEST_CARDS } from '../../providers/sandbox.provider.ts';
import {
  CARD_FORM,
  callApi,
  createAccountWithKey,
  createInjectBrowser,
  createPaymentByApi,
  openNextUrl,
  startPayApp,
  type PayTestApp,
} from '../../testing/pay-test-support.ts';

/** Issue 11 on the payment pages: the sandbox's test cards, every answer to a POST a redirect, limits as field errors. */

async function startPayment(payApp: PayTestApp, body: Record<string, unknown> = {}) {
  const { key } = await createAccountWithKey(payApp.services);
  const payment = await createPaymentByApi(payApp.app, key, body);
  const browser = createInjectBrowser(payApp.app);
  const cardPage = await openNextUrl(browser, payment._links.next_url.href);
  return { key, payment, browser, cardPage };
}

test("a test payment's card page lists every sandbox test card and what it does, from the sandbox itself (English and Welsh)", async (t) => {
  const payApp = await startPayApp(t);
  const { browser, cardPage } = await startPayment(payApp, { language: 'en' });
  const page = (await browser.get(cardPage)).body;
  const list = page.slice(page.indexOf('id="test-cards"'), page.indexOf('</details>'));
  assert.match(list, /Test cards you can use/);
  const rows = [...list.matchAll(/<tr class="govuk-table__row">([\s\S]*?)<\/tr>/g)].slice(1).map((row) =>
    [...(row[1] as string).matchAll(/<td class="govuk-table__cell">([\s\S]*?)<\/td>/g)].map((cell) => (cell[1] as string).trim()),
  );
  assert.equal(rows.length, SANDBOX_TEST_CARDS.length, 'one row a card, none copied by hand');
  for (const card of SANDBOX_TEST_CARDS) {
    const row = rows.find((cells) => cells[0]?.replaceAll(' ', '') === card.number);
    assert.ok(row, card.number);
    assert.match(row[1] as string, card.cardType === 'debit' ? / debit$/ : / credit$/);
  }
  const outcomeOf = (number: string) => rows.find((cells) => cells[0]?.replaceAll(' ', '') === number)?.[2];
  assert.equal(outcomeOf('4444333322221111'), 'The payment succeeds');
  assert.equal(outcomeOf('4000000000000002'), 'The card is declined');
  assert.equal(outcomeOf('4000000000000069'), 'The card is declined as expired');
  assert.equal(outcomeOf('4000000000000127'), 'The card is declined: wrong security code');
  assert.equal(outcomeOf('4000000000000119'), 'The payment fails with an error from the payment provider');
  assert.match(outcomeOf('4000002500003155') as string, /3-D Secure/);
  assert.match(outcomeOf('4000000000000259') as string, /disputed and the dispute is lost/);
  assert.match(outcomeOf('4000000000002685') as string, /disputed and the dispute is won/);
  assert.match(outcomeOf('5105105105105100') as string, /recurring payments .* are declined/);
  assert.equal(rows.find((cells) => cells[0] === '4444 3333 2222 1111')?.[1], 'Visa credit');

  browser.cookies.set('civitas_lang', 'cy');
  const welsh = (await browser.get(cardPage)).body;
  assert.match(welsh, /Cardiau prawf y gallwch eu defnyddio/);
  assert.match(welsh, /Mae&#39;r cerdyn yn cael ei wrthod|Mae'r cerdyn yn cael ei wrthod/);
  assert.doesNotMatch(welsh, /The payment succeeds/);
});

test('every answer to a POST on the payment pages is a redirect: reloading after confirm takes nothing twice; sending the form again changes nothing', async (t) => {
  const payApp = await startPayApp(t);
  const { key, payment, browser, cardPage } = await startPayment(payApp);
  const submitted = await browser.post(cardPage, CARD_FORM);
  assert.equal(submitted.statusCode, 303);
  // The browser's Back to the card page while the payment waits for confirmation: the confirm page again.
  const back = await browser.get(cardPage);
  assert.equal(back.statusCode, 303);
  assert.equal(back.headers.location, `${cardPage}/confirm`);
  const resent = await browser.post(cardPage, CARD_FORM);
  assert.equal(resent.statusCode, 303, 'the card form sent again is not taken again');
  assert.equal(resent.headers.location, `${cardPage}/confirm`);

  const confirmPage = await browser.get(`${cardPage}/confirm`);
  assert.equal(confirmPage.statusCode, 200);
  const confirmed = await browser.post(`${cardPage}/confirm`, {});
  assert.equal(confirmed.statusCode, 303);
  assert.equal(confirmed.headers.location, 'https://fishing.example.gov.uk/return/0001');
  for (const again of [await browser.post(`${cardPage}/confirm`, {}), await browser.get(`${cardPage}/confirm`), await browser.get(cardPage)]) {
    assert.equal(again.statusCode, 303);
    assert.equal(again.headers.location, 'https://fishing.example.gov.uk/return/0001');
  }
  await payApp.runJobs();
  const events = (await callApi(payApp.app, { method: 'GET', url: `/v1/payments/${payment.payment_id}/events`, key })).json();
  assert.deepEqual(
    events.events.map((event: { state: { status: string } }) => event.state.status),
    ['created', 'started', 'submitted', 'success'],
    'confirmed once',
  );
  const entries = await payApp.services.payments.listLedgerEntries(payment.payment_id);
  assert.equal(entries.filter((entry) => entry.event_type === 'captured').length, 1, 'the money is taken once');

  // Cancelling, and a finished payment's link posted again: each answered with a redirect to a page.
  const other = await startPayment(payApp);
  const cancelled = await other.browser.post(`${other.cardPage}/cancel`, {});
  assert.equal(cancelled.statusCode, 303);
  const cancelledAgain = await other.browser.post(`${other.cardPage}/cancel`, {});
  assert.equal(cancelledAgain.statusCode, 303);
  assert.match((await other.browser.follow(cancelledAgain)).body, /Your payment has been cancelled/);
  const posted = await other.browser.post('/pay/secure', { chargeTokenId: other.payment._links.next_url_post.params.chargeTokenId }, { csrf: false });
  assert.equal(posted.statusCode, 303);
  assert.match((await other.browser.follow(posted)).body, /Your payment has been cancelled/);
});

test('every card field past its limit gets a field error that states the limit (English and Welsh); nothing reaches the provider', async (t) => {
  const payApp = await startPayApp(t);
  const { key, payment, browser, cardPage } = await startPayment(payApp);
  const cases: Array<[Record<string, string>, string, string]> = [
    [{ cardNo: '4'.repeat(20) }, 'card-no', 'The card number must be 19 digits or fewer'],
    [{ cardholderName: 'N'.repeat(6000) }, 'cardholder-name', 'The name must be 255 characters or fewer'],
    [{ addressLine1: 'L'.repeat(256) }, 'address-line-1', 'Address line 1 must be 255 characters or fewer'],
    [{ addressLine2: 'L'.repeat(256) }, 'address-line-2', 'Address line 2 must be 255 characters or fewer'],
    [{ addressCity: 'C'.repeat(256) }, 'address-city', 'The town or city must be 255 characters or fewer'],
    [{ addressPostcode: 'P'.repeat(26), addressCountry: 'FR' }, 'address-postcode', 'The postcode must be 25 characters or fewer'],
    [{ email: `${'e'.repeat(250)}@example.com` }, 'email', 'The email address must be 254 characters or fewer'],
    [{ cvc: '12345' }, 'cvc', 'Enter a valid card security code: 3 digits, or 4 for American Express'],
    [{ expiryMonth: '1'.repeat(100) }, 'expiry-month', 'Enter a real expiry date, with a month from 1 to 12 and a year'],
  ];
  for (const [change, id, message] of cases) {
    const response = await browser.post(cardPage, { ...CARD_FORM, ...change });
    assert.equal(response.statusCode, 400, JSON.stringify(change).slice(0, 60));
    assert.ok(response.body.includes(`<a href="#${id}">${message}</a>`), `summary: ${message}`);
    assert.match(response.body, new RegExp(`govuk-error-message">\\s*<span class="govuk-visually-hidden">Error:</span> ${message.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`));
  }
  browser.cookies.set('civitas_lang', 'cy');
  const welsh = await browser.post(cardPage, { ...CARD_FORM, addressPostcode: 'P'.repeat(26), addressCountry: 'FR' });
  assert.match(welsh.body, /Rhaid i&#39;r cod post fod yn 25 o nodau neu lai|Rhaid i'r cod post fod yn 25 o nodau neu lai/);
  const after = (await callApi(payApp.app, { method: 'GET', url: `/v1/payments/${payment.payment_id}`, key })).json();
  assert.equal(after.state.status, 'started', 'no card was sent to the provider');
  assert.equal((await browser.post(cardPage, CARD_FORM)).statusCode, 303, 'and the payment can still be paid');
});
