import assert from 'node:assert/strict';
import { test } from 'node:test';
import { generate } from 'otplib';
import { buildApp } from '../../../app.ts';
import { createSecretBoxes, SecretBoxError } from '../../../platform/secrets/secret-box.ts';
import { createTestKernel } from '../../../testing/test-kernel.ts';
import { createIdentityModule } from '../identity.module.ts';
import { createAccountService } from './account.service.ts';
import { createAccountStore, type SecurityMethodRow } from './account.store.ts';
import { createAuthenticatorSecret } from './authenticator-app.ts';

type RawMethod = Pick<SecurityMethodRow, 'id' | 'account_id' | 'totp_secret' | 'totp_last_step'>;

test('authenticator-app secrets are sealed in the database; one kept in clear still works and is sealed when read', async (t) => {
  const kernel = await createTestKernel(t, { modules: [createIdentityModule()] });
  const methods = kernel.db.withTables<{ identity_security_method: RawMethod }>();
  const readRawSecret = async (id: string) =>
    (await methods.selectFrom('identity_security_method').select('totp_secret').where('id', '=', id).executeTakeFirstOrThrow()).totp_secret;
  const accounts = createAccountService({ db: kernel.db, secrets: kernel.secrets });
  const totpSecret = createAuthenticatorSecret();
  const account = await accounts.createWithPasswordHash({
    email: 'sealed@example.com',
    passwordHash: 'not-a-real-hash',
    method: { kind: 'auth-app', totp_secret: totpSecret, totp_last_step: null, phone_number: null, credential_id: null, public_key: null, sign_count: null, transports: null },
  });

  const [method] = await accounts.listMethods(account.id);
  assert.equal(method.totp_secret, totpSecret, 'read back as it was given');
  const sealed = await readRawSecret(method.id);
  assert.match(String(sealed), /^sealed1\./);
  assert.ok(!String(sealed).includes(totpSecret), 'no secret in the row');
  assert.equal(await accounts.checkAuthenticatorAppCode(account.id, await generate({ secret: totpSecret })), true);

  // A row from before sealing: the secret in clear.
  const clearSecret = createAuthenticatorSecret();
  await methods.updateTable('identity_security_method').set({ totp_secret: clearSecret, totp_last_step: null }).where('id', '=', method.id).execute();
  assert.equal((await accounts.listMethods(account.id))[0].totp_secret, clearSecret, 'a secret in clear still reads');
  const resealed = await readRawSecret(method.id);
  assert.match(String(resealed), /^sealed1\./, 'and is sealed once read');
  assert.ok(!String(resealed).includes(clearSecret));
  assert.equal(await accounts.checkAuthenticatorAppCode(account.id, await generate({ secret: clearSecret })), true);
  assert.equal(await readRawSecret(method.id), resealed, 'a sealed secret is not sealed again');
});

const OLD_KEY = 'the-encryption-key-before-the-rotation-of-it';
const NEW_KEY = 'the-encryption-key-after-the-rotation-of-it';

test('start-up seals authenticator-app secrets kept in clear or under a previous key, even with two runs at once', async (t) => {
  const kernel = await createTestKernel(t, { modules: [createIdentityModule()], environment: { ENCRYPTION_KEY: NEW_KEY, ENCRYPTION_KEY_PREVIOUS: OLD_KEY } });
  const methods = kernel.db.withTables<{ identity_security_method: RawMethod }>();
  const readRawSecret = async (id: string) =>
    String((await methods.selectFrom('identity_security_method').select('totp_secret').where('id', '=', id).executeTakeFirstOrThrow()).totp_secret);
  const accounts = createAccountService({ db: kernel.db, secrets: kernel.secrets });
  const oldBox = createSecretBoxes({ current: OLD_KEY }).forPurpose('identity-totp-secret');
  const created: { accountId: string; methodId: string; secret: string }[] = [];
  for (const stored of ['in clear', 'under the previous key', 'under the current key'] as const) {
    const secret = createAuthenticatorSecret();
    const account = await accounts.createWithPasswordHash({
      email: `${stored.replaceAll(' ', '-')}@example.com`,
      passwordHash: 'not-a-real-hash',
      method: { kind: 'auth-app', totp_secret: secret, totp_last_step: null, phone_number: null, credential_id: null, public_key: null, sign_count: null, transports: null },
    });
    const methodId = (await methods.selectFrom('identity_security_method').select('id').where('account_id', '=', account.id).executeTakeFirstOrThrow()).id;
    const raw = stored === 'in clear' ? secret : stored === 'under the previous key' ? oldBox.seal(secret) : undefined;
    if (raw) await methods.updateTable('identity_security_method').set({ totp_secret: raw }).where('id', '=', methodId).execute();
    created.push({ accountId: account.id, methodId, secret });
  }
  const untouched = await readRawSecret(created[2].methodId);

  const store = createAccountStore(kernel.db, kernel.secrets);
  const counts = await Promise.all([store.resealTotpSecrets(), store.resealTotpSecrets()]);
  assert.equal(counts[0] + counts[1], 2, 'each row sealed once');
  for (const { accountId, methodId, secret } of created) {
    const raw = await readRawSecret(methodId);
    assert.ok(!kernel.secrets.forPurpose('identity-totp-secret').needsResealing(raw), 'sealed under the current key');
    assert.ok(!raw.includes(secret), 'no secret in the row');
    assert.throws(() => oldBox.open(raw), SecretBoxError, 'not under the previous key');
    assert.equal((await accounts.listMethods(accountId))[0].totp_secret, secret);
  }
  assert.equal(await readRawSecret(created[2].methodId), untouched, 'a secret sealed under the current key is left as it is');
  assert.equal(await store.resealTotpSecrets(), 0, 'nothing left to seal');
});

test('the identity module seals a secret kept in clear when it starts', async (t) => {
  const kernel = await createTestKernel(t, { modules: [createIdentityModule()] });
  const methods = kernel.db.withTables<{ identity_security_method: RawMethod }>();
  const secret = createAuthenticatorSecret();
  const account = await createAccountService({ db: kernel.db, secrets: kernel.secrets }).createWithPasswordHash({
    email: 'dormant@example.com',
    passwordHash: 'not-a-real-hash',
    method: { kind: 'auth-app', totp_secret: secret, totp_last_step: null, phone_number: null, credential_id: null, public_key: null, sign_count: null, transports: null },
  });
  await methods.updateTable('identity_security_method').set({ totp_secret: secret }).execute();

  const app = await buildApp(kernel);
  try {
    await app.ready();
  } finally {
    await app.close();
  }
  const raw = String((await methods.selectFrom('identity_security_method').select('totp_secret').executeTakeFirstOrThrow()).totp_secret);
  assert.match(raw, /^sealed1\./);
  assert.ok(!raw.includes(secret));
  assert.equal(await createAccountService({ db: kernel.db, secrets: kernel.secrets }).checkAuthenticatorAppCode(account.id, await generate({ secret })), true);
});
