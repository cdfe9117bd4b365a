import assert from 'node:assert/strict';
import { after, test, type TestContext } from 'node:test';
import type { Page } from 'playwright-core';
import type { Locale } from '../../../platform/http/i18n.ts';
import type { CivitasModule } from '../../../platform/module.ts';
import {
  clickToNextPage,
  type PageProblems,
  expectNoAccessibilityViolations,
  expectNoPageProblems,
  launchBrowser,
  openPage,
  startTestServer,
} from '../../../testing/browser.ts';
import { createPayModule } from '../pay.module.ts';
import { payServicesOf, type PayServices } from '../pay-services.ts';
import { createAccountWithKey, createTestClock, type TestClock } from '../testing/pay-test-support.ts';
import { modules as appModules } from '../../../app.ts';
import { createConsoleTeam, signInConsoleMember } from '../../console/teams/console-teams-testing.contract.ts';

/**
 * The whole payment journey, and every Pay page, in headless Chromium under the real
 * Content-Security-Policy, in English and Welsh: axe finds no WCAG 2.2 AA violation, and
 * nothing on the page fails to load or run.
 */

const browser = await launchBrowser(after);

/** The service's own page that the paying user comes back to. */
const serviceModule: CivitasModule = {
  name: 'test-service',
  async plugin(app) {
    app.get('/test-service/return/:reference', async (request, reply) =>
      reply
        .type('text/html; charset=utf-8')
        .send(`<!DOCTYPE html><html lang="en"><title>Back at the service</title><link rel="icon" href="data:,"><h1>Thank you: ${(request.params as { reference: string }).reference.replace(/\W/g, '')}</h1></html>`),
    );
  },
};

/** Pay and a relying service; `withConsole`, every module too (the team pages are signed in to through the console). */
async function startServer(t: TestContext, clock?: TestClock, options: { withConsole?: boolean } = {}) {
  const pay = createPayModule({ clock: clock?.now });
  const modules = options.withConsole ? [...appModules.map((module) => (module.name === 'pay' ? pay : module)), serviceModule] : [pay, serviceModule];
  const started = await startTestServer(t, { modules });
  const { kernel } = started;
  const services = payServicesOf(kernel, { clock: clock?.now });
  return { ...started, services };
}

async function createPayment(baseUrl: string, key: string, body: Record<string, unknown> = {}) {
  const response = await fetch(`${baseUrl}/v1/payments`, {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: JSON.stringify({
      amount: 2599,
      reference: 'BOAT-42',
      description: 'Boat licence',
      return_url: `${baseUrl}/test-service/return/BOAT-42`,
      ...body,
    }),
  });
  assert.equal(response.status, 201);
  const payment = (await response.json()) as { payment_id: string; _links: { next_url: { href: string } } };
  // Links are built from BASE_URL; the test server listens on a port of its own.
  payment._links.next_url.href = `${baseUrl}${new URL(payment._links.next_url.href).pathname}`;
  return payment;
}

async function getPayment(baseUrl: string, key: string, id: string) {
  const response = await fetch(`${baseUrl}/v1/payments/${id}`, { headers: { authorization: `Bearer ${key}` } });
  return (await response.json()) as { state: { status: string; code?: string }; card_details?: { last_digits_card_number: string } };
}

/**
 * Forms answer 400 when they have errors to show, and a payment link used elsewhere 403:
 * Chromium logs those as failed loads of the page itself, which is what the test asked for.
 */
function expectNoProblems(problems: PageProblems): void {
  const expected = /^Failed to load resource: the server responded with a status of (400 \(Bad Request\)|403 \(Forbidden\)) \(http:\/\/127\.0\.0\.1:\d+\/(console\/)?pay\//;
  expectNoPageProblems({ ...problems, consoleErrors: problems.consoleErrors.filter((text) => !expected.test(text)) });
}

/** The checks every Pay page passes. */
async function expectAccessiblePage(page: Page, locale: Locale, title: RegExp): Promise<void> {
  assert.equal(await page.locator('html').getAttribute('lang'), locale, `<html lang> on ${page.url()}`);
  assert.match(await page.title(), title, `title of ${page.url()}`);
  await expectNoAccessibilityViolations(page);
}

async function fillCardDetails(page: Page, cardNumber: string): Promise<void> {
  await page.fill('#card-no', cardNumber);
  await page.fill('#expiry-month', '09');
  await page.fill('#expiry-year', '2031');
  await page.fill('#cardholder-name', 'Mari Evans');
  await page.fill('#cvc', '123');
  await page.fill('#address-line-1', '7 Stryd y Castell');
  await page.fill('#address-city', 'Abertawe');
  await page.fill('#address-postcode', 'SA1 1AA');
  await page.fill('#email', 'mari@example.com');
}

const TEXT = {
  en: {
    card: /^Enter card details/,
    cardError: /^Error: Enter card details/,
    continue: 'Continue',
    confirm: /^Confirm your payment/,
    confirmButton: 'Confirm payment',
    threeDs: /^Confirm it is you/,
    threeDsError: /^Error: Confirm it is you/,
    approve: 'It is me: approve the payment',
    declined: /^Your payment has been declined/,
    cancelled: /^Your payment has been cancelled/,
    cancel: 'Cancel payment',
    expired: /^Your payment session has expired/,
    sessionEnded: /^Your payment session has ended/,
    error: /^Sorry, we could not take your payment/,
  },
  cy: {
    card: /^Rhowch fanylion y cerdyn/,
    cardError: /^Gwall: Rhowch fanylion y cerdyn/,
    continue: 'Parhau',
    confirm: /^Cadarnhewch eich taliad/,
    confirmButton: "Cadarnhau'r taliad",
    threeDs: /^Cadarnhewch mai chi sydd yno/,
    threeDsError: /^Gwall: Cadarnhewch mai chi sydd yno/,
    approve: "Fi sydd yno: cymeradwyo'r taliad",
    declined: /^Mae eich taliad wedi cael ei wrthod/,
    cancelled: /^Mae eich taliad wedi cael ei ganslo/,
    cancel: "Canslo'r taliad",
    expired: /^Mae eich sesiwn talu wedi dod i ben/,
    sessionEnded: /^Mae eich sesiwn talu wedi dod i ben/,
    error: /^Mae'n ddrwg gennym, ni allem gymryd eich taliad/,
  },
} as const;

for (const locale of ['en', 'cy'] as const) {
  const text = TEXT[locale];
  const language = locale === 'en' ? 'English' : 'Welsh';

  test(`the journey in ${language}: created by API, paid with a test card at next_url, back at return_url, and GET shows success`, async (t) => {
    const { baseUrl, services } = await startServer(t);
    const { key } = await createAccountWithKey(services);
    const payment = await createPayment(baseUrl, key, { language: locale });
    const { page, problems } = await openPage(t, browser);

    await page.goto(payment._links.next_url.href);
    await expectAccessiblePage(page, locale, text.card);
    await fillCardDetails(page, '4242 4242 4242 4242');
    await page.getByRole('button', { name: text.continue }).click();
    await page.waitForURL(`${baseUrl}/pay/card-details/${payment.payment_id}/confirm`);
    await expectAccessiblePage(page, locale, text.confirm);
    await page.getByRole('button', { name: text.confirmButton }).click();
    await page.waitForURL(`${baseUrl}/test-service/return/BOAT-42`);
    assert.equal(await page.locator('h1').textContent(), 'Thank you: BOAT42');
    expectNoProblems(problems);

    const paid = await getPayment(baseUrl, key, payment.payment_id);
    assert.equal(paid.state.status, 'success');
    assert.equal(paid.card_details?.last_digits_card_number, '4242');
  });

  test(`every payment page in ${language} is accessible: errors, 3-D Secure, declined, error, cancelled, expired, session ended`, async (t) => {
    const clock = createTestClock(new Date());
    const { baseUrl, services } = await startServer(t, clock);
    const { key } = await createAccountWithKey(services);
    const { page, problems } = await openPage(t, browser);

    // Errors on the card form, then 3-D Secure, its error, and the confirm page after it.
    const threeDs = await createPayment(baseUrl, key, { language: locale });
    await page.goto(threeDs._links.next_url.href);
    await clickToNextPage(page, page.getByRole('button', { name: text.continue }));
    await expectAccessiblePage(page, locale, text.cardError);
    assert.ok((await page.locator('.govuk-error-summary').count()) === 1, 'an error summary');
    await fillCardDetails(page, '4000002500003155');
    await page.getByRole('button', { name: text.continue }).click();
    await page.waitForURL(/\/3ds$/);
    await expectAccessiblePage(page, locale, text.threeDs);
    await clickToNextPage(page, page.getByRole('button', { name: text.continue }));
    await expectAccessiblePage(page, locale, text.threeDsError);
    await page.getByLabel(text.approve).check();
    await page.getByRole('button', { name: text.continue }).click();
    await page.waitForURL(/\/confirm$/);
    await expectAccessiblePage(page, locale, text.confirm);

    for (const [cardNumber, title] of [['4000000000000002', text.declined], ['4000000000000119', text.error]] as const) {
      const payment = await createPayment(baseUrl, key, { language: locale });
      await page.goto(payment._links.next_url.href);
      await fillCardDetails(page, cardNumber);
      await clickToNextPage(page, page.getByRole('button', { name: text.continue }));
      await expectAccessiblePage(page, locale, title);
    }

    const cancelled = await createPayment(baseUrl, key, { language: locale });
    await page.goto(cancelled._links.next_url.href);
    await clickToNextPage(page, page.getByRole('button', { name: text.cancel }));
    await expectAccessiblePage(page, locale, text.cancelled);
    assert.equal((await getPayment(baseUrl, key, cancelled.payment_id)).state.code, 'P0030');

    const expiring = await createPayment(baseUrl, key, { language: locale });
    await page.goto(expiring._links.next_url.href);
    clock.advance(91 * 60 * 1000);
    await page.reload();
    await expectAccessiblePage(page, locale, text.expired);
    expectNoProblems(problems);

    // Another browser cannot use a link that was used.
    const stranger = await openPage(t, browser);
    const response = await stranger.page.goto(`${expiring._links.next_url.href}?lang=${locale}`);
    assert.equal(response?.status(), 403);
    await expectAccessiblePage(stranger.page, locale, text.sessionEnded);
    expectNoPageProblems(stranger.problems, { expectedDocumentStatus: 403 });
  });

  test(`every service team page in ${language} is accessible`, async (t) => {
    const { baseUrl, services, kernel, app } = await startServer(t, undefined, { withConsole: true });
    const { key, accountId } = await createAccountWithKey(services, { name: 'Boat licensing' });
    const payment = await createPayment(baseUrl, key);
    const { page, problems } = await openPage(t, browser);
    // Pay for it, so the detail page has card details and events.
    await page.goto(payment._links.next_url.href);
    await fillCardDetails(page, '4242424242424242');
    await page.getByRole('button', { name: 'Continue' }).click();
    await page.waitForURL(/\/confirm$/);
    await page.getByRole('button', { name: 'Confirm payment' }).click();
    await page.waitForURL(/test-service/);
    await services.webhooks.createWebhook({
      accountId: (await services.accounts.listAccounts())[0]!.id,
      live: false,
      url: 'http://127.0.0.1:9/events',
      description: 'Ledger',
      events: ['card_payment_succeeded', 'card_payment_captured'],
      actor: 'operator:test',
    });
    const { key: secondKey } = await createAccountWithKey(services, { name: 'Unused' });
    void secondKey;
    const second = await createPayment(baseUrl, key);
    await page.goto(second._links.next_url.href);
    await fillCardDetails(page, '4242424242424242');
    await page.getByRole('button', { name: 'Continue' }).click();
    await page.waitForURL(/\/confirm$/);
    await page.getByRole('button', { name: 'Confirm payment' }).click();
    await page.waitForURL(/test-service/);
    await kernel.createWorker().runUntilIdle();

    const team = await openPage(t, browser);
    const teamPage = team.page;
    const titles = TEAM_TITLES[locale];
    await teamPage.goto(`${baseUrl}/pay?lang=${locale}`);
    await expectAccessiblePage(teamPage, locale, titles.start);
    const consoleTeam = await createConsoleTeam(app, { payAccountId: accountId });
    const member = await signInConsoleMember(app, { organisationId: consoleTeam.organisationId, role: 'developer' });
    await teamPage.context().addCookies([{ name: member.cookieName, value: member.cookieValue, url: baseUrl }]);
    const base = `${baseUrl}/console/pay/${accountId}/test`;
    await teamPage.goto(`${base}/transactions`);
    await expectAccessiblePage(teamPage, locale, titles.transactions);
    await teamPage.goto(`${base}/transactions?lastDigits=12`);
    await expectAccessiblePage(teamPage, locale, titles.transactionsError);

    await teamPage.goto(`${base}/transactions/${payment.payment_id}`);
    await expectAccessiblePage(teamPage, locale, titles.payment);
    await teamPage.getByRole('button', { name: titles.refundButton }).click();
    await teamPage.waitForURL(/\/refund$/);
    await expectAccessiblePage(teamPage, locale, titles.refund);
    await teamPage.getByLabel(titles.refundLabel).fill('100');
    await clickToNextPage(teamPage, teamPage.getByRole('button', { name: titles.continue }));
    await expectAccessiblePage(teamPage, locale, titles.refundError);
    await teamPage.getByLabel(titles.refundLabel).fill('5.99');
    await clickToNextPage(teamPage, teamPage.getByRole('button', { name: titles.continue }));
    await expectAccessiblePage(teamPage, locale, titles.refundConfirm);
    await teamPage.getByRole('button', { name: titles.refundConfirmButton }).click();
    await teamPage.waitForURL(/refunded=599/);
    await expectAccessiblePage(teamPage, locale, titles.payment);

    await teamPage.goto(`${base}/webhooks`);
    await expectAccessiblePage(teamPage, locale, titles.webhooks);
    await teamPage.goto(`${base}/webhooks/new`);
    await expectAccessiblePage(teamPage, locale, titles.newWebhook);
    await clickToNextPage(teamPage, teamPage.getByRole('button', { name: titles.addWebhook }));
    await expectAccessiblePage(teamPage, locale, titles.newWebhookError);
    await teamPage.goto(`${base}/webhooks`);
    await teamPage.locator('table a').first().click();
    await teamPage.waitForURL(/\/console\/pay\/[0-9a-v]+\/test\/webhooks\/[0-9a-v]+$/);
    await expectAccessiblePage(teamPage, locale, titles.webhook);
    await teamPage.locator('table a').first().click();
    await teamPage.waitForURL(/\/messages\//);
    await expectAccessiblePage(teamPage, locale, titles.message);
    assert.ok((await teamPage.locator(`a[href="${consoleTeam.servicePath}"]`).count()) >= 1, "a way back to the console's service page");
    expectNoProblems(problems);
    expectNoProblems(team.problems);
  });
}

const TEAM_TITLES = {
  en: {
    start: /^Pay - Pay/,
    transactions: /^Transactions - Civitas console/,
    transactionsError: /^Error: Transactions/,
    payment: /^Payment BOAT-42/,
    refundButton: 'Refund payment',
    refund: /^How much do you want to refund\?/,
    refundError: /^Error: How much do you want to refund\?/,
    refundLabel: 'How much do you want to refund?',
    continue: 'Continue',
    refundConfirm: /^Are you sure you want to refund £5\.99\?/,
    refundConfirmButton: 'Yes, refund £5.99',
    webhooks: /^Webhooks/,
    newWebhook: /^Add a webhook/,
    newWebhookError: /^Error: Add a webhook/,
    addWebhook: 'Add webhook',
    webhook: /^Webhook -/,
    message: /^Webhook message/,
  },
  cy: {
    start: /^Pay - Pay/,
    transactions: /^Trafodion - Consol Civitas/,
    transactionsError: /^Gwall: Trafodion/,
    payment: /^Taliad BOAT-42/,
    refundButton: "Ad-dalu'r taliad",
    refund: /^Faint ydych chi eisiau ei ad-dalu\?/,
    refundError: /^Gwall: Faint ydych chi eisiau ei ad-dalu\?/,
    refundLabel: 'Faint ydych chi eisiau ei ad-dalu?',
    continue: 'Parhau',
    refundConfirm: /^Ydych chi'n siŵr eich bod eisiau ad-dalu £5\.99\?/,
    refundConfirmButton: 'Ydw, ad-dalu £5.99',
    webhooks: /^Bachau gwe/,
    newWebhook: /^Ychwanegu bachyn gwe/,
    newWebhookError: /^Gwall: Ychwanegu bachyn gwe/,
    addWebhook: 'Ychwanegu bachyn gwe',
    webhook: /^Bachyn gwe -/,
    message: /^Neges bachyn gwe/,
  },
} as const;
