import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import {
  addVirtualAuthenticator,
  expectNoAccessibilityViolations,
  expectNoPageProblems,
  launchBrowser,
  openPage,
} from '../../src/testing/browser.ts';
import { readLatestMessage, startIdentityServer } from '../../src/modules/identity/testing/identity-test-kit.ts';

const browser = await launchBrowser({ after });

test('create a One Login with a passkey (a virtual authenticator), then sign in again with it', async (t) => {
  const { kernel, baseUrl } = await startIdentityServer(t, { hostName: 'localhost' });
  const { context, page, problems } = await openPage(t, browser);
  await addVirtualAuthenticator(context, page);

  await page.goto(`${baseUrl}/demo-service`);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('button', { name: 'Create your One Login' }).click();
  await page.locator('#email').fill('passkey.person@example.com');
  await page.getByRole('button', { name: 'Continue' }).click();
  const message = await readLatestMessage(kernel, 'passkey.person@example.com');
  await page.locator('#code').fill(/(\d{6})/.exec(message?.text ?? '')?.[1] ?? '');
  await page.getByRole('button', { name: 'Continue' }).click();
  await page.locator('#password').fill('a long memorable passphrase');
  await page.getByRole('button', { name: 'Continue' }).click();
  await page.getByLabel('A passkey').check();
  await page.getByRole('button', { name: 'Continue' }).click();

  await page.waitForURL(/\/create\/passkey$/);
  await expectNoAccessibilityViolations(page);
  expectNoPageProblems(problems);
  await page.getByRole('button', { name: 'Create a passkey' }).click();
  await page.waitForURL(`${baseUrl}/demo-service`);
  assert.match((await page.locator('main').textContent()) ?? '', /passkey\.person@example\.com/);

  // Sign out (one step: the service sends its ID token), then sign in again: email, password, then the passkey.
  await page.getByRole('button', { name: 'Sign out' }).click();
  await page.waitForURL(/signed-out/);
  await page.goto(`${baseUrl}/demo-service/sign-in`);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.locator('#email').fill('passkey.person@example.com');
  await page.getByRole('button', { name: 'Continue' }).click();
  await page.locator('#password').fill('a long memorable passphrase');
  await page.getByRole('button', { name: 'Continue' }).click();
  await page.waitForURL(/\/passkey$/);
  await expectNoAccessibilityViolations(page);
  await page.getByRole('button', { name: 'Use your passkey' }).click();
  await page.waitForURL(`${baseUrl}/demo-service`);
  assert.match((await page.locator('main').textContent()) ?? '', /Your password and a security code/);
  expectNoPageProblems(problems);
});
