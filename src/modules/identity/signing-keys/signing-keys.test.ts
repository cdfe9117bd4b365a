import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createSecretBoxes, SecretBoxError } from '../../../platform/secrets/secret-box.ts';
import { createTestKernel } from '../../../testing/test-kernel.ts';
import { createIdentityModule } from '../identity.module.ts';
import { createSigningKeyStore } from './signing-key.store.ts';
import { createSigningKeys } from './signing-keys.ts';

test('signing keys are sealed in the database, and keys kept in clear before are sealed by ensure', async (t) => {
  const kernel = await createTestKernel(t, { modules: [createIdentityModule()] });
  const signingKeys = createSigningKeys({ db: kernel.db, secrets: kernel.secrets });
  const store = createSigningKeyStore(kernel.db);

  const created = await signingKeys.ensure();
  const privateParts = created.jwks.keys.map((key) => String(key.d));
  assert.equal(privateParts.length, 4, 'a current and a next key of each algorithm');
  for (const row of await store.list()) {
    assert.match(row.private_jwk, /^sealed1\./);
    for (const secret of privateParts) assert.ok(!row.private_jwk.includes(secret), 'no private key in the row');
  }
  assert.deepEqual((await signingKeys.load()).jwks, created.jwks, 'the sealed keys load as they were made');

  // A database from before sealing: the private keys in clear.
  const clear = created.jwks.keys.map((key) => ({ ...key, key_ops: undefined }));
  for (const key of clear) await store.replacePrivateJwk(String(key.kid), JSON.stringify(key));
  assert.deepEqual((await signingKeys.load()).jwks, created.jwks, 'keys in clear still load');
  assert.deepEqual((await signingKeys.ensure()).jwks, created.jwks);
  for (const row of await store.list()) {
    assert.match(row.private_jwk, /^sealed1\./, 'sealed by ensure');
    for (const secret of privateParts) assert.ok(!row.private_jwk.includes(secret));
  }
  assert.deepEqual((await signingKeys.load()).jwks, created.jwks);

  const otherKey = createSecretBoxes({ current: 'an-encryption-key-that-sealed-nothing-here' });
  await assert.rejects(createSigningKeys({ db: kernel.db, secrets: otherKey }).load(), SecretBoxError);
});

test('after ENCRYPTION_KEY changes, with the old key in ENCRYPTION_KEY_PREVIOUS, keys load and are sealed again', async (t) => {
  const kernel = await createTestKernel(t, { modules: [createIdentityModule()] });
  const oldKey = 'the-encryption-key-before-the-rotation-000';
  const newKey = 'the-encryption-key-after-the-rotation-0000';
  const before = await createSigningKeys({ db: kernel.db, secrets: createSecretBoxes({ current: oldKey }) }).ensure();

  const rotated = createSigningKeys({ db: kernel.db, secrets: createSecretBoxes({ current: newKey, previous: [oldKey] }) });
  assert.deepEqual((await rotated.load()).jwks, before.jwks);
  await rotated.ensure();
  const onlyNewKey = createSigningKeys({ db: kernel.db, secrets: createSecretBoxes({ current: newKey }) });
  assert.deepEqual((await onlyNewKey.load()).jwks, before.jwks, 'every key is now sealed under the new key');
});
