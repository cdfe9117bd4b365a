import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { test } from 'node:test';
import { generateKeyPair, importJWK, SignJWT, type CryptoKey, type JWTPayload } from 'jose';
import { buildApp } from '../../../app.ts';
import { createSecretBoxes, SecretBoxError } from '../../../platform/secrets/secret-box.ts';
import { createTestKernel } from '../../../testing/test-kernel.ts';
import { createIdentityModule } from '../identity.module.ts';
import { createSigningKeys } from '../signing-keys/signing-keys.ts';
import { startIdentityServer } from '../testing/identity-test-kit.ts';
import { createClientRegistry } from './clients.ts';
import {
  createInternalRelyingParty,
  createInternalSignIn,
  ensureInternalClient,
  resealInternalClientKeys,
  type InternalClientSpec,
} from './internal-clients.ts';

const OLD_KEY = 'the-encryption-key-before-the-rotation-of-it';
const NEW_KEY = 'the-encryption-key-after-the-rotation-of-it';

type RawClient = { name: string; private_jwk: string };

const privateKeyOf = (jwkText: string): string => (JSON.parse(jwkText) as { d: string }).d;

function specNamed(name: string): InternalClientSpec {
  return { name, displayName: name, baseUrl: 'http://localhost:3000', callbackPath: `/${name}/callback`, signedOutPath: `/${name}/signed-out` };
}

test('an internal client keeps its private key sealed; keys in clear or under a previous key are sealed again, even by two runs at once', async (t) => {
  const kernel = await createTestKernel(t, { modules: [createIdentityModule()], environment: { ENCRYPTION_KEY: NEW_KEY, ENCRYPTION_KEY_PREVIOUS: OLD_KEY } });
  const clients = kernel.db.withTables<{ identity_internal_client: RawClient }>();
  const readRawKey = async (name: string) =>
    (await clients.selectFrom('identity_internal_client').select('private_jwk').where('name', '=', name).executeTakeFirstOrThrow()).private_jwk;
  const box = kernel.secrets.forPurpose('identity-internal-client-key');
  const oldBox = createSecretBoxes({ current: OLD_KEY }).forPurpose('identity-internal-client-key');

  const privateKeys = new Map<string, string>();
  for (const name of ['in-clear', 'previous-key', 'current-key']) {
    await ensureInternalClient(kernel.db, specNamed(name), kernel.secrets);
    const raw = await readRawKey(name);
    const d = privateKeyOf(box.open(raw));
    privateKeys.set(name, d);
    assert.ok(!box.needsResealing(raw), 'sealed when created');
    assert.ok(!raw.includes(d), 'no private key in the row');
  }
  const clearJwk = box.open(await readRawKey('in-clear'));
  await clients.updateTable('identity_internal_client').set({ private_jwk: clearJwk }).where('name', '=', 'in-clear').execute();
  const underOldKey = oldBox.seal(box.open(await readRawKey('previous-key')));
  await clients.updateTable('identity_internal_client').set({ private_jwk: underOldKey }).where('name', '=', 'previous-key').execute();
  const untouched = await readRawKey('current-key');

  const counts = await Promise.all([resealInternalClientKeys(kernel.db, kernel.secrets), resealInternalClientKeys(kernel.db, kernel.secrets)]);
  assert.equal(counts[0] + counts[1], 2, 'each row sealed once');
  for (const [name, d] of privateKeys) {
    const raw = await readRawKey(name);
    assert.ok(!box.needsResealing(raw), `${name}: sealed under the current key`);
    assert.ok(!raw.includes(d), `${name}: no private key in the row`);
    assert.throws(() => oldBox.open(raw), SecretBoxError);
    assert.equal(privateKeyOf(box.open(raw)), d, `${name}: the same key`);
    assert.ok(await ensureInternalClient(kernel.db, specNamed(name), kernel.secrets), `${name}: still usable`);
  }
  assert.equal(await readRawKey('current-key'), untouched);
  assert.equal(await resealInternalClientKeys(kernel.db, kernel.secrets), 0, 'nothing left to seal');
});

test('the identity module seals an internal client key kept in clear when it starts', async (t) => {
  const kernel = await createTestKernel(t, { modules: [createIdentityModule()] });
  const clients = kernel.db.withTables<{ identity_internal_client: RawClient }>();
  await ensureInternalClient(kernel.db, specNamed('dormant'), kernel.secrets);
  const raw = (await clients.selectFrom('identity_internal_client').select('private_jwk').executeTakeFirstOrThrow()).private_jwk;
  const clearJwk = kernel.secrets.forPurpose('identity-internal-client-key').open(raw);
  const d = privateKeyOf(clearJwk);
  await clients.updateTable('identity_internal_client').set({ private_jwk: clearJwk }).execute();

  const app = await buildApp(kernel);
  await app.close();
  const resealed = (await clients.selectFrom('identity_internal_client').select('private_jwk').executeTakeFirstOrThrow()).private_jwk;
  assert.match(resealed, /^sealed1\./);
  assert.ok(!resealed.includes(d));
});

test('an internal client registered before it had a back-channel logout endpoint is given it, and loses it when the service drops it', async (t) => {
  const kernel = await createTestKernel(t, { modules: [createIdentityModule()] });
  const registry = createClientRegistry({ db: kernel.db });
  const { clientId } = await ensureInternalClient(kernel.db, specNamed('keeps-sessions'), kernel.secrets);
  assert.equal(await registry.backchannelLogoutUriOf(clientId), undefined);
  const withLogout = { ...specNamed('keeps-sessions'), backchannelLogoutPath: '/keeps-sessions/backchannel-logout' };
  assert.equal((await ensureInternalClient(kernel.db, withLogout, kernel.secrets)).clientId, clientId, 'the same registration');
  assert.equal(await registry.backchannelLogoutUriOf(clientId), 'http://localhost:3000/keeps-sessions/backchannel-logout');
  await ensureInternalClient(kernel.db, specNamed('keeps-sessions'), kernel.secrets);
  assert.equal(await registry.backchannelLogoutUriOf(clientId), undefined);
});

test('an internal client registered before it said which levels it may ask for is given them (forms asks for Cl and Cl.Cm)', async (t) => {
  const kernel = await createTestKernel(t, { modules: [createIdentityModule()] });
  const registry = createClientRegistry({ db: kernel.db });
  const { clientId } = await ensureInternalClient(kernel.db, specNamed('asks-for-cl'), kernel.secrets);
  assert.deepEqual((await registry.describe(clientId))?.allowedLevels, ['Cl.Cm'], 'Cl.Cm only when not said');
  const withLevels = { ...specNamed('asks-for-cl'), allowedLevels: ['Cl' as const, 'Cl.Cm' as const] };
  assert.equal((await ensureInternalClient(kernel.db, withLevels, kernel.secrets)).clientId, clientId, 'the same registration');
  assert.deepEqual((await registry.describe(clientId))?.allowedLevels, ['Cl', 'Cl.Cm']);
  const { clientId: fresh } = await ensureInternalClient(kernel.db, { ...withLevels, name: 'new-asks-for-cl' }, kernel.secrets);
  assert.deepEqual((await registry.describe(fresh))?.allowedLevels, ['Cl', 'Cl.Cm'], 'and a new registration has them from the start');
});

test('an internal service accepts only logout tokens the provider signed for it, recent, typed logout+jwt, with the logout event and no nonce', async (t) => {
  const { kernel, baseUrl } = await startIdentityServer(t);
  const spec = { name: 'logout-checker', displayName: 'Logout checker', baseUrl, callbackPath: '/logout-checker/callback', signedOutPath: '/logout-checker/signed-out' };
  const signIn = createInternalSignIn(createInternalRelyingParty(kernel.db, spec, kernel.secrets));
  const { clientId } = await ensureInternalClient(kernel.db, spec, kernel.secrets);
  const providerJwk = (await createSigningKeys({ db: kernel.db, secrets: kernel.secrets }).load()).jwks.keys.find((key) => key.alg === 'ES256' && !key.key_ops);
  assert.ok(providerJwk);
  const providerKey = (await importJWK(providerJwk, 'ES256')) as CryptoKey;
  const { privateKey: attackerKey } = await generateKeyPair('ES256');
  const now = Math.floor(Date.now() / 1000);
  const logoutEvent = { 'http://schemas.openid.net/event/backchannel-logout': {} };

  const logoutToken = (claims: JWTPayload = {}, options: { key?: CryptoKey; typ?: string; kid?: string } = {}) =>
    new SignJWT({ iss: baseUrl, aud: clientId, sub: 'urn:fdc:civitas:2024:person', iat: now, exp: now + 120, jti: randomUUID(), events: logoutEvent, ...claims })
      .setProtectedHeader({ alg: 'ES256', typ: options.typ ?? 'logout+jwt', kid: options.kid ?? providerJwk.kid })
      .sign(options.key ?? providerKey);

  assert.deepEqual(await signIn.verifyLogoutToken(await logoutToken()), { subject: 'urn:fdc:civitas:2024:person' });
  assert.deepEqual(await signIn.verifyLogoutToken(await logoutToken({ sid: 'provider-session' })), { subject: 'urn:fdc:civitas:2024:person', sid: 'provider-session' });

  const forgeries: Array<[string, Promise<string>]> = [
    ['signed by another key', logoutToken({}, { key: attackerKey })],
    ['signed by another key without a kid', logoutToken({}, { key: attackerKey, kid: 'unknown' })],
    ['for another service', logoutToken({ aud: 'another-client' })],
    ['from another issuer', logoutToken({ iss: 'https://attacker.example' })],
    ['an ID token (typ JWT) passed off as a logout token', logoutToken({ events: undefined, nonce: 'n' }, { typ: 'JWT' })],
    ['without the logout event', logoutToken({ events: { 'http://schemas.openid.net/event/other': {} } })],
    ['with a nonce', logoutToken({ nonce: 'n' })],
    ['issued 10 minutes ago (a replay)', logoutToken({ iat: now - 600, exp: now + 600 })],
    ['expired', logoutToken({ iat: now - 100, exp: now - 30 })],
    ['without a subject', logoutToken({ sub: undefined, sid: 'provider-session' })],
  ];
  for (const [description, token] of forgeries) {
    await assert.rejects(signIn.verifyLogoutToken(await token), { code: 'INVALID_LOGOUT_TOKEN' }, description);
  }
  await assert.rejects(signIn.verifyLogoutToken('not.a.jwt'), { code: 'INVALID_LOGOUT_TOKEN' });
});

test("an internal service's name in Welsh is kept as client_name#cy, also for one registered before it had one; other services keep their one name", async (t) => {
  const kernel = await createTestKernel(t, { modules: [createIdentityModule()] });
  const registry = createClientRegistry({ db: kernel.db });
  const { clientId } = await ensureInternalClient(kernel.db, specNamed('checker'), kernel.secrets);
  assert.equal(await registry.nameOf(clientId, 'cy'), 'checker', 'no Welsh name: the one name');
  await ensureInternalClient(kernel.db, { ...specNamed('checker'), displayName: 'Checker', welshDisplayName: 'Gwiriwr' }, kernel.secrets);
  assert.equal(await registry.nameOf(clientId, 'cy'), 'Gwiriwr');
  assert.equal(await registry.nameOf(clientId, 'en'), 'checker', 'the English name is as registered');
  const other = await ensureInternalClient(kernel.db, { ...specNamed('welsh-from-the-start'), welshDisplayName: 'Cymraeg o’r dechrau' }, kernel.secrets);
  assert.equal(await registry.nameOf(other.clientId, 'cy'), 'Cymraeg o’r dechrau');
});
