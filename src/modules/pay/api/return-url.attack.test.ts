import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  callApi,
  CARD_FORM,
  createAccountWithKey,
  createInjectBrowser,
  createPaymentByApi,
  openNextUrl,
  PAYMENT_REQUEST,
  startPayApp,
  type PayTestApp,
} from '../testing/pay-test-support.ts';

/** Pays a payment on the payment pages up to the confirm page and confirms it; answers the confirm's response. */
async function payAndConfirm(payApp: PayTestApp, payment: { _links: { next_url: { href: string } } }, card = CARD_FORM) {
  const browser = createInjectBrowser(payApp.app);
  const cardPage = await openNextUrl(browser, payment._links.next_url.href);
  const submitted = await browser.post(cardPage, card);
  assert.equal(submitted.headers.location, `${cardPage}/confirm`);
  await browser.get(`${cardPage}/confirm`);
  return { browser, cardPage, confirmed: await browser.post(`${cardPage}/confirm`, {}) };
}

async function overwriteReturnUrl(payApp: PayTestApp, paymentId: string, returnUrl: string): Promise<void> {
  await payApp.kernel.db
    .withTables<{ pay_payment: { id: string; return_url: string } }>()
    .updateTable('pay_payment')
    .set({ return_url: returnUrl })
    .where('id', '=', paymentId)
    .execute();
}

test('a return_url with a query in Welsh is accepted, kept as sent, and the paying user goes back to it percent-encoded', async (t) => {
  const payApp = await startPayApp(t);
  const { key } = await createAccountWithKey(payApp.services);
  const returnUrl = 'https://fishing.example.gov.uk/return?enw=Siân&cam=2';
  const payment = await createPaymentByApi(payApp.app, key, { return_url: returnUrl });
  assert.equal(payment.return_url, returnUrl);
  const { confirmed } = await payAndConfirm(payApp, payment);
  assert.equal(confirmed.statusCode, 303);
  assert.equal(confirmed.headers.location, 'https://fishing.example.gov.uk/return?enw=Si%C3%A2n&cam=2');
});

test('a return_url holding a control, whitespace or invisible character is refused at creation with Pay\'s 422 P0102, and no payment is made', async (t) => {
  const payApp = await startPayApp(t);
  const { key } = await createAccountWithKey(payApp.services);
  const attempts = [
    'https://fishing.example.gov.uk/return\r\nSet-Cookie: session=stolen',
    'https://fishing.example.gov.uk/return\nx',
    'https://fishing.example.gov.uk/return\rx',
    'https://fishing.example.gov.uk/return\u2028x',
    'https://fishing.example.gov.uk/return\u2029x',
    'https://fishing.example.gov.uk/return\tx',
    'https://fishing.example.gov.uk/re turn',
    'https://fishing.example.gov.uk/return?a=\u00a0',
    'https://fishing.example.gov.uk/return\u0001',
    'https://fishing.example.gov.uk/return\u007f',
    'https://fishing.example.gov.uk/return\u0085',
    'https://fishing.example.gov.uk/return#\u0008',
    'https://fishing.example.gov.uk/\u202egnp.exe',
    'https://fishing\u200b.example.gov.uk/return',
    'https://fishing.example.gov.uk/return\ufeff',
    ' https://fishing.example.gov.uk/return',
    'https://fishing.example.gov.uk/return\u3000',
    // No authority after the scheme, which the URL standard would guess and Pay's validator refuses.
    'https:fishing.example.gov.uk/return',
    'https:///fishing.example.gov.uk/return',
    'ftp://fishing.example.gov.uk/return',
    // What Pay's validator (java.net.URI, then Commons' path and user information) refuses.
    'https://fishing.example.gov.uk/return"onmouseover="x',
    'https://fishing.example.gov.uk/<script>',
    'https://fishing.example.gov.uk/return?a=<b>',
    'https://fishing.example.gov.uk/dychwelyd/â',
    'https://fishing.example.gov.uk/return/€',
    'https://fishing.example.gov.uk/{id}',
    'https://fishing.example.gov.uk/a|b',
    'https://fishing.example.gov.uk/a\\b',
    'https://fishing.example.gov.uk/a^b',
    'https://fishing.example.gov.uk/a`b',
    'https://fishing.example.gov.uk/100%',
    'https://fishing.example.gov.uk/[x]',
    'https://fishing.example.gov.uk/../../etc',
    'https://a@b@fishing.example.gov.uk/return',
    'https://us"er@fishing.example.gov.uk/return',
    'https://üser@fishing.example.gov.uk/return',
  ];
  for (const returnUrl of attempts) {
    const response = await callApi(payApp.app, { method: 'POST', url: '/v1/payments', key, body: { ...PAYMENT_REQUEST, return_url: returnUrl } });
    assert.equal(response.statusCode, 422, JSON.stringify(returnUrl));
    assert.deepEqual(response.json(), {
      code: 'P0102',
      field: 'return_url',
      description: 'Invalid attribute value: return_url. Must be a valid URL format',
    });
  }
  const tooLong = `https://fishing.example.gov.uk/${'a'.repeat(2000 - 31 + 1)}`;
  const long = await callApi(payApp.app, { method: 'POST', url: '/v1/payments', key, body: { ...PAYMENT_REQUEST, return_url: tooLong } });
  assert.equal(long.statusCode, 422);
  assert.deepEqual(long.json(), {
    code: 'P0102',
    field: 'return_url',
    description: 'Invalid attribute value: return_url. Must be less than or equal to 2000 characters length',
  });
  const search = await callApi(payApp.app, { method: 'GET', url: '/v1/payments', key });
  assert.equal(search.json().total, 0);
});

test('a stored return_url no header could carry never fails the confirm step: the paying user is sent to its safe form, or shown that the payment was received', async (t) => {
  const payApp = await startPayApp(t);
  const { key } = await createAccountWithKey(payApp.services);

  // Stored before creation checked it: the URL standard drops CR and LF, and encodes the rest.
  const first = await createPaymentByApi(payApp.app, key);
  await overwriteReturnUrl(payApp, first.payment_id, 'https://fishing.example.gov.uk/return\r\nSet-Cookie: a=b\u2028€#\u0001x');
  const { confirmed, browser, cardPage } = await payAndConfirm(payApp, first);
  assert.equal(confirmed.statusCode, 303, confirmed.body);
  assert.equal(confirmed.headers.location, 'https://fishing.example.gov.uk/returnSet-Cookie:%20a=b%E2%80%A8%E2%82%AC#%01x');
  assert.equal(confirmed.headers['set-cookie'], undefined);
  const paid = (await callApi(payApp.app, { method: 'GET', url: `/v1/payments/${first.payment_id}`, key })).json();
  assert.deepEqual(paid.state, { status: 'success', finished: true });
  assert.equal((await browser.get(cardPage)).headers.location, confirmed.headers.location);

  // Not an address a browser may be sent to at all: a page says the payment was received.
  const second = await createPaymentByApi(payApp.app, key);
  await overwriteReturnUrl(payApp, second.payment_id, 'javascript:alert(1)');
  const secondPaid = await payAndConfirm(payApp, second);
  assert.equal(secondPaid.confirmed.statusCode, 303, 'post/redirect/get: the page is shown at the card details address');
  assert.equal(secondPaid.confirmed.headers.location, secondPaid.cardPage);
  for (const page of [await secondPaid.browser.follow(secondPaid.confirmed), await secondPaid.browser.get(secondPaid.cardPage)]) {
    assert.equal(page.statusCode, 200);
    assert.match(page.body, /Your payment has been received/);
    assert.doesNotMatch(page.body, /javascript:/);
  }

  // A declined payment's page links back to the service only through a safe address.
  const third = await createPaymentByApi(payApp.app, key);
  await overwriteReturnUrl(payApp, third.payment_id, 'javascript:alert(1)');
  const browser3 = createInjectBrowser(payApp.app);
  const cardPage3 = await openNextUrl(browser3, third._links.next_url.href);
  const declined = await browser3.post(cardPage3, { ...CARD_FORM, cardNo: '4000000000000002' });
  const declinedPage = declined.statusCode === 303 ? await browser3.get(declined.headers.location as string) : declined;
  assert.match(declinedPage.body, /declined/);
  assert.doesNotMatch(declinedPage.body, /javascript:/);
});

test('user information (user:password@), a query or fragment in Welsh, escapes and IP addresses are accepted, as Pay accepts them', async (t) => {
  const payApp = await startPayApp(t);
  const { key } = await createAccountWithKey(payApp.services);
  for (const returnUrl of [
    'https://user:p%40ss@fishing.example.gov.uk/return',
    'https://user@fishing.example.gov.uk/return',
    'https://fishing.example.gov.uk/return#adran-â',
    'https://fishing.example.gov.uk/dychwelyd%C3%A2/a//b;c=d/(e)/~f/*g*',
    'https://fishing.example.gov.uk',
    'https://fishing.example.gov.uk/a/../b',
    'https://192.0.2.1:8443/return',
    'https://[2001:db8::1]/return',
  ]) {
    const response = await callApi(payApp.app, { method: 'POST', url: '/v1/payments', key, body: { ...PAYMENT_REQUEST, return_url: returnUrl } });
    assert.equal(response.statusCode, 201, `${returnUrl}: ${response.body}`);
    assert.equal(response.json().return_url, returnUrl);
  }
});

test('the return_url\'s host is checked as pay-publicapi checks it: a top-level domain that exists, a local name, or an IP address', async (t) => {
  const payApp = await startPayApp(t);
  const { key } = await createAccountWithKey(payApp.services);
  const create = (returnUrl: string) => callApi(payApp.app, { method: 'POST', url: '/v1/payments', key, body: { ...PAYMENT_REQUEST, return_url: returnUrl } });
  for (const returnUrl of [
    'https://shop.co.uk/return',
    'https://SHOP.Example.COM/return',
    'https://example.com./return',
    'https://a.blogspot.com/return',
    'https://пример.рф/return',
    'https://xn--e1afmkfd.xn--p1ai/return',
    'https://localhost:3000/return',
    'https://myhost/return',
    'https://payments.service.internal/return',
    'https://machine.localdomain/return',
    `https://${'a'.repeat(63)}.com/return`,
  ]) {
    const response = await create(returnUrl);
    assert.equal(response.statusCode, 201, `${returnUrl}: ${response.body}`);
  }
  for (const returnUrl of [
    'https://fishing.example.notatld/return',
    'https://printer.local/return',
    'https://fishing.example.test/return',
    'https://fishing.example.123/return',
    'https://1.2.3/return',
    'https://256.1.1.1/return',
    'https://01.2.3.4/return',
    'https://-fishing.example.com/return',
    'https://fishing-.example.com/return',
    'https://fish_ing.example.com/return',
    'https://a..com/return',
    `https://${'a'.repeat(64)}.com/return`,
    `https://${`${'a'.repeat(62)}.`.repeat(4)}com/return`,
  ]) {
    const response = await create(returnUrl);
    assert.equal(response.statusCode, 422, returnUrl);
    assert.deepEqual(response.json(), { field: 'return_url', code: 'P0102', description: 'Invalid attribute value: return_url. Must be a valid URL format' });
  }
});
