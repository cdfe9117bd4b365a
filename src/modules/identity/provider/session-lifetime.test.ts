import assert from 'node:assert/strict';
import { test, type TestContext } from 'node:test';
import { createTestAccount, registerTestClient, startIdentityServer, type TestRelyingParty } from '../testing/identity-test-kit.ts';
import { SESSION_ABSOLUTE_SECONDS, sessionSecondsLeft } from './create-provider.ts';
import { authorizeUrl, signInOnce } from './relying-party.test-kit.ts';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

/**
 * The provider's clock is Date (oidc-provider and the payload store read it): node:test's mock
 * timers move it, and nothing else, so a test can spend a day in a second.
 */
async function setUp(t: TestContext) {
  t.mock.timers.enable({ apis: ['Date'], now: Date.now() });
  const { kernel, baseUrl } = await startIdentityServer(t);
  const rp = await registerTestClient(kernel);
  const account = await createTestAccount(kernel);
  return { baseUrl, rp, account, advance: (ms: number) => t.mock.timers.setTime(Date.now() + ms) };
}

function resultOf(url: string, rp: TestRelyingParty): 'code' | string {
  const callback = new URL(url);
  if (`${callback.origin}${callback.pathname}` !== rp.redirectUri) return `not sent back: ${url}`;
  return callback.searchParams.get('code') ? 'code' : (callback.searchParams.get('error') ?? 'nothing');
}

test('the time a session has left: the idle hour, never past 12 hours from the sign-in', () => {
  const signedIn = 1_800_000_000;
  assert.equal(SESSION_ABSOLUTE_SECONDS, 12 * 60 * 60);
  assert.equal(sessionSecondsLeft({ loginTs: signedIn }, signedIn), 3600);
  assert.equal(sessionSecondsLeft({ loginTs: signedIn }, signedIn + 11 * 3600), 3600);
  assert.equal(sessionSecondsLeft({ loginTs: signedIn }, signedIn + 11.5 * 3600), 1800);
  assert.equal(sessionSecondsLeft({ loginTs: signedIn }, signedIn + 13 * 3600), 1, 'never zero or less: the record has expired by then anyway');
  assert.equal(sessionSecondsLeft({}, signedIn), 3600, 'before a sign-in, the idle hour');
});

test('a session kept alive by a request every 50 minutes still ends 12 hours after the sign-in', async (t) => {
  const { baseUrl, rp, account, advance } = await setUp(t);
  const { browser } = await signInOnce(baseUrl, account, authorizeUrl(baseUrl, rp));
  const silently = async () => resultOf((await browser.get(authorizeUrl(baseUrl, rp, { prompt: 'none' }))).url, rp);

  let elapsed = 0;
  while (elapsed + 50 < 12 * 60) {
    advance(50 * MINUTE);
    elapsed += 50;
    assert.equal(await silently(), 'code', `after ${elapsed} minutes the session is still there (it slides)`);
  }
  // 21 minutes after the last use (well within the idle hour), a minute past the 12 hours.
  advance(12 * HOUR - elapsed * MINUTE + MINUTE);
  assert.equal(await silently(), 'login_required', 'past 12 hours, however active');
  const start = await browser.get(authorizeUrl(baseUrl, rp));
  assert.match(new URL(start.url).pathname, /^\/sign-in\//, 'the person signs in again');
});

test('signing in again (prompt=login) starts a new 12 hours; an hour without use still ends a session', async (t) => {
  const { baseUrl, rp, account, advance } = await setUp(t);
  const { browser } = await signInOnce(baseUrl, account, authorizeUrl(baseUrl, rp));
  const silently = async () => resultOf((await browser.get(authorizeUrl(baseUrl, rp, { prompt: 'none' }))).url, rp);
  for (let elapsed = 50; elapsed <= 11 * 60; elapsed += 50) {
    advance(50 * MINUTE);
    assert.equal(await silently(), 'code', `${elapsed} minutes`);
  }
  const start = await browser.get(authorizeUrl(baseUrl, rp, { prompt: 'login' }));
  const passwordPage = await browser.submit(await browser.get(`${start.url}/email`), { email: account.email });
  const codePage = await browser.submit(passwordPage, { password: account.password });
  assert.equal(resultOf((await browser.submit(codePage, { code: await account.nextCode() })).url, rp), 'code', 'signed in again');

  advance(50 * MINUTE);
  assert.equal(await silently(), 'code', 'past 12 hours from the first sign-in, within 12 of the second');
  advance(61 * MINUTE);
  assert.equal(await silently(), 'login_required', 'an hour without use');
});
