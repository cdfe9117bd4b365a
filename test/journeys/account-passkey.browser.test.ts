import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import {
  addVirtualAuthenticator,
  expectNoAccessibilityViolations,
  expectNoPageProblems,
  launchBrowser,
  openPage,
} from '../../src/testing/browser.ts';
import { createTestAccount, readLatestMessage, startIdentityServer } from '../../src/modules/identity/testing/identity-test-kit.ts';

const browser = await launchBrowser({ after });

test('add a passkey from the account pages (a virtual authenticator), sign in with it beside the authenticator app, then alone', async (t) => {
  const { kernel, baseUrl } = await startIdentityServer(t, { hostName: 'localhost' });
  const account = await createTestAccount(kernel);
  const { context, page, problems } = await openPage(t, browser);
  await addVirtualAuthenticator(context, page);

  const signInToAccount = async () => {
    await page.goto(`${baseUrl}/account`);
    await page.waitForURL(/\/sign-in\//);
    await page.goto(`${page.url().split('?')[0]}/email`);
    await page.locator('#email').fill(account.email);
    await page.getByRole('button', { name: 'Continue' }).click();
    await page.locator('#password').fill(account.password);
    await page.getByRole('button', { name: 'Continue' }).click();
  };
  await signInToAccount();
  await page.locator('#code').fill(await account.nextCode());
  await page.getByRole('button', { name: 'Continue' }).click();
  await page.waitForURL(`${baseUrl}/account`);

  await page.getByRole('link', { name: 'Change How you get security codes' }).click();
  await page.getByRole('link', { name: 'Add a passkey' }).click();
  await page.waitForURL(`${baseUrl}/account/add-passkey`);
  assert.equal(await page.locator('#passkey-unsupported').isVisible(), false, 'this browser can make passkeys');
  await expectNoAccessibilityViolations(page);
  await page.getByRole('button', { name: 'Create a passkey' }).click();
  await page.getByRole('heading', { name: 'You have added a passkey' }).waitFor();
  expectNoPageProblems(problems);
  const notice = await readLatestMessage(kernel, account.email);
  assert.equal(notice?.subject, 'You added a way to get security codes');

  // Listed with its date. The authenticator app stays the first way at sign-in; the passkey is another.
  await page.getByRole('link', { name: 'Back to how you get security codes' }).click();
  const passkeyRow = page.locator('.govuk-summary-list__row', { hasText: 'Passkey' });
  assert.match((await passkeyRow.textContent()) ?? '', /Added \d{1,2} [A-Z][a-z]+ 20\d\d/);

  await context.clearCookies();
  await signInToAccount();
  await page.waitForURL(/\/security-code$/);
  await page.getByRole('link', { name: 'Use another way to get a security code' }).click();
  await page.waitForURL(/\/security-code-method$/);
  await page.getByRole('radio', { name: 'Passkey' }).check();
  await page.getByRole('button', { name: 'Continue' }).click();
  await page.waitForURL(/\/passkey$/);
  await page.getByRole('button', { name: 'Use your passkey' }).click();
  await page.waitForURL(`${baseUrl}/account`);
  expectNoPageProblems(problems);

  // With the authenticator app removed, the passkey is what signs in first.
  await page.goto(`${baseUrl}/account/security-methods`);
  await page.getByRole('link', { name: /^Remove Authenticator app/ }).click();
  await page.getByRole('button', { name: 'Yes, remove it' }).click();
  await page.waitForURL(`${baseUrl}/account/security-methods`);
  assert.match((await page.locator('.govuk-notification-banner').textContent()) ?? '', /You have removed/);
  assert.equal(await page.getByRole('link', { name: /^Remove/ }).count(), 0, 'the passkey is the last way left');

  await context.clearCookies();
  await signInToAccount();
  await page.waitForURL(/\/passkey$/);
  await page.getByRole('button', { name: 'Use your passkey' }).click();
  await page.waitForURL(`${baseUrl}/account`);
  assert.equal(await page.getByRole('heading', { level: 1 }).textContent(), 'Your One Login');
  expectNoPageProblems(problems);

  // A browser without WebAuthn is told so, rather than offered a button that cannot work.
  const withoutWebAuthn = await context.newPage();
  await withoutWebAuthn.addInitScript({ content: 'delete window.PublicKeyCredential;' });
  await withoutWebAuthn.goto(`${baseUrl}/account/add-passkey`);
  assert.equal(await withoutWebAuthn.locator('#passkey-unsupported').isVisible(), true);
  assert.match((await withoutWebAuthn.locator('#passkey-unsupported').textContent()) ?? '', /Your browser cannot create passkeys/);
  assert.equal(await withoutWebAuthn.getByRole('button', { name: 'Create a passkey' }).isDisabled(), true);
});
