import assert from 'node:assert/strict';
import { generateKeyPairSync, randomUUID, type KeyObject } from 'node:crypto';
import { test, type TestContext } from 'node:test';
import { SignJWT, UnsecuredJWT } from 'jose';
import { createClientRegistry } from '../clients/clients.ts';
import { createFormClient } from '../testing/form-client.ts';
import { createTestAccount, startIdentityServer } from '../testing/identity-test-kit.ts';
import { REQUEST_OBJECT_MAX_SECONDS } from './gov-uk-request-objects.ts';
import { clientAssertion, privateKeyJwtFields, requestTokens, signInOnce } from './relying-party.test-kit.ts';

const redirectUri = 'https://service.example.gov.uk/callback';

async function setUp(t: TestContext) {
  const { kernel, baseUrl } = await startIdentityServer(t);
  const registry = createClientRegistry({ db: kernel.db });
  const register = async (name: string) => {
    const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const { clientId } = await registry.add({
      name,
      redirectUris: [redirectUri],
      publicKey: publicKey.export({ type: 'spki', format: 'pem' }) as string,
      scopes: ['openid', 'email'],
    });
    return { clientId, privateKey };
  };
  const { clientId, privateKey } = await register('Service using JAR');
  return { kernel, baseUrl, clientId, privateKey, register };
}

type ObjectOptions = {
  baseUrl: string;
  clientId: string;
  key: KeyObject;
  claims?: Record<string, unknown>;
  audience?: string | string[];
  issuer?: string;
  alg?: string;
  /** Seconds since the epoch; `null` leaves exp out. */
  expiresAt?: number | null;
  issuedAt?: number;
};

const now = () => Math.floor(Date.now() / 1000);

/** The request object of GOV.UK One Login's documentation, signed with PS256 unless told otherwise, valid for a minute. */
function requestObject(options: ObjectOptions) {
  const jwt = new SignJWT({
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
    .setIssuer(options.issuer ?? options.clientId)
    .setAudience(options.audience ?? `${options.baseUrl}/authorize`)
    .setIssuedAt(options.issuedAt ?? now());
  if (options.expiresAt !== null) jwt.setExpirationTime(options.expiresAt ?? now() + 60);
  return jwt.sign(options.key);
}

/** GET /authorize as GOV.UK documents it: response_type, scope and client_id in the query beside the object. */
function authorizeWith(baseUrl: string, clientId: string, request: string, query: Record<string, string> = {}) {
  const url = new URL('/authorize', baseUrl);
  for (const [name, value] of Object.entries({ response_type: 'code', scope: 'openid email', client_id: clientId, request, ...query })) url.searchParams.set(name, value);
  return url.toString();
}

/** The same request as a form POST to /authorize. */
function postAuthorize(baseUrl: string, fields: Record<string, string>, cookie = '') {
  return fetch(`${baseUrl}/authorize`, {
    method: 'POST',
    redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'text/html', cookie },
    body: new URLSearchParams({ response_type: 'code', scope: 'openid email', ...fields }),
  });
}

/** Asserts the request was refused on One Login's own error page: no sign-in, nothing sent to the service. */
async function assertRefused(response: Response, what: string, description?: RegExp) {
  assert.equal(response.status, 400, what);
  assert.equal(response.headers.get('location'), null, what);
  const page = await response.text();
  assert.match(page, /invalid_request_object/, what);
  if (description) assert.match(page, description, what);
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

test('the query may name fewer scopes than the object, as GOV.UK\'s example service sends them (scope=openid beside the full scope); the object\'s are used', async (t) => {
  const { kernel, baseUrl, clientId, privateKey } = await setUp(t);
  const request = await requestObject({ baseUrl, clientId, key: privateKey, claims: { scope: 'email openid' } });
  const { callback } = await signInOnce(baseUrl, await createTestAccount(kernel), authorizeWith(baseUrl, clientId, request, { scope: 'openid' }));
  const code = callback.searchParams.get('code') as string;
  const tokens = await requestTokens(baseUrl, privateKeyJwtFields(code, redirectUri, await clientAssertion({ clientId, audience: `${baseUrl}/token`, key: privateKey, alg: 'PS256' })));
  const accessToken = JSON.parse(Buffer.from(String(tokens.body.access_token).split('.')[1] as string, 'base64url').toString()) as { scope: string[] };
  assert.deepEqual([...accessToken.scope].sort(), ['email', 'openid']);
});

test('a request object may come in a form POST to /authorize, as well as a GET', async (t) => {
  const { kernel, baseUrl, clientId, privateKey } = await setUp(t);
  const account = await createTestAccount(kernel);
  const { browser } = await signInOnce(baseUrl, account, authorizeWith(baseUrl, clientId, await requestObject({ baseUrl, clientId, key: privateKey })));
  const cookie = [...browser.cookies].map(([name, value]) => `${name}=${value}`).join('; ');
  const response = await postAuthorize(baseUrl, { client_id: clientId, request: await requestObject({ baseUrl, clientId, key: privateKey, claims: { state: 'posted' } }) }, cookie);
  assert.equal(response.status, 303);
  const callback = new URL(response.headers.get('location') as string);
  assert.equal(`${callback.origin}${callback.pathname}`, redirectUri);
  assert.equal(callback.searchParams.get('state'), 'posted');
  assert.ok(callback.searchParams.get('code'));

  const fresh = await postAuthorize(baseUrl, { client_id: clientId, request: await requestObject({ baseUrl, clientId, key: privateKey, claims: { state: 'fresh' } }) });
  assert.match(fresh.headers.get('location') ?? '', /^\/sign-in\//, `without a session, sign-in starts: ${fresh.status} ${(await fresh.text()).match(/Technical details[^<]*/)}`);
  const tooLarge = await postAuthorize(baseUrl, { client_id: clientId, request: 'x'.repeat(60 * 1024) });
  assert.equal(tooLarge.status, 400, 'a body past the limit is refused, not a 500');
});

test('attacker: a request object is refused when expired, issued in the future, for another audience or issuer, unsigned, signed by another key, or malformed', async (t) => {
  const { baseUrl, clientId, privateKey, register } = await setUp(t);
  const other = await register('Another service');
  const { privateKey: strangerKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const unsigned = new UnsecuredJWT({ response_type: 'code', client_id: clientId, redirect_uri: redirectUri, scope: 'openid email', state: 's', nonce: 'n' })
    .setIssuer(clientId)
    .setAudience(`${baseUrl}/authorize`)
    .setExpirationTime('1m')
    .encode();
  const cases: Array<[string, string, RegExp?]> = [
    ['expired', await requestObject({ baseUrl, clientId, key: privateKey, issuedAt: now() - 120, expiresAt: now() - 60 })],
    ['issued in the future', await requestObject({ baseUrl, clientId, key: privateKey, issuedAt: now() + 120 })],
    ['without exp', await requestObject({ baseUrl, clientId, key: privateKey, expiresAt: null }), /must have an exp claim/],
    [`living longer than ${REQUEST_OBJECT_MAX_SECONDS} seconds`, await requestObject({ baseUrl, clientId, key: privateKey, expiresAt: now() + REQUEST_OBJECT_MAX_SECONDS + 60 }), /must expire within/],
    ['issued long ago and expiring soon', await requestObject({ baseUrl, clientId, key: privateKey, issuedAt: now() - 3600, expiresAt: now() + 30 }), /must expire within/],
    ['aud of another server', await requestObject({ baseUrl, clientId, key: privateKey, audience: 'https://oidc.account.gov.uk/authorize' })],
    ['aud the token endpoint', await requestObject({ baseUrl, clientId, key: privateKey, audience: `${baseUrl}/token` })],
    ['aud ours among others', await requestObject({ baseUrl, clientId, key: privateKey, audience: [`${baseUrl}/authorize`, 'https://oidc.account.gov.uk/authorize'] })],
    ['iss another client', await requestObject({ baseUrl, clientId, key: privateKey, issuer: other.clientId })],
    ['unsigned (alg none)', unsigned],
    ['signed by a stranger\'s key', await requestObject({ baseUrl, clientId, key: strangerKey })],
    ['signed by another registered service\'s key', await requestObject({ baseUrl, clientId, key: other.privateKey })],
    ['another service\'s own object, presented as this one\'s', await requestObject({ baseUrl, clientId: other.clientId, key: other.privateKey })],
    ['client_id differs', await requestObject({ baseUrl, clientId, key: privateKey, claims: { client_id: other.clientId } }), /client_id/],
    ['without client_id', await requestObject({ baseUrl, clientId, key: privateKey, claims: { client_id: undefined } }), /client_id/],
    ['response_type token', await requestObject({ baseUrl, clientId, key: privateKey, claims: { response_type: 'token' } }), /response_type/],
    ['a scope the service is not registered for', await requestObject({ baseUrl, clientId, key: privateKey, claims: { scope: 'openid email phone' } }), /scopes the service is registered for/],
    ['nests a request', await requestObject({ baseUrl, clientId, key: privateKey, claims: { request: 'x.y.z' } }), /must not contain request/],
    ['not a JWT', 'not-a-jwt'],
  ];
  for (const [what, request] of cases) {
    await assertRefused(await fetch(authorizeWith(baseUrl, clientId, request), { redirect: 'manual', headers: { accept: 'text/html' } }), what, cases.find(([name]) => name === what)?.[2]);
    await assertRefused(await postAuthorize(baseUrl, { client_id: clientId, request }), `${what} (POST)`);
  }
  const viaTrailingSlash = authorizeWith(baseUrl, clientId, await requestObject({ baseUrl, clientId, key: strangerKey })).replace('/authorize?', '/authorize/?');
  const answer = await fetch(viaTrailingSlash, { redirect: 'manual', headers: { accept: 'text/html' } });
  await assertRefused(answer, '/authorize/ with a trailing slash is checked as /authorize is', /could not validate/);
  const unregisteredInQuery = await requestObject({ baseUrl, clientId, key: privateKey });
  await assertRefused(
    await fetch(authorizeWith(baseUrl, clientId, unregisteredInQuery, { scope: 'openid phone' }), { redirect: 'manual', headers: { accept: 'text/html' } }),
    'a scope in the query the service is not registered for',
  );

  const notAllowedVtr = await requestObject({ baseUrl, clientId, key: privateKey, claims: { vtr: ['Cl'] } });
  const refused = new URL((await createFormClient(baseUrl).get(authorizeWith(baseUrl, clientId, notAllowedVtr))).url);
  assert.equal(`${refused.origin}${refused.pathname}`, redirectUri);
  assert.equal(refused.searchParams.get('error'), 'invalid_request');
  assert.equal(refused.searchParams.get('error_description'), 'Request vtr not valid');
});

test('attacker: a request object works once: the same object again, by GET or POST, or another object with the same jti, is refused', async (t) => {
  const { baseUrl, clientId, privateKey } = await setUp(t);
  const get = (request: string) => fetch(authorizeWith(baseUrl, clientId, request), { redirect: 'manual', headers: { accept: 'text/html' } });

  const once = await requestObject({ baseUrl, clientId, key: privateKey });
  assert.match((await get(once)).headers.get('location') ?? '', /^\/sign-in\//);
  await assertRefused(await get(once), 'the same object again', /already been used/);
  await assertRefused(await postAuthorize(baseUrl, { client_id: clientId, request: once }), 'the same object posted', /already been used/);

  const jti = randomUUID();
  const first = await requestObject({ baseUrl, clientId, key: privateKey, claims: { jti, state: 'first' } });
  assert.match((await get(first)).headers.get('location') ?? '', /^\/sign-in\//);
  await assertRefused(await get(await requestObject({ baseUrl, clientId, key: privateKey, claims: { jti, state: 'second' } })), 'a new object with a used jti', /already been used/);

  // The same object sent many times at once: exactly one starts a sign-in.
  const raced = await requestObject({ baseUrl, clientId, key: privateKey, claims: { state: 'raced' } });
  const responses = await Promise.all(Array.from({ length: 8 }, () => get(raced)));
  assert.equal(responses.filter((response) => response.status === 303).length, 1, responses.map((response) => response.status).join(' '));
  assert.equal(responses.filter((response) => response.status === 400).length, 7);
});
