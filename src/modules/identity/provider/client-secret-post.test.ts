import assert from 'node:assert/strict';
import { test, type TestContext } from 'node:test';
import { decodeJwt, exportJWK, generateKeyPair } from 'jose';
import { sql } from 'kysely';
import type { Database } from '../../../platform/db/database.ts';
import { ClientRegistrationError, createClientRegistry } from '../clients/clients.ts';
import { createTestAccount, registerTestClient, startIdentityServer } from '../testing/identity-test-kit.ts';
import { authorizeUrl, clientAssertion, codeFrom, privateKeyJwtFields, requestTokens, signInOnce } from './relying-party.test-kit.ts';
import { asksForIdentity } from './vectors-of-trust.ts';

const redirectUri = 'https://platform.example.gov.uk/callback';

/** A service on a platform that cannot sign client assertions, registered with a generated secret. */
async function setUp(t: TestContext) {
  const server = await startIdentityServer(t);
  const { clientId, clientSecret } = await createClientRegistry({ db: server.kernel.db }).add({
    name: 'Third-party platform',
    redirectUris: [redirectUri],
    tokenAuthMethod: 'client_secret_post',
    scopes: ['openid', 'email'],
  });
  assert.ok(clientSecret);
  const rp = { clientId, redirectUri };
  const account = await createTestAccount(server.kernel);
  return { ...server, rp, clientSecret, account };
}

function secretFields(code: string, clientId: string, clientSecret: string): Record<string, string> {
  return { code, redirect_uri: redirectUri, client_id: clientId, client_secret: clientSecret };
}

/**
 * Every row of every table of this test's database, as text. On PostgreSQL only this test's
 * schema is read (from information_schema: other test files create and drop theirs meanwhile).
 */
async function everyStoredValue(db: Database): Promise<string> {
  const postgres = await sql<{ name: string }>`select table_name as name from information_schema.tables where table_schema = current_schema() and table_type = 'BASE TABLE'`
    .execute(db)
    .catch(() => undefined);
  const { rows: tables } = postgres ?? (await sql<{ name: string }>`select name from sqlite_master where type = 'table'`.execute(db));
  assert.ok(tables.some((table) => table.name === 'identity_client'));
  const contents: string[] = [];
  for (const table of tables) {
    const { rows: stored } = await sql`select * from ${sql.table(table.name)}`.execute(db);
    contents.push(JSON.stringify(stored));
  }
  return contents.join('\n');
}

test('a client_secret_post service exchanges its code with its secret; a wrong secret is invalid_client and spends nothing', async (t) => {
  const { baseUrl, rp, clientSecret, account } = await setUp(t);
  assert.match(clientSecret, /^[A-Za-z0-9_-]{54}$/, '40 random bytes, as GOV.UK One Login asks of a service (openssl rand 40)');
  const { callback } = await signInOnce(baseUrl, account, authorizeUrl(baseUrl, rp));
  const code = callback.searchParams.get('code') as string;

  // One character changed (never to the one it was: a secret may end in 'A'), too short, another case.
  const lastChanged = `${clientSecret.slice(0, -1)}${clientSecret.endsWith('A') ? 'B' : 'A'}`;
  for (const wrong of [lastChanged, 'x', clientSecret.toUpperCase()]) {
    const refused = await requestTokens(baseUrl, secretFields(code, rp.clientId, wrong));
    assert.equal(refused.status, 401, wrong);
    assert.equal(refused.body.error, 'invalid_client');
  }
  const noSecret = await requestTokens(baseUrl, { code, redirect_uri: redirectUri, client_id: rp.clientId });
  assert.equal(noSecret.status, 401);
  assert.equal(noSecret.body.error, 'invalid_client');

  const accepted = await requestTokens(baseUrl, secretFields(code, rp.clientId, clientSecret));
  assert.equal(accepted.status, 200, JSON.stringify(accepted.body));
  assert.equal(accepted.body.token_type, 'Bearer');
  assert.equal(decodeJwt(accepted.body.id_token as string).aud, rp.clientId);
  const userinfo = await fetch(`${baseUrl}/userinfo`, { headers: { authorization: `Bearer ${accepted.body.access_token}` } });
  assert.equal(((await userinfo.json()) as { email?: string }).email, account.email);

  const replayed = await requestTokens(baseUrl, secretFields(code, rp.clientId, clientSecret));
  assert.equal(replayed.body.error, 'invalid_grant', 'a code is spent once, secret or not');
});

test('the secret is kept only as an Argon2id hash: no table holds it in clear', async (t) => {
  const { kernel, baseUrl, rp, clientSecret, account } = await setUp(t);
  // Use it once, so whatever the provider keeps of a token exchange is in the database too.
  const { callback } = await signInOnce(baseUrl, account, authorizeUrl(baseUrl, rp));
  assert.equal((await requestTokens(baseUrl, secretFields(callback.searchParams.get('code') as string, rp.clientId, clientSecret))).status, 200);

  const stored = await everyStoredValue(kernel.db);
  assert.ok(stored.includes(rp.clientId), 'the scan reads the client registry');
  for (const form of [clientSecret, Buffer.from(clientSecret, 'base64url').toString('base64'), Buffer.from(clientSecret, 'base64url').toString('hex')]) {
    assert.ok(!stored.includes(form), 'the secret, in any encoding, is nowhere in the database');
  }
  assert.match(stored, /\$argon2id\$v=19\$m=\d+,t=\d+,p=\d+\$/, 'an Argon2id hash is kept instead');
  assert.equal((await createClientRegistry({ db: kernel.db }).list()).find((client) => client.clientId === rp.clientId)?.tokenAuthMethod, 'client_secret_post');
});

test('a private_key_jwt service cannot use a secret, and a client_secret_post service cannot use a client assertion', async (t) => {
  const { kernel, baseUrl, rp, clientSecret, account } = await setUp(t);
  const keyService = await registerTestClient(kernel, { redirectUris: ['https://service.example.gov.uk/callback'] });
  const { browser } = await signInOnce(baseUrl, account, authorizeUrl(baseUrl, keyService));

  const keyServiceCode = await codeFrom(browser, authorizeUrl(baseUrl, keyService));
  for (const secret of [clientSecret, 'anything']) {
    const refused = await requestTokens(baseUrl, { code: keyServiceCode, redirect_uri: keyService.redirectUri, client_id: keyService.clientId, client_secret: secret });
    assert.equal(refused.status, 401);
    assert.equal(refused.body.error, 'invalid_client');
  }
  const basic = await fetch(`${baseUrl}/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: `Basic ${Buffer.from(`${keyService.clientId}:anything`).toString('base64')}` },
    body: new URLSearchParams({ grant_type: 'authorization_code', code: keyServiceCode, redirect_uri: keyService.redirectUri }),
  });
  assert.equal(basic.status, 401);

  const secretServiceCode = await codeFrom(browser, authorizeUrl(baseUrl, rp));
  const { privateKey } = await generateKeyPair('ES256');
  const assertion = await clientAssertion({ clientId: rp.clientId, audience: `${baseUrl}/token`, key: privateKey, alg: 'ES256' });
  const asKeyService = await requestTokens(baseUrl, privateKeyJwtFields(secretServiceCode, redirectUri, assertion));
  assert.equal(asKeyService.status, 401);
  assert.equal(asKeyService.body.error, 'invalid_client');

  // Both codes were left unspent by the refusals.
  assert.equal((await requestTokens(baseUrl, secretFields(secretServiceCode, rp.clientId, clientSecret))).status, 200);
  const keyAssertion = await clientAssertion({ clientId: keyService.clientId, audience: `${baseUrl}/token`, key: keyService.privateKey, alg: 'ES256' });
  assert.equal((await requestTokens(baseUrl, privateKeyJwtFields(keyServiceCode, keyService.redirectUri, keyAssertion))).status, 200);
});

test('a client_secret_post service may not ask for identity: vtr with a level of confidence is invalid_request, as GOV.UK One Login', async (t) => {
  const { baseUrl, rp } = await setUp(t);
  for (const vtr of ['["Cl.Cm.P2"]', '["P2.Cl.Cm"]', '["Cl.Cm.P1"]', '["Cl.Cm", "Cl.Cm.P2"]']) {
    const response = await fetch(authorizeUrl(baseUrl, rp, { vtr }), { redirect: 'manual', headers: { accept: 'text/html' } });
    assert.equal(response.status, 303, vtr);
    const location = new URL(response.headers.get('location') as string);
    assert.equal(`${location.origin}${location.pathname}`, redirectUri);
    assert.equal(location.searchParams.get('error'), 'invalid_request', vtr);
    assert.equal(location.searchParams.get('error_description'), 'Request vtr not valid');
  }
  const authentication = await fetch(authorizeUrl(baseUrl, rp, { vtr: '["Cl.Cm"]' }), { redirect: 'manual', headers: { accept: 'text/html' } });
  assert.match(authentication.headers.get('location') ?? '', /^\/sign-in\//, 'authentication alone is what such a service may ask for');

  assert.equal(asksForIdentity('["Cl.Cm"]'), false);
  assert.equal(asksForIdentity('["Cl.Cm.P0"]'), false, 'P0 is no identity');
  assert.equal(asksForIdentity(undefined), false);
  assert.equal(asksForIdentity('["Cl.Cm.P2"]'), true);
  assert.equal(asksForIdentity('["P3.Cl.Cm"]'), true);
  assert.equal(asksForIdentity('not json'), true);
});

test('registration: a secret service has no key, a key service needs one, and the secret differs each time', async (t) => {
  const { kernel } = await startIdentityServer(t);
  const registry = createClientRegistry({ db: kernel.db });
  const { publicKey } = await generateKeyPair('ES256', { extractable: true });
  const jwk = JSON.stringify(await exportJWK(publicKey));
  const refused: Array<[Parameters<typeof registry.add>[0], RegExp]> = [
    [{ name: 'A', redirectUris: [redirectUri], tokenAuthMethod: 'client_secret_post', publicKey: jwk }, /no public key/],
    [{ name: 'B', redirectUris: [redirectUri] }, /needs its public key/],
    [{ name: 'C', redirectUris: [redirectUri], tokenAuthMethod: 'client_secret_basic' as never }, /token authentication method/],
  ];
  for (const [client, message] of refused) {
    await assert.rejects(registry.add(client), (error: unknown) => error instanceof ClientRegistrationError && message.test(error.message), message.source);
  }
  const first = await registry.add({ name: 'D', redirectUris: [redirectUri], tokenAuthMethod: 'client_secret_post' });
  const second = await registry.add({ name: 'E', redirectUris: [redirectUri], tokenAuthMethod: 'client_secret_post' });
  assert.notEqual(first.clientSecret, second.clientSecret);
  assert.equal((await registry.add({ name: 'F', redirectUris: [redirectUri], publicKey: jwk })).clientSecret, undefined);
});
