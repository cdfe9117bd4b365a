import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createRemoteJWKSet, jwtVerify } from 'jose';
import * as client from 'openid-client';
import { createFormClient } from '../testing/form-client.ts';
import { createTestAccount, discoverAsRelyingParty, registerTestClient, startIdentityServer, startLogoutReceiver } from '../testing/identity-test-kit.ts';


test('RP-initiated logout returns to the registered URI with state, and back-channel logout tells every service', async (t) => {
  const { kernel, baseUrl } = await startIdentityServer(t);
  const account = await createTestAccount(kernel);
  const receiverA = await startLogoutReceiver(t);
  const receiverB = await startLogoutReceiver(t);
  const serviceA = await registerTestClient(kernel, {
    postLogoutRedirectUris: ['https://service-a.example.gov.uk/signed-out'],
    backchannelLogoutUri: receiverA.url,
  });
  const serviceB = await registerTestClient(kernel, {
    redirectUris: ['https://service-b.example.gov.uk/callback'],
    backchannelLogoutUri: receiverB.url,
  });

  // One browser signs in to service A, then to service B without signing in again.
  const browser = createFormClient(baseUrl);
  const signedIn: Record<string, { idToken: string; sid: string; sub: string }> = {};
  for (const [name, rp] of [['A', serviceA], ['B', serviceB]] as const) {
    const config = await discoverAsRelyingParty(baseUrl, rp);
    const state = client.randomState();
    const nonce = client.randomNonce();
    let page = await browser.get(client.buildAuthorizationUrl(config, { redirect_uri: rp.redirectUri, scope: 'openid', state, nonce }).toString());
    if (page.url.includes('/sign-in/')) {
      page = await browser.get(`${page.url}/email`);
      page = await browser.submit(page, { email: account.email });
      page = await browser.submit(page, { password: account.password });
      page = await browser.submit(page, { code: await account.nextCode() });
    }
    const tokens = await client.authorizationCodeGrant(config, new URL(page.url), { expectedState: state, expectedNonce: nonce });
    const claims = tokens.claims();
    assert.ok(claims);
    signedIn[name] = { idToken: tokens.id_token as string, sid: claims.sid as string, sub: claims.sub };
  }
  assert.ok(signedIn.A && signedIn.B);

  const logout = new URL('/logout', baseUrl);
  logout.searchParams.set('id_token_hint', signedIn.A.idToken);
  logout.searchParams.set('post_logout_redirect_uri', 'https://service-a.example.gov.uk/signed-out');
  logout.searchParams.set('state', 'logout-state');
  const confirm = await browser.get(logout.toString());
  assert.match(confirm.html, /Sign out/);
  const done = await browser.submit(confirm, {});
  const back = new URL(done.url);
  assert.equal(`${back.origin}${back.pathname}`, 'https://service-a.example.gov.uk/signed-out');
  assert.equal(back.searchParams.get('state'), 'logout-state');

  const jwks = createRemoteJWKSet(new URL(`${baseUrl}/.well-known/jwks.json`));
  for (const [name, receiver, rp] of [['A', receiverA, serviceA], ['B', receiverB, serviceB]] as const) {
    assert.equal(receiver.tokens.length, 1, `service ${name} got one logout token`);
    const { payload, protectedHeader } = await jwtVerify(receiver.tokens[0] as string, jwks, { issuer: baseUrl, audience: rp.clientId });
    assert.equal(protectedHeader.alg, 'ES256');
    assert.equal(protectedHeader.typ, 'logout+jwt');
    assert.deepEqual(payload.events, { 'http://schemas.openid.net/event/backchannel-logout': {} });
    assert.equal(payload.sub, signedIn[name]?.sub);
    assert.equal(payload.sid, signedIn[name]?.sid);
    assert.equal(typeof payload.jti, 'string');
  }
});

test('a post-logout redirect URI the service did not register is not followed', async (t) => {
  const { kernel, baseUrl } = await startIdentityServer(t);
  const rp = await registerTestClient(kernel, { postLogoutRedirectUris: ['https://service.example.gov.uk/signed-out'] });
  const response = await fetch(`${baseUrl}/logout?client_id=${rp.clientId}&post_logout_redirect_uri=${encodeURIComponent('https://attacker.example/')}`, {
    redirect: 'manual',
    headers: { accept: 'text/html' },
  });
  assert.equal(response.status, 400);
  assert.equal(response.headers.get('location'), null);
});

test('attacker: a link to sign-out carrying someone else\'s ID token does not sign this person out without asking', async (t) => {
  const { kernel, baseUrl } = await startIdentityServer(t);
  const rp = await registerTestClient(kernel, { postLogoutRedirectUris: ['https://service-a.example.gov.uk/signed-out'] });
  const config = await discoverAsRelyingParty(baseUrl, rp);
  const signIn = async (account: Awaited<ReturnType<typeof createTestAccount>>) => {
    const browser = createFormClient(baseUrl);
    let page = await browser.get(client.buildAuthorizationUrl(config, { redirect_uri: rp.redirectUri, scope: 'openid', state: 's', nonce: 'n' }).toString());
    page = await browser.submit(await browser.get(`${page.url}/email`), { email: account.email });
    page = await browser.submit(page, { password: account.password });
    page = await browser.submit(page, { code: await account.nextCode() });
    const tokens = await client.authorizationCodeGrant(config, new URL(page.url), { expectedState: 's', expectedNonce: 'n' });
    return { browser, idToken: tokens.id_token as string };
  };
  const victim = await signIn(await createTestAccount(kernel));
  const attacker = await signIn(await createTestAccount(kernel, 'mallory@example.com'));
  const signOutLink = (idToken: string) => {
    const url = new URL('/logout', baseUrl);
    url.searchParams.set('id_token_hint', idToken);
    url.searchParams.set('post_logout_redirect_uri', 'https://service-a.example.gov.uk/signed-out');
    return url.toString();
  };
  const autoSubmits = (html: string) => /getElementById\('sign-out'\)\.form\.submit\(\)/.test(html);

  const lured = await victim.browser.get(signOutLink(attacker.idToken));
  assert.match(lured.html, /Sign out/);
  assert.equal(autoSubmits(lured.html), false, 'someone else\'s token: the person is asked');
  const ownService = await victim.browser.get(signOutLink(victim.idToken));
  assert.equal(autoSubmits(ownService.html), true, 'their own service\'s sign-out is one step');
});

test('attacker: a back-channel logout URI a service team registered that resolves to a private address is not called (unless OUTBOUND_ALLOW_PRIVATE_NETWORK)', async (t) => {
  const { kernel, baseUrl } = await startIdentityServer(t, { environment: { OUTBOUND_ALLOW_PRIVATE_NETWORK: 'false' } });
  const account = await createTestAccount(kernel);
  const internal = await startLogoutReceiver(t);
  // "localhost" resolves to a loopback address: refused when the provider connects, whatever the name.
  const rp = await registerTestClient(kernel, {
    postLogoutRedirectUris: ['https://service-a.example.gov.uk/signed-out'],
    backchannelLogoutUri: internal.url.replace('127.0.0.1', 'localhost'),
  });
  const config = await discoverAsRelyingParty(baseUrl, rp);
  const browser = createFormClient(baseUrl);
  let page = await browser.get(client.buildAuthorizationUrl(config, { redirect_uri: rp.redirectUri, scope: 'openid', state: 's', nonce: 'n' }).toString());
  page = await browser.submit(await browser.get(`${page.url}/email`), { email: account.email });
  page = await browser.submit(page, { password: account.password });
  page = await browser.submit(page, { code: await account.nextCode() });
  const tokens = await client.authorizationCodeGrant(config, new URL(page.url), { expectedState: 's', expectedNonce: 'n' });

  const logout = new URL('/logout', baseUrl);
  logout.searchParams.set('id_token_hint', tokens.id_token as string);
  logout.searchParams.set('post_logout_redirect_uri', 'https://service-a.example.gov.uk/signed-out');
  const done = await browser.submit(await browser.get(logout.toString()), {});
  assert.equal(new URL(done.url).hostname, 'service-a.example.gov.uk', 'the person is signed out all the same');
  assert.equal(internal.tokens.length, 0, 'nothing was sent to the private address');
});

test('signing out with no One Login session left shows our sign-out page in the page language, which goes on by itself, not the provider\'s bare English one', async (t) => {
  const { baseUrl } = await startIdentityServer(t);
  const browser = createFormClient(baseUrl);
  const english = await browser.get('/logout');
  assert.equal(english.status, 200);
  assert.match(english.html, /<h1 class="govuk-heading-l">Sign out<\/h1>/);
  assert.doesNotMatch(english.html, /Submitting Callback|does not support JavaScript/);
  // The language chosen on a page the provider answers is remembered, as on every other page.
  const welsh = await browser.get('/logout?lang=cy');
  assert.equal(browser.cookies.get('civitas_lang'), 'cy');
  assert.match(welsh.html, /<html lang="cy"/);
  const done = await browser.submit(welsh, {});
  assert.equal(done.status, 200);
  assert.match(done.html, /<html lang="cy"/);
});
