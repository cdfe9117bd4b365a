import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import type { Page } from 'playwright-core';
import { expectNoAccessibilityViolations, expectNoPageProblems, launchBrowser, openPage } from '../../../testing/browser.ts';
import { createTestAccount, startIdentityServer } from '../testing/identity-test-kit.ts';

/**
 * Post/redirect/get on One Login's pages, in headless Chromium: Reload and Back after a form
 * never send it again (no "Confirm form resubmission", no second POST), and a code page gone
 * back to says in words why the code is not asked for again.
 */

const browser = await launchBrowser(after);

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

const heading = (page: Page) => page.locator('h1').first().innerText();

test('Reload and Back after changing the password and after the sign-in code: nothing is sent again, and the pages say what happened', async (t) => {
  const { kernel, baseUrl } = await startIdentityServer(t);
  const account = await createTestAccount(kernel);
  const { page, problems } = await openPage(t, browser);
  const seen = watch(page);

  // Signing in: the code page, then Back to it once signed in.
  await page.goto(`${baseUrl}/account`);
  await page.waitForURL(/\/sign-in\//);
  await page.goto(`${page.url().split('?')[0]}/email`);
  await page.locator('#email').fill(account.email);
  await page.getByRole('button', { name: 'Continue' }).click();
  await page.locator('#password').fill(account.password);
  await page.getByRole('button', { name: 'Continue' }).click();
  await page.waitForURL(/\/security-code$/);
  const codePage = page.url();
  await page.locator('#code').fill(await account.nextCode());
  await page.getByRole('button', { name: 'Continue' }).click();
  await page.waitForURL(`${baseUrl}/account`);
  await page.goBack();
  assert.equal(page.url(), codePage, 'Back returns to the code page');
  assert.equal(await heading(page), 'You have already signed in');
  assert.match(await page.locator('main').innerText(), /A security code works only once, so you do not need to enter it again/);
  await expectNoAccessibilityViolations(page);
  await page.goForward();
  await page.waitForURL(`${baseUrl}/account`);
  assert.equal(await heading(page), 'Your One Login');

  // Changing the password: the answer is a page of its own, which a reload shows again.
  await page.goto(`${baseUrl}/account/change-password`);
  await page.locator('#current-password').fill(account.password);
  await page.locator('#new-password').fill('a quite different passphrase');
  await page.getByRole('button', { name: 'Change password' }).click();
  await page.waitForURL(`${baseUrl}/account/change-password/done`);
  assert.equal(await heading(page), 'You have changed your password');
  const postsBefore = seen.posts.length;
  await page.reload();
  assert.equal(await heading(page), 'You have changed your password', 'not "Incorrect password"');
  assert.equal(seen.posts.length, postsBefore, 'the reload sent no form');
  await page.goBack();
  await page.waitForURL(`${baseUrl}/account/change-password`);
  assert.equal(await heading(page), 'Change your password');
  assert.equal(await page.locator('.govuk-error-summary').count(), 0);
  await page.goForward();
  assert.equal(await heading(page), 'You have changed your password');
  assert.equal(seen.posts.length, postsBefore, 'neither Back nor Forward sent a form');
  assert.deepEqual(seen.posts.filter((path) => path === '/account/change-password'), ['/account/change-password'], 'the password was sent once');
  assert.deepEqual(seen.dialogs, [], 'no "Confirm form resubmission"');
  expectNoPageProblems(problems, { expectedDocumentStatus: 400 });
});
