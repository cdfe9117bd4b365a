import assert from 'node:assert/strict';
import { test } from 'node:test';
import { decodeJwt, decodeProtectedHeader } from 'jose';
import * as client from 'openid-client';
import { createFormClient, pageHeading } from '../testing/form-client.ts';
import { createTestAccount, discoverAsRelyingParty, readLatestMessage, registerTestClient, startIdentityServer, type TestAccount } from '../testing/identity-test-kit.ts';

/** Signs in through the pages as a person would, and returns the URL the service gets back. */
async function signIn(baseUrl: string, authorizationUrl: URL, account: TestAccount, options: { secondFactor?: boolean } = {}) {
  const browser = createFormClient(baseUrl);
  const start = await browser.get(authorizationUrl.toString());
  assert.equal(pageHeading(start), 'Create your One Login or sign in');
  const emailPage = await browser.get(start.url + '/email');
  const passwordPage = await browser.submit(emailPage, { email: account.email });
  assert.equal(pageHeading(passwordPage), 'Enter your password');
  const afterPassword = await browser.submit(passwordPage, { password: account.password });
  if (options.secondFactor === false) return { callback: new URL(afterPassword.url), browser };
  assert.equal(pageHeading(afterPassword), 'Enter the security code');
  const callback = await browser.submit(afterPassword, { code: await account.nextCode() });
  return { callback: new URL(callback.url), browser };
}

test('a relying party built with openid-client signs a person in: code + PKCE + private_key_jwt, ID token and userinfo', async (t) => {
  const { kernel, baseUrl } = await startIdentityServer(t);
  const rp = await registerTestClient(kernel, { requirePkce: true });
  const account = await createTestAccount(kernel);
  const config = await discoverAsRelyingParty(baseUrl, rp);

  const codeVerifier = client.randomPKCECodeVerifier();
  const state = client.randomState();
  const nonce = client.randomNonce();
  const authorizationUrl = client.buildAuthorizationUrl(config, {
    redirect_uri: rp.redirectUri,
    scope: 'openid email phone',
    code_challenge: await client.calculatePKCECodeChallenge(codeVerifier),
    code_challenge_method: 'S256',
    state,
    nonce,
  });

  const { callback } = await signIn(baseUrl, authorizationUrl, account);
  assert.equal(`${callback.origin}${callback.pathname}`, rp.redirectUri);

  const tokens = await client.authorizationCodeGrant(config, callback, {
    pkceCodeVerifier: codeVerifier,
    expectedState: state,
    expectedNonce: nonce,
    idTokenExpected: true,
  });
  assert.equal(tokens.expires_in, 180);
  const idToken = tokens.id_token as string;
  assert.equal(decodeProtectedHeader(idToken).alg, 'ES256');
  const claims = tokens.claims();
  assert.ok(claims);
  assert.equal(claims.iss, baseUrl);
  assert.equal(claims.aud, rp.clientId);
  assert.equal(claims.nonce, nonce);
  assert.equal(claims.vot, 'Cl.Cm');
  assert.equal(claims.vtm, `${baseUrl}/trustmark`);
  assert.equal(typeof claims.sid, 'string');
  assert.equal(typeof claims.auth_time, 'number');
  assert.equal(typeof claims.at_hash, 'string');
  assert.match(claims.sub, /^urn:fdc:civitas:2024:/);
  assert.equal(decodeJwt(idToken).email, undefined, 'personal claims come from userinfo, not the ID token');

  const userinfo = await client.fetchUserInfo(config, tokens.access_token, claims.sub);
  assert.equal(userinfo.email, account.email);
  assert.equal(userinfo.email_verified, true);
  assert.equal(userinfo.vot, undefined);
});

test('a service registered for Cl gets a password-only sign-in with vtr ["Cl"]', async (t) => {
  const { kernel, baseUrl } = await startIdentityServer(t);
  const rp = await registerTestClient(kernel, { allowedLevels: ['Cl', 'Cl.Cm'] });
  const account = await createTestAccount(kernel);
  const config = await discoverAsRelyingParty(baseUrl, rp);
  const nonce = client.randomNonce();
  const state = client.randomState();
  const authorizationUrl = client.buildAuthorizationUrl(config, { redirect_uri: rp.redirectUri, scope: 'openid', state, nonce, vtr: '["Cl"]' });
  const { callback } = await signIn(baseUrl, authorizationUrl, account, { secondFactor: false });
  const tokens = await client.authorizationCodeGrant(config, callback, { expectedState: state, expectedNonce: nonce });
  assert.equal(tokens.claims()?.vot, 'Cl');
});

test('attacker: the mailbox alone signs no one in to a Cl service: after a forgotten-password reset the second factor is asked for', async (t) => {
  const { kernel, baseUrl } = await startIdentityServer(t);
  const rp = await registerTestClient(kernel, { allowedLevels: ['Cl', 'Cl.Cm'] });
  const account = await createTestAccount(kernel);
  const config = await discoverAsRelyingParty(baseUrl, rp);
  const authorizationUrl = client.buildAuthorizationUrl(config, { redirect_uri: rp.redirectUri, scope: 'openid', state: 's', nonce: 'n', vtr: '["Cl"]' });
  const browser = createFormClient(baseUrl);
  const start = await browser.get(authorizationUrl.toString());
  await browser.submit(await browser.get(`${start.url}/email`), { email: account.email });
  let page = await browser.submit(await browser.get(`${start.url}/reset-password`), {});
  assert.equal(pageHeading(page), 'Check your email');
  const code = /(\d{6})/.exec((await readLatestMessage(kernel, account.email))?.text ?? '')?.[1] as string;
  page = await browser.submit(page, { code });
  page = await browser.submit(page, { password: 'someone else chose this 77' });
  assert.equal(pageHeading(page), 'Enter the security code', 'not sent back to the service with the mailbox alone');
  assert.equal(new URL(page.url).searchParams.get('code'), null);
  page = await browser.submit(page, { code: await account.nextCode() });
  assert.ok(new URL(page.url).searchParams.get('code'), 'the owner, with the second factor, is signed in');
});

test('attacker: a password set through the mailbox signs no one in to a Cl service until a second factor has confirmed it', async (t) => {
  const { kernel, baseUrl } = await startIdentityServer(t);
  const rp = await registerTestClient(kernel, { allowedLevels: ['Cl', 'Cl.Cm'] });
  const account = await createTestAccount(kernel);
  const config = await discoverAsRelyingParty(baseUrl, rp);
  const clAuthorization = () => client.buildAuthorizationUrl(config, { redirect_uri: rp.redirectUri, scope: 'openid', state: 's', nonce: 'n', vtr: '["Cl"]' }).toString();

  // Someone who reads the mailbox resets the password, and stops at the second factor.
  const attacker = createFormClient(baseUrl);
  const start = await attacker.get(clAuthorization());
  await attacker.submit(await attacker.get(`${start.url}/email`), { email: account.email });
  let page = await attacker.submit(await attacker.get(`${start.url}/reset-password`), {});
  page = await attacker.submit(page, { code: /(\d{6})/.exec((await readLatestMessage(kernel, account.email))?.text ?? '')?.[1] as string });
  page = await attacker.submit(page, { password: 'someone else chose this 78' });
  assert.equal(pageHeading(page), 'Enter the security code');

  // Then signs in afresh, password only: the second factor is still asked for.
  const fresh = createFormClient(baseUrl);
  const again = await fresh.get(clAuthorization());
  page = await fresh.submit(await fresh.get(`${again.url}/email`), { email: account.email });
  page = await fresh.submit(page, { password: 'someone else chose this 78' });
  assert.equal(pageHeading(page), 'Enter the security code', 'not signed in at Cl with a password the mailbox set');
  assert.equal(new URL(page.url).searchParams.get('code'), null);

  // Once the owner confirms it with their second factor, Cl is password only again.
  page = await fresh.submit(page, { code: await account.nextCode() });
  assert.ok(new URL(page.url).searchParams.get('code'));
  const { callback } = await signIn(baseUrl, new URL(clAuthorization()), { ...account, password: 'someone else chose this 78' }, { secondFactor: false });
  assert.ok(callback.searchParams.get('code'), 'password only, once confirmed');
});

test('two services in different sectors receive different subjects for one person; one sector, the same', async (t) => {
  const { kernel, baseUrl } = await startIdentityServer(t);
  const account = await createTestAccount(kernel);
  const subjects: string[] = [];
  for (const sector of ['tax.example.gov.uk', 'health.example.gov.uk', 'tax.example.gov.uk']) {
    const rp = await registerTestClient(kernel, { sectorIdentifier: sector });
    const config = await discoverAsRelyingParty(baseUrl, rp);
    const state = client.randomState();
    const nonce = client.randomNonce();
    const { callback } = await signIn(baseUrl, client.buildAuthorizationUrl(config, { redirect_uri: rp.redirectUri, scope: 'openid', state, nonce }), account);
    const tokens = await client.authorizationCodeGrant(config, callback, { expectedState: state, expectedNonce: nonce });
    subjects.push(tokens.claims()?.sub as string);
  }
  assert.notEqual(subjects[0], subjects[1]);
  assert.equal(subjects[0], subjects[2]);
});

test("the provider's JSON endpoints send fixed API security headers; its pages keep the pages' CSP", async (t) => {
  const { baseUrl } = await startIdentityServer(t);
  const discovery = await fetch(`${baseUrl}/.well-known/openid-configuration`);
  const token = await fetch(`${baseUrl}/token`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'grant_type=authorization_code' });
  for (const response of [discovery, await fetch(`${baseUrl}/.well-known/jwks.json`), token, await fetch(`${baseUrl}/userinfo`)]) {
    assert.equal(response.headers.get('content-security-policy'), "default-src 'none'; frame-ancestors 'none'", response.url);
    assert.equal(response.headers.get('x-content-type-options'), 'nosniff');
    assert.equal(response.headers.get('x-frame-options'), 'DENY');
    assert.match(response.headers.get('content-type') ?? '', /^application\/(jwk-set\+)?json/);
  }
  assert.equal(token.status, 400, 'a bad token request still gets its OAuth error');
  assert.equal(((await token.json()) as { error: string }).error, 'invalid_request');
  const page = await fetch(`${baseUrl}/authorize?client_id=unknown`);
  assert.match(page.headers.get('content-security-policy') ?? '', /script-src 'self' 'nonce-/, 'pages keep their nonce-based CSP');
});
