import assert from 'node:assert/strict';
import { createCipheriv, hkdfSync, randomBytes } from 'node:crypto';
import { test } from 'node:test';
import { SignJWT } from 'jose';
import { buildApp } from '../../../app.ts';
import { createSecretBoxes, SecretBoxError } from '../../../platform/secrets/secret-box.ts';
import { createTestKernel } from '../../../testing/test-kernel.ts';
import { createNotifyCore } from '../notify.core.ts';
import { resealNotifySecrets } from './reseal-secrets.ts';
import { createNotifySecretBox } from './secret-box.ts';

const COOKIE_SECRET = 'the-cookie-secret-notify-once-sealed-under';

/** A value as Notify sealed it before the kernel's box: under a key derived from COOKIE_SECRET. */
function sealAsBefore(plain: string, cookieSecret: string): string {
  const key = Buffer.from(hkdfSync('sha256', cookieSecret, 'civitas-notify', 'notify secrets at rest', 32));
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  const encrypted = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
  return ['v1', iv.toString('base64url'), encrypted.toString('base64url'), cipher.getAuthTag().toString('base64url')].join('.');
}

async function signToken(serviceId: string, secret: string): Promise<string> {
  const token = await new SignJWT({}).setProtectedHeader({ alg: 'HS256', typ: 'JWT' }).setIssuer(serviceId).setIssuedAt().sign(new TextEncoder().encode(secret));
  return `Bearer ${token}`;
}

test('Notify seals under ENCRYPTION_KEY, and opens what it sealed under COOKIE_SECRET before only to seal it again', () => {
  const secrets = createSecretBoxes({ current: 'an-encryption-key-for-notify-secret-tests' });
  const box = createNotifySecretBox({ secrets, cookieSecret: COOKIE_SECRET });
  const sealed = box.seal('a callback bearer token');
  assert.match(sealed, /^sealed1\./);
  assert.ok(sealed.startsWith(box.currentPrefix));
  assert.equal(box.open(sealed), 'a callback bearer token');
  assert.equal(box.openForResealing(sealed), 'a callback bearer token');
  const legacy = sealAsBefore('sealed long ago', COOKIE_SECRET);
  assert.equal(box.openForResealing(legacy), 'sealed long ago');
  assert.throws(() => box.open(legacy), SecretBoxError, 'the legacy format is read only to seal it again');

  assert.throws(() => box.openForResealing(sealAsBefore('sealed long ago', 'another-cookie-secret-of-enough-length')), SecretBoxError);
  assert.throws(() => secrets.forPurpose('pay-webhook-signing-secret').open(sealed), SecretBoxError, 'sealed for Notify only');
  const otherKey = createNotifySecretBox({ secrets: createSecretBoxes({ current: 'another-encryption-key-of-enough-length' }), cookieSecret: COOKIE_SECRET });
  assert.throws(() => otherKey.open(sealed), SecretBoxError);
});

test('API key secrets are sealed in the database; keys sealed under COOKIE_SECRET before authenticate once start-up sealed them again', async (t) => {
  const kernel = await createTestKernel(t, { environment: { COOKIE_SECRET } });
  const core = createNotifyCore({ config: kernel.config, db: kernel.db, audit: kernel.audit, jobs: kernel.jobs });
  const service = await core.serviceAdmin.createService({ name: 'Sealed keys', actor: 'operator:test' });
  const { key, id } = await core.serviceAdmin.createApiKey({ serviceId: service.id, keyType: 'normal', name: 'live key', actor: 'operator:test' });
  const secret = key.slice(-36);
  const keys = kernel.db.withTables<{ notify_api_key: { id: string; secret: string } }>();
  const readRawSecret = async () => (await keys.selectFrom('notify_api_key').select('secret').where('id', '=', id).executeTakeFirstOrThrow()).secret;

  const sealed = await readRawSecret();
  assert.match(sealed, /^sealed1\./);
  assert.ok(!sealed.includes(secret), 'no secret in the row');
  assert.equal((await core.serviceAdmin.authenticate(await signToken(service.id, secret))).apiKey.id, id);

  // A key from before: sealed under COOKIE_SECRET. A fresh core, so nothing opened is remembered.
  await keys.updateTable('notify_api_key').set({ secret: sealAsBefore(secret, COOKIE_SECRET) }).where('id', '=', id).execute();
  const restarted = createNotifyCore({ config: kernel.config, db: kernel.db, audit: kernel.audit, jobs: kernel.jobs });
  const box = createNotifySecretBox({ secrets: kernel.secrets, cookieSecret: COOKIE_SECRET });
  assert.equal(await resealNotifySecrets({ db: kernel.db, store: restarted.stores.services, secrets: box }), 1);
  assert.ok((await readRawSecret()).startsWith(box.currentPrefix));
  assert.equal((await restarted.serviceAdmin.authenticate(await signToken(service.id, secret))).apiKey.id, id);
});

const OLD_KEY = 'the-encryption-key-before-the-rotation-of-it';
const NEW_KEY = 'the-encryption-key-after-the-rotation-of-it';

type RawService = { id: string; delivery_callback_token: string | null; inbound_callback_token: string | null };
type RawKey = { id: string; secret: string };

test('start-up seals again every API key secret and callback token in the legacy format or under a previous key, even with two runs at once', async (t) => {
  const kernel = await createTestKernel(t, { environment: { COOKIE_SECRET, ENCRYPTION_KEY: NEW_KEY, ENCRYPTION_KEY_PREVIOUS: OLD_KEY } });
  const core = createNotifyCore({ config: kernel.config, db: kernel.db, audit: kernel.audit, jobs: kernel.jobs });
  const tables = kernel.db.withTables<{ notify_service: RawService; notify_api_key: RawKey }>();
  const box = createNotifySecretBox({ secrets: kernel.secrets, cookieSecret: COOKIE_SECRET });
  const oldBox = createSecretBoxes({ current: OLD_KEY }).forPurpose('notify-secret');

  const legacyService = await core.serviceAdmin.createService({ name: 'Sealed long ago', actor: 'operator:test' });
  const currentService = await core.serviceAdmin.createService({ name: 'Sealed now', actor: 'operator:test' });
  const legacyKey = await core.serviceAdmin.createApiKey({ serviceId: legacyService.id, keyType: 'normal', name: 'legacy', actor: 'operator:test' });
  const rotatedKey = await core.serviceAdmin.createApiKey({ serviceId: legacyService.id, keyType: 'normal', name: 'rotated', actor: 'operator:test' });
  const currentKey = await core.serviceAdmin.createApiKey({ serviceId: currentService.id, keyType: 'normal', name: 'current', actor: 'operator:test' });
  for (const kind of ['delivery', 'inbound'] as const) {
    for (const serviceId of [legacyService.id, currentService.id]) {
      await core.serviceAdmin.setCallback({ serviceId, kind, url: `https://service.example.org/${kind}`, bearerToken: `${kind}-token-${serviceId}`, actor: 'operator:test' });
    }
  }
  const legacySecret = legacyKey.key.slice(-36);
  const rotatedSecret = rotatedKey.key.slice(-36);
  await tables.updateTable('notify_api_key').set({ secret: sealAsBefore(legacySecret, COOKIE_SECRET) }).where('id', '=', legacyKey.id).execute();
  await tables.updateTable('notify_api_key').set({ secret: oldBox.seal(rotatedSecret) }).where('id', '=', rotatedKey.id).execute();
  await tables
    .updateTable('notify_service')
    .set({
      delivery_callback_token: sealAsBefore(`delivery-token-${legacyService.id}`, COOKIE_SECRET),
      inbound_callback_token: oldBox.seal(`inbound-token-${legacyService.id}`),
    })
    .where('id', '=', legacyService.id)
    .execute();
  const readServices = () => tables.selectFrom('notify_service').select(['id', 'delivery_callback_token', 'inbound_callback_token']).where('id', 'in', [legacyService.id, currentService.id]).execute();
  const readKeys = () => tables.selectFrom('notify_api_key').select(['id', 'secret']).where('id', 'in', [legacyKey.id, rotatedKey.id, currentKey.id]).execute();
  const untouched = JSON.stringify([(await readServices()).find((row) => row.id === currentService.id), (await readKeys()).find((row) => row.id === currentKey.id)]);

  const reseal = () => resealNotifySecrets({ db: kernel.db, store: core.stores.services, secrets: box });
  const counts = await Promise.all([reseal(), reseal()]);
  assert.equal(counts[0] + counts[1], 4, 'each value sealed once');

  for (const row of await readServices()) {
    for (const kind of ['delivery', 'inbound'] as const) {
      const raw = String(row[`${kind}_callback_token`]);
      assert.ok(raw.startsWith(box.currentPrefix), `${kind} token sealed under the current key`);
      assert.ok(!raw.includes('token'), 'no token in the row');
      assert.throws(() => oldBox.open(raw), SecretBoxError);
      assert.equal(core.serviceAdmin.openCallbackToken(raw), `${kind}-token-${row.id}`);
    }
  }
  for (const row of await readKeys()) assert.ok(row.secret.startsWith(box.currentPrefix), 'API key secret sealed under the current key');
  for (const [serviceId, secret, id] of [[legacyService.id, legacySecret, legacyKey.id], [legacyService.id, rotatedSecret, rotatedKey.id]]) {
    assert.equal((await core.serviceAdmin.authenticate(await signToken(serviceId, secret))).apiKey.id, id);
  }
  assert.equal(
    JSON.stringify([(await readServices()).find((row) => row.id === currentService.id), (await readKeys()).find((row) => row.id === currentKey.id)]),
    untouched,
    'values sealed under the current key are left as they are',
  );
  assert.equal(await reseal(), 0, 'nothing left to seal');
});

test('Notify seals legacy values again when it starts', async (t) => {
  const kernel = await createTestKernel(t, { environment: { COOKIE_SECRET } });
  const core = createNotifyCore({ config: kernel.config, db: kernel.db, audit: kernel.audit, jobs: kernel.jobs });
  const service = await core.serviceAdmin.createService({ name: 'Dormant', actor: 'operator:test' });
  const { key, id } = await core.serviceAdmin.createApiKey({ serviceId: service.id, keyType: 'normal', name: 'dormant', actor: 'operator:test' });
  const keys = kernel.db.withTables<{ notify_api_key: RawKey }>();
  await keys.updateTable('notify_api_key').set({ secret: sealAsBefore(key.slice(-36), COOKIE_SECRET) }).where('id', '=', id).execute();

  await (await buildApp(kernel)).close();
  const raw = (await keys.selectFrom('notify_api_key').select('secret').where('id', '=', id).executeTakeFirstOrThrow()).secret;
  assert.match(raw, /^sealed1\./);
  assert.equal(createNotifySecretBox({ secrets: kernel.secrets, cookieSecret: COOKIE_SECRET }).open(raw), key.slice(-36));
});
