import assert from 'node:assert/strict';
import { test } from 'node:test';
import { generate } from 'otplib';
import { createTestKernel } from '../../../testing/test-kernel.ts';
import { createIdentityModule } from '../identity.module.ts';
import { createAccountService } from './account.service.ts';
import type { SecurityMethodRow } from './account.store.ts';
import { createAuthenticatorSecret } from './authenticator-app.ts';

type RawMethod = Pick<SecurityMethodRow, 'id' | 'totp_secret' | 'totp_last_step'>;

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
