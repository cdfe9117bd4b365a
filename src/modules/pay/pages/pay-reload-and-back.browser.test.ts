import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import type { Page } from 'playwright-core';
import type { CivitasModule } from '../../../platform/module.ts';
import { expectNoAccessibilityViolations, expectNoPageProblems, launchBrowser, openPage, startTestServer } from '../../../testing/browser.ts';
import { createPayModule } from '../pay.module.ts';
import { payServicesOf } from '../pay-services.ts';
import { createAccountWithKey } from '../testing/pay-test-support.ts';

/**
 * Post/redirect/get on the payment pages, in headless Chromium: the browser's Back and Reload
 * on the card page, the confirm page and the service's page after it never resubmit a form
 * (no "Confirm form resubmission", no second POST), never show an error, and take the money once.
 */

const browser = await launchBrowser(after);

const serviceModule: CivitasModule = {
  name: 'test-service',
  async plugin(app) {
    app.get('/test-service/return', async (_request, reply) =>
      reply.type('text/html; charset=utf-8').send('<!DOCTYPE html><html lang="en"><title>Back at the service</title><link rel="icon" href="data:,"><h1>Thank you</h1></html>'),
    );
  },
};

/** Every form POST the page makes (a navigation), and every dialog it opens. */
function watch(page: Page) {
  const posts: string[] = [];
  const dialogs: string[] = [];
  page.on('request', (request) => {
    if (request.isNavigationRequest() && request.method() === 'POST') posts.push(new URL(request.url()).pathname);
  });
  page.on('dialog', (dialog) => {
    dialogs.push(dialog.message());
    void dialog.dismiss();
  });
  return { posts, dialogs };
}

test('Back and Reload on the card page, the confirm page and after it: nothing is sent again, the payment is taken once', async (t) => {
  const { baseUrl, kernel } = await startTestServer(t, { modules: [createPayModule(), serviceModule] });
  const services = payServicesOf(kernel);
  const { key } = await createAccountWithKey(services);
  const created = await fetch(`${baseUrl}/v1/payments`, {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: JSON.stringify({ amount: 1250, reference: 'PRG-1', description: 'Rod licence', return_url: `${baseUrl}/test-service/return` }),
  });
  const payment = (await created.json()) as { payment_id: string; _links: { next_url: { href: string } } };
  const cardPage = `${baseUrl}/pay/card-details/${payment.payment_id}`;
  const { page, problems } = await openPage(t, browser);
  const seen = watch(page);

  await page.goto(`${baseUrl}${new URL(payment._links.next_url.href).pathname}`);
  await page.waitForURL(new RegExp(`/pay/card-details/${payment.payment_id}`));
  await page.reload();
  assert.match(await page.title(), /^Enter card details/);
  // The sandbox's test cards, opened: accessible too.
  await page.locator('#test-cards summary').click();
  assert.ok(await page.getByRole('cell', { name: '4000 0000 0000 0002' }).isVisible());
  await expectNoAccessibilityViolations(page);

  await page.fill('#card-no', '4242424242424242');
  await page.fill('#expiry-month', '09');
  await page.fill('#expiry-year', '2031');
  await page.fill('#cardholder-name', 'Mari Evans');
  await page.fill('#cvc', '123');
  await page.fill('#address-line-1', '7 Stryd y Castell');
  await page.fill('#address-city', 'Abertawe');
  await page.fill('#address-postcode', 'SA1 1AA');
  await page.fill('#email', 'mari@example.com');
  await page.getByRole('button', { name: 'Continue' }).click();
  await page.waitForURL(`${cardPage}/confirm`);
  assert.deepEqual(seen.posts, [`/pay/card-details/${payment.payment_id}`]);

  // Reload the confirm page, go Back to the card page (the payment waits for confirmation, so
  // the confirm page again), and Forward: each a GET.
  await page.reload();
  assert.match(await page.title(), /^Confirm your payment/);
  await page.goBack();
  await page.waitForURL(`${cardPage}/confirm`);
  assert.match(await page.title(), /^Confirm your payment/);
  assert.equal(seen.posts.length, 1, 'Back sent nothing again');

  await page.getByRole('button', { name: 'Confirm payment' }).click();
  await page.waitForURL(`${baseUrl}/test-service/return`);
  assert.equal(seen.posts.length, 2);
  await page.reload();
  assert.equal(await page.title(), 'Back at the service');
  // Back from the service's page: the confirm page's address, which now sends the browser on to the service.
  await page.goBack();
  await page.waitForURL(`${baseUrl}/test-service/return`);
  assert.equal(await page.title(), 'Back at the service');
  assert.deepEqual(seen.posts, [`/pay/card-details/${payment.payment_id}`, `/pay/card-details/${payment.payment_id}/confirm`], 'no form was sent again');
  assert.deepEqual(seen.dialogs, [], 'no "Confirm form resubmission"');
  expectNoPageProblems(problems);

  const state = (await (await fetch(`${baseUrl}/v1/payments/${payment.payment_id}`, { headers: { authorization: `Bearer ${key}` } })).json()) as {
    state: { status: string };
  };
  assert.equal(state.state.status, 'success');
  const entries = await services.payments.listLedgerEntries(payment.payment_id);
  assert.equal(entries.filter((entry) => entry.event_type === 'capture_submitted').length, 1, 'confirmed once');
});
