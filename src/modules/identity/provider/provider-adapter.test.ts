import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as client from 'openid-client';
import { createSecretBoxes } from '../../../platform/secrets/secret-box.ts';
import { createTestKernel } from '../../../testing/test-kernel.ts';
import { createClientStore } from '../clients/client.store.ts';
import { createIdentityModule } from '../identity.module.ts';
import { up as hashOidcIdentifiers } from '../migrations/0005-hash-oidc-identifiers.ts';
import { createFormClient } from '../testing/form-client.ts';
import { createTestAccount, discoverAsRelyingParty, registerTestClient, startIdentityServer } from '../testing/identity-test-kit.ts';
import { createOidcPayloadStore, type OidcPayloadRow } from './oidc-payload.store.ts';
import { createProviderAdapter, OIDC_PAYLOAD_PURPOSE, storedKeyOf } from './provider-adapter.ts';

type PayloadTables = { identity_oidc_payload: OidcPayloadRow };

test('a copy of the provider table gives away no session cookie, session uid, code, access token or grant, and all of them still work', async (t) => {
  const { kernel, baseUrl } = await startIdentityServer(t);
  const rp = await registerTestClient(kernel, { postLogoutRedirectUris: ['https://service.example.gov.uk/signed-out'] });
  const account = await createTestAccount(kernel);
  const config = await discoverAsRelyingParty(baseUrl, rp);
  const browser = createFormClient(baseUrl);
  const state = client.randomState();
  const nonce = client.randomNonce();
  const start = await browser.get(client.buildAuthorizationUrl(config, { redirect_uri: rp.redirectUri, scope: 'openid email', state, nonce }).toString());
  const interactionUid = new URL(start.url).pathname.split('/')[2] as string;
  const passwordPage = await browser.submit(await browser.get(`${start.url}/email`), { email: account.email });
  const codePage = await browser.submit(passwordPage, { password: account.password });
  const callback = new URL((await browser.submit(codePage, { code: await account.nextCode() })).url);
  const code = callback.searchParams.get('code') as string;
  const tokens = await client.authorizationCodeGrant(config, callback, { expectedState: state, expectedNonce: nonce });
  const claims = tokens.claims();
  assert.ok(claims);
  assert.equal((await client.fetchUserInfo(config, tokens.access_token, claims.sub)).email, account.email, 'the access token works');

  const sessionCookie = browser.cookies.get('civitas_oidc_session') as string;
  const rows = await kernel.db.withTables<PayloadTables>().selectFrom('identity_oidc_payload').selectAll().execute();
  const sessionRow = rows.find((row) => row.model === 'Session');
  assert.equal(sessionRow?.id, storedKeyOf(sessionCookie), 'the session is kept under the hash of its cookie');
  const session = JSON.parse(kernel.secrets.forPurpose(OIDC_PAYLOAD_PURPOSE).open(sessionRow.payload)) as {
    uid: string;
    authorizations: Record<string, { grantId: string }>;
  };
  const secrets = {
    'session cookie': sessionCookie,
    'session uid': session.uid,
    'interaction uid': interactionUid,
    'authorization code': code,
    'access token': tokens.access_token,
    'grant id': session.authorizations[rp.clientId]?.grantId as string,
  };
  for (const [name, value] of Object.entries(secrets)) assert.ok(value && value.length >= 20, `${name} known to the test`);
  assert.deepEqual([...new Set(rows.map((row) => row.model))].sort(), ['AccessToken', 'AuthorizationCode', 'Grant', 'ReplayDetection', 'Session']);
  for (const row of rows) {
    for (const [column, stored] of Object.entries(row)) {
      for (const [name, value] of Object.entries(secrets)) {
        assert.ok(!String(stored ?? '').includes(value), `${row.model}.${column} holds the ${name} in clear`);
      }
    }
    if (row.model !== 'ReplayDetection') assert.match(row.payload, /^sealed1\./, `${row.model} payload sealed`);
  }

  // Signing out finds the session by its cookie and ends it.
  const logout = new URL('/logout', baseUrl);
  logout.searchParams.set('id_token_hint', tokens.id_token as string);
  logout.searchParams.set('post_logout_redirect_uri', 'https://service.example.gov.uk/signed-out');
  const signedOut = await browser.submit(await browser.get(logout.toString()), {});
  assert.match(signedOut.url, /^https:\/\/service\.example\.gov\.uk\/signed-out/);
  const left = await kernel.db.withTables<PayloadTables>().selectFrom('identity_oidc_payload').select('model').execute();
  assert.ok(!left.some((row) => row.model === 'Session'), 'the session is gone');
  const again = await browser.get(client.buildAuthorizationUrl(config, { redirect_uri: rp.redirectUri, scope: 'openid', state, nonce }).toString());
  assert.match(again.url, /\/sign-in\//, 'signed out: the next authorization asks to sign in');
});

test('the adapter finds, consumes, destroys and revokes by the values oidc-provider holds, and treats a payload it cannot open as absent', async (t) => {
  const kernel = await createTestKernel(t, { modules: [createIdentityModule()] });
  const payloadBox = kernel.secrets.forPurpose(OIDC_PAYLOAD_PURPOSE);
  const Adapter = createProviderAdapter({ payloads: createOidcPayloadStore(kernel.db), clients: createClientStore(kernel.db), payloadBox, clock: () => new Date() });
  const sessions = new Adapter('Session');
  const codes = new Adapter('AuthorizationCode');
  const tokens = new Adapter('AccessToken');

  await sessions.upsert('session-cookie-value-0123456789', { jti: 'session-cookie-value-0123456789', uid: 'session-uid-0123456789', accountId: 'account-1' }, 60);
  assert.equal((await sessions.find('session-cookie-value-0123456789'))?.uid, 'session-uid-0123456789');
  assert.equal((await sessions.findByUid('session-uid-0123456789'))?.jti, 'session-cookie-value-0123456789');
  assert.equal(await sessions.find(storedKeyOf('session-cookie-value-0123456789')), undefined, 'the stored key is not a session id');
  assert.equal(await codes.find('session-cookie-value-0123456789'), undefined, 'each model apart');

  await codes.upsert('code-0123456789', { jti: 'code-0123456789', grantId: 'grant-0123456789' }, 60);
  await tokens.upsert('token-0123456789', { jti: 'token-0123456789', grantId: 'grant-0123456789' }, 60);
  await codes.consume('code-0123456789');
  assert.equal(typeof (await codes.find('code-0123456789'))?.consumed, 'number');
  await tokens.revokeByGrantId('grant-0123456789');
  assert.equal(await codes.find('code-0123456789'), undefined);
  assert.equal(await tokens.find('token-0123456789'), undefined);
  await sessions.destroy('session-cookie-value-0123456789');
  assert.equal(await sessions.find('session-cookie-value-0123456789'), undefined);

  // A payload sealed under an ENCRYPTION_KEY no longer configured is as good as expired.
  const ForgottenKey = createProviderAdapter({
    payloads: createOidcPayloadStore(kernel.db),
    clients: createClientStore(kernel.db),
    payloadBox: createSecretBoxes({ current: 'an-encryption-key-that-is-no-longer-configured' }).forPurpose(OIDC_PAYLOAD_PURPOSE),
    clock: () => new Date(),
  });
  await new ForgottenKey('Grant').upsert('grant-under-old-key', { jti: 'grant-under-old-key', accountId: 'account-1' }, 60);
  assert.equal(await new Adapter('Grant').find('grant-under-old-key'), undefined);
});

test('migration 0005 deletes the rows kept in clear before it, except replay detection', async (t) => {
  const kernel = await createTestKernel(t, { modules: [createIdentityModule()] });
  const payloads = createOidcPayloadStore(kernel.db);
  const row = (model: string, id: string): OidcPayloadRow => ({
    model, id, payload: `{"jti":"${id}"}`, grant_id: null, user_code: null, uid: null, account_id: null, expires_at: null, consumed_at: null,
  });
  for (const model of ['Session', 'AccessToken', 'AuthorizationCode', 'Grant', 'Interaction', 'ReplayDetection']) await payloads.upsert(row(model, `${model}-in-clear`));
  await hashOidcIdentifiers(kernel.db);
  const left = await kernel.db.withTables<PayloadTables>().selectFrom('identity_oidc_payload').select(['model', 'id']).execute();
  assert.deepEqual(left.map((kept) => ({ ...kept })), [{ model: 'ReplayDetection', id: 'ReplayDetection-in-clear' }]);
});
