import assert from 'node:assert/strict';
import { test, type TestContext } from 'node:test';
import { createFormClient, pageHeading } from '../testing/form-client.ts';
import { createTestAccount, readLatestMessage } from '../testing/identity-test-kit.ts';
import { signInThroughPages, signInToAccountPages, startWithClock } from './account-pages.test-kit.ts';
import { SESSION_COOKIE } from './signed-in-page.ts';

const PAGES_NEEDING_A_RECENT_SIGN_IN = ['/account/add-authenticator-app', '/account/add-text-message', '/account/add-passkey', '/account/change-email'];

/**
 * One Login, and a browser whose owner signed in to the account pages (and so to the provider)
 * 20 minutes ago, and left it: the provider's session and the account pages' are both live.
 */
async function startWithBrowserLeftSignedIn(t: TestContext) {
  const { kernel, baseUrl, moveClock } = await startWithClock(t);
  const account = await createTestAccount(kernel);
  moveClock(-20);
  const browser = await signInToAccountPages(baseUrl, account);
  moveClock(20);
  return { kernel, baseUrl, account, browser };
}

test('at a browser left signed in, opening the account pages\' sign-in again is no recent sign-in: changing how to sign in still needs the password', async (t) => {
  const { kernel, baseUrl, browser } = await startWithBrowserLeftSignedIn(t);
  const ownersSession = browser.cookies.get(SESSION_COOKIE) as string;
  assert.ok(ownersSession);

  // Someone at the browser signs in again: the provider signs them in from its own session,
  // asking for nothing.
  let page = await browser.get('/account/sign-in');
  assert.equal(pageHeading(page), 'Your One Login');
  assert.notEqual(browser.cookies.get(SESSION_COOKIE), ownersSession, 'a new session');

  // That sign-in is as old as the one it came from: every change to how the person signs in,
  // and to their email address, asks for the password first.
  for (const path of PAGES_NEEDING_A_RECENT_SIGN_IN) {
    page = await browser.get(path);
    assert.equal(pageHeading(page), 'Enter your password', path);
  }
  page = await browser.get('/account/report-activity');
  page = await browser.submit(page, { email: 'attacker@example.net' }, '/account/change-email');
  assert.equal(pageHeading(page), 'Enter your password', 'posting the form straight away needs it too');
  assert.equal(await readLatestMessage(kernel, 'attacker@example.net'), undefined, 'no code was sent to the new address');

  // The session the new sign-in replaced has ended.
  const withOldCookie = createFormClient(baseUrl);
  withOldCookie.cookies.set(SESSION_COOKIE, ownersSession);
  page = await withOldCookie.get('/account');
  assert.notEqual(pageHeading(page), 'Your One Login');
  assert.doesNotMatch(new URL(page.url).pathname, /^\/account/, 'sent to sign in');
});

test('signing in again from the password page makes the provider ask for the password and a code, and then counts as recent', async (t) => {
  const { account, browser } = await startWithBrowserLeftSignedIn(t);

  let page = await browser.get('/account/add-authenticator-app');
  assert.equal(pageHeading(page), 'Enter your password');
  const signInAgain = /<a class="govuk-link" href="(\/account\/sign-in-again\?[^"]+)">Sign in again/.exec(page.html)?.[1];
  assert.ok(signInAgain);
  page = await browser.get(signInAgain.replaceAll('&amp;', '&'));
  assert.doesNotMatch(new URL(page.url).pathname, /^\/account/, 'the provider asks, rather than signing in from its session');

  page = await signInThroughPages(browser, page, account);
  assert.equal(new URL(page.url).pathname, '/account/add-authenticator-app', 'back to the page that asked');
  assert.equal(pageHeading(page), 'Set up an authenticator app');
});

test('a sign-in made in the last 15 minutes, or the password, lets the email address be changed', async (t) => {
  const { kernel, baseUrl, moveClock } = await startWithClock(t);
  const account = await createTestAccount(kernel);
  const browser = await signInToAccountPages(baseUrl, account);
  let page = await browser.get('/account/change-email');
  assert.equal(pageHeading(page), 'Enter your new email address');

  moveClock(16);
  page = await browser.submit(page, { email: 'ffion.new@example.com' });
  assert.equal(pageHeading(page), 'Enter your password');
  assert.match(page.html, /before you change your email address/);
  page = await browser.submit(page, { password: account.password });
  assert.equal(new URL(page.url).pathname, '/account/change-email');
  page = await browser.submit(page, { email: 'ffion.new@example.com' });
  assert.equal(pageHeading(page), 'Check your email');
});
