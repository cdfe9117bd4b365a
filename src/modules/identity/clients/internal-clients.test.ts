import assert from 'node:assert/strict';
import { test } from 'node:test';
import { buildApp } from '../../../app.ts';
import { createSecretBoxes, SecretBoxError } from '../../../platform/secrets/secret-box.ts';
import { createTestKernel } from '../../../testing/test-kernel.ts';
import { createIdentityModule } from '../identity.module.ts';
import { ensureInternalClient, resealInternalClientKeys, type InternalClientSpec } from './internal-clients.ts';

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
