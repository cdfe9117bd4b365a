import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { test, type TestContext } from 'node:test';
import { SignJWT, generateKeyPair, type CryptoKey } from 'jose';
import * as client from 'openid-client';
import { createFormClient } from '../testing/form-client.ts';
import { createTestAccount, registerTestClient, startIdentityServer, type TestAccount, type TestRelyingParty } from '../testing/identity-test-kit.ts';
import { authorizeUrl } from './relying-party.test-kit.ts';

async function setUp(t: TestContext, rpOptions: Parameters<typeof registerTestClient>[1] = {}) {
  const server = await startIdentityServer(t);
  const rp = await registerTestClient(server.kernel, rpOptions);
  const account = await createTestAccount(server.kernel);
  return { ...server, rp, account };
}

async function get(url: string) {
  return fetch(url, { redirect: 'manual', headers: { accept: 'text/html' } });
}

function redirectedError(response: Response, rp: TestRelyingParty) {
  assert.equal(response.status, 303, 'the error goes back to the service');
  const location = new URL(response.headers.get('location') as string);
  assert.equal(`${location.origin}${location.pathname}`, rp.redirectUri);
  return Object.fromEntries(location.searchParams);
}

test('the authorization endpoint never redirects to a URI the service did not register', async (t) => {
  const { baseUrl, rp } = await setUp(t);
  for (const params of [{ client_id: 'no-such-client' }, { redirect_uri: 'https://attacker.example/callback' }, { redirect_uri: `${rp.redirectUri}/extra` }]) {
    const response = await get(authorizeUrl(baseUrl, rp, params));
    assert.equal(response.status, 400, JSON.stringify(params));
    assert.equal(response.headers.get('location'), null);
    const page = await response.text();
    assert.match(page, /Sorry, there is a problem with the service you came from/);
    assert.match(page, /invalid_client|invalid_redirect_uri/);
  }
});

test('missing nonce or state, an unknown vtr, and a vtr the service may not use are invalid_request', async (t) => {
  const { baseUrl, rp } = await setUp(t);
  const cases: Array<[Record<string, string | undefined>, RegExp]> = [
    [{ nonce: undefined }, /nonce/],
    [{ state: undefined }, /state/],
    [{ vtr: '["Cl.Cm.P2"]' }, /Request vtr not valid/],
    [{ vtr: '["Ch"]' }, /Request vtr not valid/],
    [{ vtr: 'not json' }, /Request vtr not valid/],
    [{ vtr: '["Cl"]' }, /Request vtr not valid/],
  ];
  for (const [params, description] of cases) {
    const error = redirectedError(await get(authorizeUrl(baseUrl, rp, params)), rp);
    assert.equal(error.error, 'invalid_request', JSON.stringify(params));
    assert.match(error.error_description ?? '', description);
  }
  const fine = await get(authorizeUrl(baseUrl, rp, { vtr: '["Cl.Cm"]' }));
  assert.match(fine.headers.get('location') ?? '', /^\/sign-in\//);
});

test('a service registered to require PKCE is refused without a code challenge', async (t) => {
  const { baseUrl, rp } = await setUp(t, { requirePkce: true });
  const error = redirectedError(await get(authorizeUrl(baseUrl, rp)), rp);
  assert.equal(error.error, 'invalid_request');
  assert.match(error.error_description ?? '', /PKCE/);
});

/** Signs in through the pages and returns the authorization code the service receives. */
async function obtainCode(baseUrl: string, rp: TestRelyingParty, account: TestAccount, params: Record<string, string> = {}) {
  const browser = createFormClient(baseUrl);
  const start = await browser.get(authorizeUrl(baseUrl, rp, params));
  const emailPage = await browser.get(`${start.url}/email`);
  const passwordPage = await browser.submit(emailPage, { email: account.email });
  const codePage = await browser.submit(passwordPage, { password: account.password });
  const callback = new URL((await browser.submit(codePage, { code: await account.nextCode() })).url);
  const code = callback.searchParams.get('code');
  assert.ok(code, `a code came back: ${callback}`);
  return code;
}

/** `issuedAt` and `expiresIn` are seconds from now; `issuedAt: null` leaves iat out. */
async function clientAssertion(
  baseUrl: string,
  rp: TestRelyingParty,
  options: { key?: CryptoKey; alg?: string; jti?: string; expiresIn?: number; issuedAt?: number | null; audience?: string | string[] } = {},
) {
  const now = Math.floor(Date.now() / 1000);
  const assertion = new SignJWT({ jti: options.jti ?? randomUUID() })
    .setProtectedHeader({ alg: options.alg ?? 'ES256' })
    .setIssuer(rp.clientId)
    .setSubject(rp.clientId)
    .setAudience(options.audience ?? `${baseUrl}/token`)
    .setExpirationTime(now + (options.expiresIn ?? 60));
  if (options.issuedAt !== null) assertion.setIssuedAt(now + (options.issuedAt ?? -10));
  return assertion.sign(options.key ?? rp.privateKey);
}

function unsignedAssertion(baseUrl: string, rp: TestRelyingParty): string {
  const encode = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const now = Math.floor(Date.now() / 1000);
  return `${encode({ alg: 'none' })}.${encode({ iss: rp.clientId, sub: rp.clientId, aud: `${baseUrl}/token`, jti: randomUUID(), exp: now + 60 })}.`;
}

async function exchange(baseUrl: string, rp: TestRelyingParty, code: string, assertion: string, extra: Record<string, string> = {}) {
  const response = await fetch(`${baseUrl}/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'authorization_code',
      code,
      redirect_uri: rp.redirectUri,
      client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
      client_assertion: assertion,
      ...extra,
    }),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

test('the token endpoint refuses expired, wrongly signed, unsigned, many-audience and replayed client assertions', async (t) => {
  const { baseUrl, rp, account } = await setUp(t);
  const code = await obtainCode(baseUrl, rp, account);
  const { privateKey: otherKey } = await generateKeyPair('ES256');

  const refusals = [
    await clientAssertion(baseUrl, rp, { expiresIn: -30 }),
    await clientAssertion(baseUrl, rp, { key: otherKey }),
    unsignedAssertion(baseUrl, rp),
    await clientAssertion(baseUrl, rp, { audience: [`${baseUrl}/token`, 'https://other-server.example'] }),
    await clientAssertion(baseUrl, rp, { audience: [`${baseUrl}/token`, baseUrl] }),
  ];
  for (const assertion of refusals) {
    const response = await exchange(baseUrl, rp, code, assertion);
    assert.equal(response.status, 401);
    assert.equal(response.body.error, 'invalid_client');
  }

  const jti = randomUUID();
  const first = await exchange(baseUrl, rp, code, await clientAssertion(baseUrl, rp, { jti }));
  assert.equal(first.status, 200, JSON.stringify(first.body));
  const secondCode = await obtainCode(baseUrl, rp, account);
  const replayed = await exchange(baseUrl, rp, secondCode, await clientAssertion(baseUrl, rp, { jti }));
  assert.equal(replayed.status, 401);
  assert.equal(replayed.body.error, 'invalid_client');
  // The same request with a fresh jti succeeds: it was the replay that was refused.
  const fresh = await exchange(baseUrl, rp, secondCode, await clientAssertion(baseUrl, rp));
  assert.equal(fresh.status, 200, JSON.stringify(fresh.body));
});

test('a client assertion valid for longer than 5 minutes is refused however its times are set; a 5-minute one works once', async (t) => {
  const { baseUrl, rp, account } = await setUp(t);
  const code = await obtainCode(baseUrl, rp, account);
  const day = 24 * 60 * 60;
  const longLived = [
    { expiresIn: 30 * day },
    { expiresIn: 30 * day, issuedAt: null },
    { expiresIn: 301, issuedAt: 0 },
    { expiresIn: 60, issuedAt: -day },
    { expiresIn: 30 * day, issuedAt: 30 * day - 300 },
  ];
  for (const times of longLived) {
    const response = await exchange(baseUrl, rp, code, await clientAssertion(baseUrl, rp, times));
    assert.equal(response.status, 401, JSON.stringify(times));
    assert.equal(response.body.error, 'invalid_client', JSON.stringify(times));
  }

  const jti = randomUUID();
  const fiveMinutes = await clientAssertion(baseUrl, rp, { jti, issuedAt: -10, expiresIn: 290 });
  const first = await exchange(baseUrl, rp, code, fiveMinutes);
  assert.equal(first.status, 200, JSON.stringify(first.body));
  const replayed = await exchange(baseUrl, rp, await obtainCode(baseUrl, rp, account), fiveMinutes);
  assert.equal(replayed.status, 401);
  assert.equal(replayed.body.error, 'invalid_client');
  const withoutIssuedAt = await exchange(baseUrl, rp, await obtainCode(baseUrl, rp, account), await clientAssertion(baseUrl, rp, { issuedAt: null, expiresIn: 120 }));
  assert.equal(withoutIssuedAt.status, 200, 'iat is recommended, not required');
});

test('a code is refused with the wrong PKCE verifier, and works once', async (t) => {
  const { baseUrl, rp, account } = await setUp(t, { requirePkce: true });
  const verifier = client.randomPKCECodeVerifier();
  const code = await obtainCode(baseUrl, rp, account, {
    code_challenge: await client.calculatePKCECodeChallenge(verifier),
    code_challenge_method: 'S256',
  });
  const wrong = await exchange(baseUrl, rp, code, await clientAssertion(baseUrl, rp), { code_verifier: client.randomPKCECodeVerifier() });
  assert.equal(wrong.status, 400);
  assert.equal(wrong.body.error, 'invalid_grant');

  const secondCode = await obtainCode(baseUrl, rp, account, {
    code_challenge: await client.calculatePKCECodeChallenge(verifier),
    code_challenge_method: 'S256',
  });
  const right = await exchange(baseUrl, rp, secondCode, await clientAssertion(baseUrl, rp), { code_verifier: verifier });
  assert.equal(right.status, 200, JSON.stringify(right.body));
  const again = await exchange(baseUrl, rp, secondCode, await clientAssertion(baseUrl, rp), { code_verifier: verifier });
  assert.equal(again.body.error, 'invalid_grant');
});

test('attacker: text no database can store (NUL, an unpaired surrogate) in a client_id or a query is refused as OAuth refuses it, never a 500', async (t) => {
  const { baseUrl, rp } = await setUp(t);
  for (const clientId of ['svc\u0000', '\ud800', `${rp.clientId}\u0000`]) {
    const response = await fetch(`${baseUrl}/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'authorization_code', code: 'abc', redirect_uri: rp.redirectUri, client_id: clientId, client_secret: 'x' }),
    });
    assert.equal(response.status, 401, JSON.stringify(clientId));
    assert.equal(((await response.json()) as { error: string }).error, 'invalid_client');
  }
  const authorize = await get(authorizeUrl(baseUrl, rp, { state: 'a\u0000b' }));
  assert.equal(authorize.status, 400);
  assert.equal(authorize.headers.get('location'), null, 'nothing it says is sent back to the service');
});
