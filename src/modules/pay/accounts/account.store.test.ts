import assert from 'node:assert/strict';
import { test } from 'node:test';
import { buildApp } from '../../../app.ts';
import { createSecretBoxes, SecretBoxError } from '../../../platform/secrets/secret-box.ts';
import { createAccountWithKey, startPayApp } from '../testing/pay-test-support.ts';
import { createAccountStore } from './account.store.ts';

const OLD_KEY = 'the-encryption-key-before-the-rotation-of-it';
const NEW_KEY = 'the-encryption-key-after-the-rotation-of-it';

type RawSecret = { name: string; value: string };

test('the installation secrets the migration stored in clear are sealed when Pay starts, and API keys still check', async (t) => {
  const payApp = await startPayApp(t);
  const secrets = payApp.kernel.db.withTables<{ pay_secret: RawSecret }>();
  const box = payApp.kernel.secrets.forPurpose('pay-installation-secret');
  const rows = await secrets.selectFrom('pay_secret').selectAll().orderBy('name').execute();
  assert.deepEqual(rows.map((row) => row.name), ['api-key-checksum', 'next-url']);
  for (const row of rows) {
    assert.ok(!box.needsResealing(row.value), `${row.name}: sealed under the current key`);
    assert.match(box.open(row.value), /^[0-9a-f]{64}$/, `${row.name}: the random key the migration made`);
  }
  const { key: apiKey } = await createAccountWithKey(payApp.services);
  const response = await payApp.app.inject({ method: 'GET', url: '/v1/payments', headers: { authorization: `Bearer ${apiKey}` } });
  assert.equal(response.statusCode, 200, 'the checksum key opens');

  // Kept in clear again, the value a process already started with: still read, sealed at the next start.
  const checksumKey = box.open(rows[0].value);
  await secrets.updateTable('pay_secret').set({ value: checksumKey }).where('name', '=', 'api-key-checksum').execute();
  assert.equal(await createAccountStore({ secrets: payApp.kernel.secrets }).readSecret(payApp.kernel.db, 'api-key-checksum'), checksumKey);
  await (await buildApp(payApp.kernel)).close();
  const resealed = (await secrets.selectFrom('pay_secret').select('value').where('name', '=', 'api-key-checksum').executeTakeFirstOrThrow()).value;
  assert.ok(!box.needsResealing(resealed) && !resealed.includes(checksumKey));
});

test('installation secrets under a previous key are sealed under the current one, even by two runs at once', async (t) => {
  const payApp = await startPayApp(t, { environment: { ENCRYPTION_KEY: NEW_KEY, ENCRYPTION_KEY_PREVIOUS: OLD_KEY } });
  const secrets = payApp.kernel.db.withTables<{ pay_secret: RawSecret }>();
  const box = payApp.kernel.secrets.forPurpose('pay-installation-secret');
  const oldBox = createSecretBoxes({ current: OLD_KEY }).forPurpose('pay-installation-secret');
  const store = createAccountStore({ secrets: payApp.kernel.secrets });
  const plain = new Map<string, string>();
  for (const row of await secrets.selectFrom('pay_secret').selectAll().execute()) {
    plain.set(row.name, box.open(row.value));
    await secrets.updateTable('pay_secret').set({ value: oldBox.seal(box.open(row.value)) }).where('name', '=', row.name).execute();
  }

  const counts = await Promise.all([store.resealSecrets(payApp.kernel.db), store.resealSecrets(payApp.kernel.db)]);
  assert.equal(counts[0] + counts[1], 2, 'each row sealed once');
  for (const row of await secrets.selectFrom('pay_secret').selectAll().execute()) {
    assert.ok(!box.needsResealing(row.value), `${row.name}: sealed under the current key`);
    assert.throws(() => oldBox.open(row.value), SecretBoxError);
    assert.equal(await store.readSecret(payApp.kernel.db, row.name), plain.get(row.name));
  }
  assert.equal(await store.resealSecrets(payApp.kernel.db), 0, 'nothing left to seal');
});
