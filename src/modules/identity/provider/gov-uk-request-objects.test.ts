import assert from 'node:assert/strict';
import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { test, type TestContext } from 'node:test';
import { SignJWT } from 'jose';
import { createClientRegistry } from '../clients/clients.ts';
import { createFormClient } from '../testing/form-client.ts';
import { createTestAccount, startIdentityServer } from '../testing/identity-test-kit.ts';
import { clientAssertion, privateKeyJwtFields, requestTokens, signInOnce } from './relying-party.test-kit.ts';

const redirectUri = 'https://service.example.gov.uk/callback';

async function setUp(t: TestContext) {
  const { kernel, baseUrl } = await startIdentityServer(t);
  const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const { clientId } = await createClientRegistry({ db: kernel.db }).add({
    name: 'Service using JAR',
    redirectUris: [redirectUri],
    publicKey: publicKey.export({ type: 'spki', format: 'pem' }) as string,
    scopes: ['openid', 'email', 'phone'],
  });
  return { kernel, baseUrl, clientId, privateKey };
}

/** The request object of GOV.UK One Login's documentation, signed with PS256 unless told otherwise. */
function requestObject(options: { baseUrl: string; clientId: string; key: KeyObject; claims?: Record<string, unknown>; audience?: string; alg?: string; expiresAt?: number }) {
  return new SignJWT({
    response_type: 'code',
    client_id: options.clientId,
    redirect_uri: redirectUri,
    scope: 'openid email',
    state: 'af0ifjsldkj',
    nonce: 'n-0S6_WzA2Mj',
    vtr: ['Cl.Cm'],
    ui_locales: 'en',
    claims: { userinfo: { email: null } },
    ...options.claims,
  })
    .setProtectedHeader({ alg: options.alg ?? 'PS256' })
    .setIssuer(options.clientId)
    .setAudience(options.audience ?? `${options.baseUrl}/authorize`)
    .setExpirationTime(options.expiresAt ?? '5m')
    .sign(options.key);
}

function authorizeWith(baseUrl: string, clientId: string, request: string, query: Record<string, string> = {}) {
  const url = new URL('/authorize', baseUrl);
  for (const [name, value] of Object.entries({ response_type: 'code', scope: 'openid email', client_id: clientId, request, ...query })) url.searchParams.set(name, value);
  return url.toString();
}

test('a request object as GOV.UK documents it (aud the authorize URL, vtr an array, PS256) signs a person in, and the code is exchanged with PS256', async (t) => {
  const { kernel, baseUrl, clientId, privateKey } = await setUp(t);
  const request = await requestObject({ baseUrl, clientId, key: privateKey });
  const { callback } = await signInOnce(baseUrl, await createTestAccount(kernel), authorizeWith(baseUrl, clientId, request));
  assert.equal(`${callback.origin}${callback.pathname}`, redirectUri);
  assert.equal(callback.searchParams.get('state'), 'af0ifjsldkj', 'the state of the request object');
  const code = callback.searchParams.get('code') as string;
  const assertion = await clientAssertion({ clientId, audience: `${baseUrl}/token`, key: privateKey, alg: 'PS256' });
  const tokens = await requestTokens(baseUrl, privateKeyJwtFields(code, redirectUri, assertion));
  assert.equal(tokens.status, 200, JSON.stringify(tokens.body));
  const idToken = JSON.parse(Buffer.from(String(tokens.body.id_token).split('.')[1] as string, 'base64url').toString()) as Record<string, unknown>;
  assert.equal(idToken.nonce, 'n-0S6_WzA2Mj');
  assert.equal(idToken.vot, 'Cl.Cm');
  const accessToken = JSON.parse(Buffer.from(String(tokens.body.access_token).split('.')[1] as string, 'base64url').toString()) as Record<string, unknown>;
  assert.deepEqual(accessToken.claims, ['email'], 'the userinfo claims asked for by name');
});

test('a request object whose aud is the issuer, as OpenID Connect has it, is accepted too; every algorithm GOV.UK lists works', async (t) => {
  const { kernel, baseUrl, clientId, privateKey } = await setUp(t);
  const { browser } = await signInOnce(baseUrl, await createTestAccount(kernel), authorizeWith(baseUrl, clientId, await requestObject({ baseUrl, clientId, key: privateKey, audience: baseUrl })));
  for (const alg of ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512']) {
    const callback = new URL((await browser.get(authorizeWith(baseUrl, clientId, await requestObject({ baseUrl, clientId, key: privateKey, alg, claims: { state: alg } })))).url);
    assert.equal(callback.searchParams.get('state'), alg);
    assert.ok(callback.searchParams.get('code'), alg);
  }
});

test('a request object is refused when its signature, aud, iss, expiry, scope, client_id or vtr is wrong, or it nests another', async (t) => {
  const { baseUrl, clientId, privateKey } = await setUp(t);
  const { privateKey: otherKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const cases: Array<[string, string, Record<string, string>?]> = [
    ['signed by another key', await requestObject({ baseUrl, clientId, key: otherKey })],
    ['aud of another server', await requestObject({ baseUrl, clientId, key: privateKey, audience: 'https://oidc.account.gov.uk/authorize' })],
    ['aud the token endpoint', await requestObject({ baseUrl, clientId, key: privateKey, audience: `${baseUrl}/token` })],
    ['iss another client', await new SignJWT({ response_type: 'code', client_id: clientId, redirect_uri: redirectUri, scope: 'openid email', state: 's', nonce: 'n' }).setProtectedHeader({ alg: 'PS256' }).setIssuer('someone-else').setAudience(`${baseUrl}/authorize`).setExpirationTime('5m').sign(privateKey)],
    ['expired', await requestObject({ baseUrl, clientId, key: privateKey, expiresAt: Math.floor(Date.now() / 1000) - 60 })],
    ['scope differs from the query', await requestObject({ baseUrl, clientId, key: privateKey, claims: { scope: 'openid email phone' } })],
    ['client_id differs', await requestObject({ baseUrl, clientId, key: privateKey, claims: { client_id: 'another-client' } })],
    ['nests a request', await requestObject({ baseUrl, clientId, key: privateKey, claims: { request: 'x.y.z' } })],
  ];
  const browser = createFormClient(baseUrl);
  for (const [what, request] of cases) {
    const page = await browser.get(authorizeWith(baseUrl, clientId, request));
    assert.ok(!page.url.startsWith(redirectUri) || new URL(page.url).searchParams.get('error'), `${what}: no sign-in starts`);
    assert.doesNotMatch(page.url, /\/sign-in\//, `${what}: no sign-in starts`);
  }

  const notAllowedVtr = await requestObject({ baseUrl, clientId, key: privateKey, claims: { vtr: ['Cl'] } });
  const refused = new URL((await browser.get(authorizeWith(baseUrl, clientId, notAllowedVtr))).url);
  assert.equal(`${refused.origin}${refused.pathname}`, redirectUri);
  assert.equal(refused.searchParams.get('error'), 'invalid_request');
  assert.equal(refused.searchParams.get('error_description'), 'Request vtr not valid');
});
