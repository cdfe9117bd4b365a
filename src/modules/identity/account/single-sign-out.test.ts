import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as client from 'openid-client';
import { createFormClient, pageHeading } from '../testing/form-client.ts';
import { createTestAccount, discoverAsRelyingParty, registerTestClient, startIdentityServer } from '../testing/identity-test-kit.ts';
import { signInToAccountPages } from './account-pages.test-kit.ts';

test('signing out of a service signs the browser out of the account pages too: they ask to sign in again', async (t) => {
  const { kernel, baseUrl } = await startIdentityServer(t);
  const account = await createTestAccount(kernel);
  const service = await registerTestClient(kernel, { postLogoutRedirectUris: ['https://service.example.gov.uk/signed-out'] });

  // The browser uses the account pages, then a service, in one One Login session.
  const browser = await signInToAccountPages(baseUrl, account);
  const config = await discoverAsRelyingParty(baseUrl, service);
  const state = client.randomState();
  const nonce = client.randomNonce();
  const back = await browser.get(client.buildAuthorizationUrl(config, { redirect_uri: service.redirectUri, scope: 'openid', state, nonce }).toString());
  const tokens = await client.authorizationCodeGrant(config, new URL(back.url), { expectedState: state, expectedNonce: nonce });
  assert.equal(pageHeading(await browser.get('/account')), 'Your One Login');

  // The service signs the person out.
  const logout = new URL('/logout', baseUrl);
  logout.searchParams.set('id_token_hint', tokens.id_token as string);
  logout.searchParams.set('post_logout_redirect_uri', 'https://service.example.gov.uk/signed-out');
  const confirm = await browser.get(logout.toString());
  const done = confirm.url.startsWith('https://service.example.gov.uk/') ? confirm : await browser.submit(confirm, {});
  assert.equal(new URL(done.url).origin, 'https://service.example.gov.uk');

  const accountPage = await browser.get('/account');
  assert.notEqual(pageHeading(accountPage), 'Your One Login', 'the account pages no longer open');
  assert.match(new URL(accountPage.url).pathname, /^\/sign-in\//, 'they send the browser to sign in');
});

test('a logout token the provider did not sign for the account pages ends nothing', async (t) => {
  const { kernel, baseUrl } = await startIdentityServer(t);
  const account = await createTestAccount(kernel);
  const browser = await signInToAccountPages(baseUrl, account);
  const forged = `${Buffer.from(JSON.stringify({ alg: 'none', typ: 'logout+jwt' })).toString('base64url')}.${Buffer.from(JSON.stringify({ sub: account.id, events: { 'http://schemas.openid.net/event/backchannel-logout': {} } })).toString('base64url')}.`;
  for (const body of [`logout_token=${forged}`, 'logout_token=not-a-token', '']) {
    const response = await fetch(`${baseUrl}/account/backchannel-logout`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body });
    assert.equal(response.status, 400, body);
  }
  assert.equal(pageHeading(await browser.get('/account')), 'Your One Login', 'still signed in');
});

test('the account pages\' callback, given an error or a response this browser did not ask for, starts again: never a 500', async (t) => {
  const { baseUrl } = await startIdentityServer(t);
  const browser = createFormClient(baseUrl);
  for (const query of ['?error=access_denied&state=x', '?error=login_required', '?code=x&state=y', '']) {
    await browser.get('/account/sign-in');
    const cookie = [...browser.cookies].map(([name, value]) => `${name}=${value}`).join('; ');
    const response = await fetch(`${baseUrl}/account/callback${query}`, { headers: { cookie }, redirect: 'manual' });
    assert.equal(response.status, 303, query);
    assert.equal(response.headers.get('location'), '/account', query);
  }
});

test('signing out of the account pages takes the overview\'s form with its CSRF token: a planted link or a cross-site post ends nothing', async (t) => {
  const { kernel, baseUrl } = await startIdentityServer(t);
  const account = await createTestAccount(kernel);
  const browser = await signInToAccountPages(baseUrl, account);
  const overview = await browser.get('/account');
  assert.match(overview.html, /<form method="post" action="\/account\/sign-out"/);
  assert.doesNotMatch(overview.html, /href="\/account\/sign-out"/, 'no link signs out');

  const confirm = await browser.get('/account/sign-out');
  assert.equal(pageHeading(confirm), 'Sign out');
  assert.match(confirm.html, /<form method="post" action="\/account\/sign-out"/);
  const cookie = [...browser.cookies].map(([name, value]) => `${name}=${value}`).join('; ');
  const forged = await fetch(`${baseUrl}/account/sign-out`, { method: 'POST', headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' }, body: '', redirect: 'manual' });
  assert.equal(forged.status, 403, 'a post without the token is refused');
  // An attacker's own token, from the confirm page of their own signed-in browser, is no token for this one.
  const attacker = await signInToAccountPages(baseUrl, await createTestAccount(kernel, 'attacker@example.com'));
  const attackerToken = /name="_csrf" value="([^"]+)"/.exec((await attacker.get('/account/sign-out')).html)?.[1];
  assert.ok(attackerToken);
  const withOtherToken = await fetch(`${baseUrl}/account/sign-out`, { method: 'POST', headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ _csrf: attackerToken }), redirect: 'manual' });
  assert.equal(withOtherToken.status, 403, "a post with another browser's token is refused");
  assert.equal(pageHeading(await browser.get('/account')), 'Your One Login', 'the link and the forged posts ended nothing');

  // One Login's own sign-out page submits itself in a browser; this client presses its button.
  const atOneLogin = await browser.submit(overview, {});
  const done = new URL(atOneLogin.url).pathname === '/account/signed-out' ? atOneLogin : await browser.submit(atOneLogin, {});
  assert.equal(new URL(done.url).pathname, '/account/signed-out');
  assert.equal(pageHeading(done), 'You have signed out');
  assert.notEqual(pageHeading(await browser.get('/account')), 'Your One Login', 'the account pages ask to sign in again');
  const signedOutAlready = await fetch(`${baseUrl}/account/sign-out`, { redirect: 'manual' });
  assert.equal(signedOutAlready.headers.get('location'), '/account/signed-out');
});
