import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { test } from 'node:test';
import { createRemoteJWKSet, decodeJwt, decodeProtectedHeader, generateKeyPair, jwtVerify, SignJWT } from 'jose';
import * as client from 'openid-client';
import { createTestAccount, discoverAsRelyingParty, registerTestClient, startIdentityServer, type TestRelyingParty } from '../testing/identity-test-kit.ts';
import { createOidcPayloadStore } from './oidc-payload.store.ts';
import { signInOnce } from './relying-party.test-kit.ts';

async function signInWithOpenIdClient(baseUrl: string, rp: TestRelyingParty, account: Awaited<ReturnType<typeof createTestAccount>>) {
  const config = await discoverAsRelyingParty(baseUrl, rp);
  const state = client.randomState();
  const nonce = client.randomNonce();
  const request = client.buildAuthorizationUrl(config, { redirect_uri: rp.redirectUri, scope: 'openid email phone', state, nonce });
  const { callback } = await signInOnce(baseUrl, account, request.toString());
  const tokens = await client.authorizationCodeGrant(config, callback, { expectedState: state, expectedNonce: nonce });
  return { config, tokens };
}

async function userinfo(baseUrl: string, accessToken: string) {
  const response = await fetch(`${baseUrl}/userinfo`, { headers: { authorization: `Bearer ${accessToken}` } });
  return { status: response.status, body: (await response.json()) as Record<string, unknown>, challenge: response.headers.get('www-authenticate') ?? '' };
}

test('the access token is a JWT signed like GOV.UK One Login\'s: kid and alg, sub, scope as an array, iss, exp, iat, client_id, sid, jti, no aud', async (t) => {
  const { kernel, baseUrl } = await startIdentityServer(t);
  const rp = await registerTestClient(kernel);
  const { tokens } = await signInWithOpenIdClient(baseUrl, rp, await createTestAccount(kernel));
  const idToken = decodeJwt(tokens.id_token as string);
  const accessToken = tokens.access_token;

  const { payload, protectedHeader } = await jwtVerify(accessToken, createRemoteJWKSet(new URL(`${baseUrl}/.well-known/jwks.json`)), { issuer: baseUrl });
  assert.deepEqual(Object.keys(protectedHeader).sort(), ['alg', 'kid']);
  assert.equal(protectedHeader.alg, 'ES256', 'the service\'s ID token algorithm');
  assert.deepEqual(Object.keys(payload).sort(), ['client_id', 'exp', 'iat', 'iss', 'jti', 'scope', 'sid', 'sub']);
  assert.equal(payload.sub, idToken.sub, 'the pairwise subject the service knows');
  assert.equal(payload.sid, idToken.sid);
  assert.equal(payload.client_id, rp.clientId);
  assert.deepEqual(payload.scope, ['openid', 'email', 'phone']);
  assert.equal((payload.exp as number) - (payload.iat as number), 180);
  assert.equal(typeof payload.jti, 'string');

  const digest = createHash('sha256').update(accessToken).digest();
  assert.equal(idToken.at_hash, digest.subarray(0, 16).toString('base64url'), 'at_hash is of the JWT the service holds');
});

test('a service whose ID tokens are RS256 gets RS256 access tokens', async (t) => {
  const { kernel, baseUrl } = await startIdentityServer(t);
  const rp = await registerTestClient(kernel, { idTokenSigningAlg: 'RS256' });
  const { tokens } = await signInWithOpenIdClient(baseUrl, rp, await createTestAccount(kernel));
  assert.equal(decodeProtectedHeader(tokens.access_token).alg, 'RS256');
  assert.equal(decodeProtectedHeader(tokens.id_token as string).alg, 'RS256');
  assert.equal((await userinfo(baseUrl, tokens.access_token)).status, 200);
});

test('/userinfo takes only the signed JWT: not its bare jti, not a forgery naming the same jti, not a token of a grant since revoked', async (t) => {
  const { kernel, baseUrl } = await startIdentityServer(t);
  const rp = await registerTestClient(kernel);
  const account = await createTestAccount(kernel);
  const { tokens } = await signInWithOpenIdClient(baseUrl, rp, account);
  const claims = decodeJwt(tokens.access_token);

  const accepted = await userinfo(baseUrl, tokens.access_token);
  assert.equal(accepted.status, 200);
  assert.equal(accepted.body.email, account.email);
  assert.equal(accepted.body.sub, claims.sub);

  const { privateKey } = await generateKeyPair('ES256');
  const forged = await new SignJWT(claims).setProtectedHeader({ alg: 'ES256', kid: decodeProtectedHeader(tokens.access_token).kid as string }).sign(privateKey);
  const unsigned = `${tokens.access_token.split('.').slice(0, 2).join('.')}.`;
  for (const refused of [claims.jti as string, forged, unsigned, 'not-a-token']) {
    const response = await userinfo(baseUrl, refused);
    assert.equal(response.status, 401, refused);
    assert.equal(response.body.error, 'invalid_token');
    assert.match(response.challenge, /^Bearer /);
  }

  // Signing out everywhere (and deleting the account) removes the account's grants and tokens.
  await createOidcPayloadStore(kernel.db).destroyByAccount(account.id);
  const revoked = await userinfo(baseUrl, tokens.access_token);
  assert.equal(revoked.status, 401, 'the JWT has not expired, but its grant is gone');
  assert.equal(revoked.body.error, 'invalid_token');
});
