import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createLocalJWKSet, decodeProtectedHeader, jwtVerify, type JSONWebKeySet } from 'jose';
import * as client from 'openid-client';
import { createIdentityModule } from '../identity.module.ts';
import { createFormClient } from '../testing/form-client.ts';
import { createTestAccount, discoverAsRelyingParty, registerTestClient, startIdentityServer, type TestAccount, type TestRelyingParty } from '../testing/identity-test-kit.ts';
import { createSigningKeys } from './signing-keys.ts';

async function signInForIdToken(baseUrl: string, rp: TestRelyingParty, account: TestAccount): Promise<string> {
  const config = await discoverAsRelyingParty(baseUrl, rp);
  const state = client.randomState();
  const nonce = client.randomNonce();
  const browser = createFormClient(baseUrl);
  let page = await browser.get(client.buildAuthorizationUrl(config, { redirect_uri: rp.redirectUri, scope: 'openid', state, nonce }).toString());
  page = await browser.get(`${page.url}/email`);
  page = await browser.submit(page, { email: account.email });
  page = await browser.submit(page, { password: account.password });
  page = await browser.submit(page, { code: await account.nextCode() });
  const tokens = await client.authorizationCodeGrant(config, new URL(page.url), { expectedState: state, expectedNonce: nonce });
  return tokens.id_token as string;
}

async function fetchJwks(baseUrl: string): Promise<JSONWebKeySet> {
  return (await (await fetch(`${baseUrl}/.well-known/jwks.json`)).json()) as JSONWebKeySet;
}

test('rotating keys signs with the key already published as next; no ID token stops verifying', async (t) => {
  const { kernel, baseUrl } = await startIdentityServer(t, { modules: [createIdentityModule({ keyRefreshMs: 0 })] });
  const rp = await registerTestClient(kernel);
  const account = await createTestAccount(kernel);

  const jwksBefore = await fetchJwks(baseUrl);
  for (const key of jwksBefore.keys) assert.equal(key.d, undefined, 'no private key is published');
  const before = await signInForIdToken(baseUrl, rp, account);
  const signingKid = decodeProtectedHeader(before).kid;
  const published = jwksBefore.keys.filter((key) => key.alg === 'ES256');
  const nextKey = published.find((key) => key.key_ops?.includes('verify') && key.kid !== signingKid);
  assert.ok(nextKey, 'a next ES256 key is published before it is used');

  const rotation = await createSigningKeys({ db: kernel.db, secrets: kernel.secrets }).rotate();
  assert.ok(rotation.current.includes(nextKey.kid as string));

  const after = await signInForIdToken(baseUrl, rp, account);
  assert.equal(decodeProtectedHeader(after).kid, nextKey.kid, 'signs with the key that was next');
  // A service that fetched the keys before the rotation verifies the new token without refetching...
  await jwtVerify(after, createLocalJWKSet(jwksBefore), { issuer: baseUrl, audience: rp.clientId });
  // ...and the token signed before the rotation still verifies against the keys published now.
  await jwtVerify(before, createLocalJWKSet(await fetchJwks(baseUrl)), { issuer: baseUrl, audience: rp.clientId, currentDate: new Date() });
});
