import assert from 'node:assert/strict';
import { after, test, type TestContext } from 'node:test';
import type { Page } from 'playwright-core';
import {
  expectNoAccessibilityViolations,
  expectNoPageProblems,
  launchBrowser,
  openPage,
  type PageProblems,
} from '../../src/testing/browser.ts';
import { createSecurityMethodChanges } from '../../src/modules/identity/account/security-method-changes.ts';
import { createThrottle, THROTTLE_RULES } from '../../src/modules/identity/security/throttle.ts';
import { createTestAccount, readLatestMessage, registerTestClient, startIdentityServer } from '../../src/modules/identity/testing/identity-test-kit.ts';

const browser = await launchBrowser({ after });

async function check(page: Page, problems: PageProblems, lang: 'en' | 'cy') {
  assert.equal(await page.locator('html').getAttribute('lang'), lang, page.url());
  await expectNoAccessibilityViolations(page);
  expectNoPageProblems(problems);
}

/** Every One Login page a journey test does not already walk through, checked by axe. */
async function checkEveryPage(t: TestContext, lang: 'en' | 'cy') {
  const { kernel, baseUrl } = await startIdentityServer(t);
  const account = await createTestAccount(kernel);
  const rp = await registerTestClient(kernel);
  const { page, problems } = await openPage(t, browser);
  const text =
    lang === 'en'
      ? { continue: 'Continue', phoneAdded: 'You can now get security codes by text message' }
      : { continue: 'Parhau', phoneAdded: 'Gallwch nawr gael codau diogelwch mewn neges destun' };

  // The sign-in journey's side pages.
  const authorize = new URL('/authorize', baseUrl);
  authorize.search = new URLSearchParams({ response_type: 'code', client_id: rp.clientId, redirect_uri: rp.redirectUri, scope: 'openid', state: 's', nonce: 'n', ui_locales: lang }).toString();
  await page.goto(authorize.toString());
  await page.waitForURL(/\/sign-in\/[^/?]+(\?lang=cy)?$/);
  const start = page.url().split('?')[0] as string;
  for (const path of ['/email', '/create/email']) {
    await page.goto(`${start}${path}`);
    await check(page, problems, lang);
  }
  await page.goto(`${start}/email`);
  await page.locator('#email').fill(account.email);
  await page.getByRole('button', { name: text.continue }).click();
  await page.waitForURL(/\/password$/);
  await check(page, problems, lang);
  await page.locator('#password').fill('wrong password');
  await page.getByRole('button', { name: text.continue }).click();
  await page.waitForSelector('.govuk-error-summary');
  await check(page, problems, lang);
  await page.goto(`${start}/reset-password`);
  await page.waitForURL(/\/reset-password$/);
  await check(page, problems, lang);

  // After many wrong passwords for an account from anywhere: an emailed code before the password.
  const guessedAt = await createTestAccount(kernel, 'gareth@example.com');
  const throttle = createThrottle({ db: kernel.db });
  for (let failure = 0; failure < THROTTLE_RULES.passwordAcrossAddresses.maxFailures; failure += 1) {
    await throttle.attempt(`password-across:${guessedAt.id}`, THROTTLE_RULES.passwordAcrossAddresses);
  }
  await page.goto(`${start}/email`);
  await page.locator('#email').fill(guessedAt.email);
  await page.getByRole('button', { name: text.continue }).click();
  await page.locator('#password').fill(guessedAt.password);
  await page.getByRole('button', { name: text.continue }).click();
  await page.waitForURL(/\/password\/check-email$/);
  await check(page, problems, lang);
  await page.getByRole('button', { name: text.continue }).click();
  await page.waitForSelector('.govuk-error-summary');
  await check(page, problems, lang);

  // Choosing another way to get the security code, with its error.
  const withPhone = await createTestAccount(kernel, 'gwen@example.com');
  await createSecurityMethodChanges().addTextMessage(kernel.db, { accountId: withPhone.id, phoneNumber: '+447700900555' });
  await page.goto(`${start}/email`);
  await page.locator('#email').fill(withPhone.email);
  await page.getByRole('button', { name: text.continue }).click();
  await page.locator('#password').fill(withPhone.password);
  await page.getByRole('button', { name: text.continue }).click();
  await page.waitForURL(/\/security-code$/);
  await page.locator('a[href$="/security-code-method"]').click();
  await page.waitForURL(/\/security-code-method$/);
  await check(page, problems, lang);
  await page.getByRole('button', { name: text.continue }).click();
  await page.waitForSelector('.govuk-error-summary');
  await check(page, problems, lang);
  await page.locator('input[value="sms"]').check();
  await page.getByRole('button', { name: text.continue }).click();
  await page.waitForURL(/\/text-message$/);
  await check(page, problems, lang);
  await page.locator('a[href$="/text-message/send-again"]').click();
  await page.waitForURL(/\/text-message\/send-again$/);
  await check(page, problems, lang);
  await page.goto(`${start}/recover`);
  await page.waitForURL(/\/recover$/);
  await check(page, problems, lang);

  // The account pages, signed in through the provider.
  await page.goto(`${baseUrl}/account?lang=${lang}`);
  await page.waitForURL(/\/sign-in\//);
  await page.goto(`${page.url().split('?')[0]}/email`);
  await page.locator('#email').fill(account.email);
  await page.getByRole('button', { name: text.continue }).click();
  await page.locator('#password').fill(account.password);
  await page.getByRole('button', { name: text.continue }).click();
  await page.locator('#code').fill(await account.nextCode());
  await page.getByRole('button', { name: text.continue }).click();
  await page.waitForURL(`${baseUrl}/account`);
  for (const path of ['', '/activity', '/report-activity', '/change-password', '/change-email', '/security-methods', '/add-authenticator-app', '/add-text-message', '/add-passkey', '/confirm-password', '/sign-out-everywhere', '/sign-out', '/delete']) {
    await page.goto(`${baseUrl}/account${path}`);
    await check(page, problems, lang);
  }
  await page.goto(`${baseUrl}/account/change-password`);
  await page.getByRole('button').filter({ hasText: lang === 'en' ? 'Change password' : 'Newid cyfrinair' }).click();
  await page.waitForSelector('.govuk-error-summary');
  await check(page, problems, lang);

  // Adding a phone number, with its errors, then changing it.
  await page.goto(`${baseUrl}/account/add-text-message`);
  await page.getByRole('button', { name: text.continue }).click();
  await page.waitForSelector('.govuk-error-summary');
  await check(page, problems, lang);
  await page.locator('#phone').fill('07700 900 982');
  await page.getByRole('button', { name: text.continue }).click();
  await page.waitForURL(`${baseUrl}/account/check-phone`);
  await check(page, problems, lang);
  const code = /(\d{6})/.exec((await readLatestMessage(kernel, '+447700900982'))?.text ?? '')?.[1] as string;
  await page.locator('#code').fill(code === '000000' ? '111111' : '000000');
  await page.getByRole('button', { name: text.continue }).click();
  await page.waitForSelector('.govuk-error-summary');
  await check(page, problems, lang);
  await page.locator('#code').fill(code);
  await page.getByRole('button', { name: text.continue }).click();
  await page.getByRole('heading', { name: text.phoneAdded }).waitFor();
  await check(page, problems, lang);
  for (const path of ['/change-phone-number', '/security-methods']) {
    await page.goto(`${baseUrl}/account${path}`);
    await check(page, problems, lang);
  }
}

test('every other One Login page passes axe, in English', async (t) => {
  await checkEveryPage(t, 'en');
});

test('every other One Login page passes axe, in Welsh', async (t) => {
  await checkEveryPage(t, 'cy');
});
