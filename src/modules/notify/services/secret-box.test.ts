import assert from 'node:assert/strict';
import { createCipheriv, hkdfSync, randomBytes } from 'node:crypto';
import { test } from 'node:test';
import { SignJWT } from 'jose';
import { createSecretBoxes, SecretBoxError } from '../../../platform/secrets/secret-box.ts';
import { createTestKernel } from '../../../testing/test-kernel.ts';
import { createNotifyCore } from '../notify.core.ts';
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

test('Notify seals under ENCRYPTION_KEY, and still opens what it sealed under COOKIE_SECRET before', () => {
  const secrets = createSecretBoxes({ current: 'an-encryption-key-for-notify-secret-tests' });
  const box = createNotifySecretBox({ secrets, cookieSecret: COOKIE_SECRET });
  const sealed = box.seal('a callback bearer token');
  assert.match(sealed, /^sealed1\./);
  assert.equal(box.open(sealed), 'a callback bearer token');
  assert.equal(box.open(sealAsBefore('sealed long ago', COOKIE_SECRET)), 'sealed long ago');

  assert.throws(() => box.open(sealAsBefore('sealed long ago', 'another-cookie-secret-of-enough-length')), SecretBoxError);
  assert.throws(() => secrets.forPurpose('pay-webhook-signing-secret').open(sealed), SecretBoxError, 'sealed for Notify only');
  const otherKey = createNotifySecretBox({ secrets: createSecretBoxes({ current: 'another-encryption-key-of-enough-length' }), cookieSecret: COOKIE_SECRET });
  assert.throws(() => otherKey.open(sealed), SecretBoxError);
});

test('API key secrets are sealed in the database; keys sealed under COOKIE_SECRET before still authenticate', async (t) => {
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
  assert.equal((await restarted.serviceAdmin.authenticate(await signToken(service.id, secret))).apiKey.id, id);
});
