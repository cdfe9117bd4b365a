import assert from 'node:assert/strict';
import { test, type TestContext } from 'node:test';
import { createFormClient } from '../testing/form-client.ts';
import { createTestAccount, registerTestClient, startIdentityServer, type TestRelyingParty } from '../testing/identity-test-kit.ts';
import { authorizeUrl, signInOnce } from './relying-party.test-kit.ts';

/**
 * The prompt parameter as GOV.UK One Login's authorization endpoint answers it
 * (authentication-api AuthorisationHandler): login signs the person in again, none never shows a
 * page, consent changes nothing (there is no consent screen), select_account is
 * unmet_authentication_requirements.
 */
async function setUp(t: TestContext) {
  const { kernel, baseUrl } = await startIdentityServer(t);
  const rp = await registerTestClient(kernel);
  const account = await createTestAccount(kernel);
  return { kernel, baseUrl, rp, account };
}

function callbackOf(url: string, rp: TestRelyingParty): URLSearchParams {
  const callback = new URL(url);
  assert.equal(`${callback.origin}${callback.pathname}`, rp.redirectUri, url);
  return callback.searchParams;
}

test('prompt=consent signs a person in once and then comes straight back with a code, instead of looping to the start page', async (t) => {
  const { baseUrl, rp, account } = await setUp(t);
  const { browser, callback } = await signInOnce(baseUrl, account, authorizeUrl(baseUrl, rp, { prompt: 'consent' }));
  assert.ok(callbackOf(callback.href, rp).get('code'), 'the first sign-in ends at the service');
  const again = callbackOf((await browser.get(authorizeUrl(baseUrl, rp, { prompt: 'consent', state: 'again' }))).url, rp);
  assert.ok(again.get('code'));
  assert.equal(again.get('state'), 'again');
});

test('prompt=select_account is answered at once with unmet_authentication_requirements, signed in or not', async (t) => {
  const { baseUrl, rp, account } = await setUp(t);
  const stranger = createFormClient(baseUrl);
  for (const prompt of ['select_account', 'login select_account', 'consent select_account']) {
    const error = callbackOf((await stranger.get(authorizeUrl(baseUrl, rp, { prompt }))).url, rp);
    assert.equal(error.get('error'), 'unmet_authentication_requirements', prompt);
    assert.equal(error.get('state'), 'state-123');
  }
  const { browser } = await signInOnce(baseUrl, account, authorizeUrl(baseUrl, rp));
  const error = callbackOf((await browser.get(authorizeUrl(baseUrl, rp, { prompt: 'select_account' }))).url, rp);
  assert.equal(error.get('error'), 'unmet_authentication_requirements');
  assert.equal(error.get('code'), null);
});

test('prompt=none: login_required without a session, a code with one; prompt=login asks the signed-in person to sign in again', async (t) => {
  const { baseUrl, rp, account } = await setUp(t);
  const stranger = createFormClient(baseUrl);
  assert.equal(callbackOf((await stranger.get(authorizeUrl(baseUrl, rp, { prompt: 'none' }))).url, rp).get('error'), 'login_required');

  const { browser } = await signInOnce(baseUrl, account, authorizeUrl(baseUrl, rp));
  assert.ok(callbackOf((await browser.get(authorizeUrl(baseUrl, rp, { prompt: 'none' }))).url, rp).get('code'));

  const start = await browser.get(authorizeUrl(baseUrl, rp, { prompt: 'login', state: 'login-again' }));
  assert.match(new URL(start.url).pathname, /^\/sign-in\//, 'sign-in again, even with a session');
  const passwordPage = await browser.submit(await browser.get(`${start.url}/email`), { email: account.email });
  const codePage = await browser.submit(passwordPage, { password: account.password });
  const back = callbackOf((await browser.submit(codePage, { code: await account.nextCode() })).url, rp);
  assert.ok(back.get('code'));
  assert.equal(back.get('state'), 'login-again');
});

test('attacker: unknown prompt values, and none with another value, are invalid_request sent back to the service', async (t) => {
  const { baseUrl, rp } = await setUp(t);
  const stranger = createFormClient(baseUrl);
  for (const prompt of ['create', 'x'.repeat(2000), 'none login', 'none consent']) {
    const error = callbackOf((await stranger.get(authorizeUrl(baseUrl, rp, { prompt }))).url, rp);
    assert.equal(error.get('error'), 'invalid_request', prompt.slice(0, 20));
  }
});
