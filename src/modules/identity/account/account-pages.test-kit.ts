import assert from 'node:assert/strict';
import type { TestContext } from 'node:test';
import { createIdentityModule } from '../identity.module.ts';
import { createFormClient, pageHeading, type FormClient, type FormPage } from '../testing/form-client.ts';
import { startIdentityServer, withIdentity, type TestAccount } from '../testing/identity-test-kit.ts';

/**
 * What the account pages' tests share: One Login with a clock they can move, and signing in
 * through the provider's pages as a person would.
 */

/** One Login whose clock a test can move (minutes, either way), to let codes expire and sign-ins grow old. */
export async function startWithClock(t: TestContext, options: { hostName?: 'localhost' | '127.0.0.1' } = {}) {
  let offsetMs = 0;
  const server = await startIdentityServer(t, { ...options, modules: withIdentity(createIdentityModule({ clock: () => new Date(Date.now() + offsetMs) })) });
  return { ...server, moveClock: (minutes: number) => (offsetMs += minutes * 60_000) };
}

/**
 * From the provider's first sign-in page: email, password, then a code from the authenticator
 * app, or `textedCode()` when the account gets its codes by text message. Returns the page the
 * browser ends on.
 */
export async function signInThroughPages(
  browser: FormClient,
  start: FormPage,
  account: TestAccount,
  options: { password?: string; textedCode?: () => Promise<string> } = {},
): Promise<FormPage> {
  let page = await browser.get(`${start.url.split('?')[0]}/email`);
  page = await browser.submit(page, { email: account.email });
  page = await browser.submit(page, { password: options.password ?? account.password });
  assert.equal(pageHeading(page), 'Enter the security code');
  return browser.submit(page, { code: options.textedCode ? await options.textedCode() : await account.nextCode() });
}

/** A browser signed in to the account pages. */
export async function signInToAccountPages(baseUrl: string, account: TestAccount, options: { textedCode?: () => Promise<string>; headers?: Record<string, string> } = {}): Promise<FormClient> {
  const browser = createFormClient(baseUrl, { headers: options.headers });
  const page = await signInThroughPages(browser, await browser.get('/account'), account, options);
  assert.equal(pageHeading(page), 'Your One Login');
  return browser;
}
