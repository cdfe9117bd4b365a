import assert from 'node:assert/strict';
import { test } from 'node:test';
import { buildApp } from '../../../app.ts';
import { createSecretBoxes, SecretBoxError } from '../../../platform/secrets/secret-box.ts';
import { createAccountWithKey, startPayApp } from '../testing/pay-test-support.ts';
import { createWebhookStore } from './webhook.store.ts';

test('webhook signing secrets are sealed in the database; one kept in clear still works and is sealed when found', async (t) => {
  const payApp = await startPayApp(t);
  const { accountId } = await createAccountWithKey(payApp.services);
  const { webhook, signingSecret } = await payApp.services.webhooks.createWebhook({
    accountId,
    live: false,
    url: 'https://service.example.org/pay-webhooks',
    events: ['card_payment_succeeded'],
    actor: 'operator:test',
  });
  const webhooks = payApp.kernel.db.withTables<{ pay_webhook: { id: string; signing_secret: string } }>();
  const readRawSecret = async () =>
    (await webhooks.selectFrom('pay_webhook').select('signing_secret').where('id', '=', webhook.id).executeTakeFirstOrThrow()).signing_secret;

  const sealed = await readRawSecret();
  assert.match(sealed, /^sealed1\./);
  assert.ok(!sealed.includes(signingSecret), 'no secret in the row');
  const owner = { accountId, live: false };
  assert.equal((await payApp.services.webhooks.findWebhook(owner, webhook.id))?.signingSecret, signingSecret);

  // A row from before sealing: the secret in clear.
  await webhooks.updateTable('pay_webhook').set({ signing_secret: signingSecret }).where('id', '=', webhook.id).execute();
  assert.equal((await payApp.services.webhooks.findWebhook(owner, webhook.id))?.signingSecret, signingSecret, 'a secret in clear still reads');
  const resealed = await readRawSecret();
  assert.match(resealed, /^sealed1\./, 'and is sealed once found');
  assert.ok(!resealed.includes(signingSecret));
  assert.equal((await payApp.services.webhooks.findWebhook(owner, webhook.id))?.signingSecret, signingSecret);
  assert.equal(await readRawSecret(), resealed, 'a sealed secret is not sealed again');
});

const OLD_KEY = 'the-encryption-key-before-the-rotation-of-it';
const NEW_KEY = 'the-encryption-key-after-the-rotation-of-it';

test('start-up seals webhook secrets kept in clear or under a previous key, even with two runs at once', async (t) => {
  const payApp = await startPayApp(t, { environment: { ENCRYPTION_KEY: NEW_KEY, ENCRYPTION_KEY_PREVIOUS: OLD_KEY } });
  const { accountId } = await createAccountWithKey(payApp.services);
  const webhooks = payApp.kernel.db.withTables<{ pay_webhook: { id: string; signing_secret: string } }>();
  const readRawSecret = async (id: string) =>
    (await webhooks.selectFrom('pay_webhook').select('signing_secret').where('id', '=', id).executeTakeFirstOrThrow()).signing_secret;
  const box = payApp.kernel.secrets.forPurpose('pay-webhook-signing-secret');
  const oldBox = createSecretBoxes({ current: OLD_KEY }).forPurpose('pay-webhook-signing-secret');
  const created: { id: string; signingSecret: string }[] = [];
  for (const stored of ['in clear', 'under the previous key', 'under the current key']) {
    const { webhook, signingSecret } = await payApp.services.webhooks.createWebhook({
      accountId,
      live: false,
      url: `https://service.example.org/${stored.replaceAll(' ', '-')}`,
      events: ['card_payment_succeeded'],
      actor: 'operator:test',
    });
    const raw = stored === 'in clear' ? signingSecret : stored === 'under the previous key' ? oldBox.seal(signingSecret) : undefined;
    if (raw) await webhooks.updateTable('pay_webhook').set({ signing_secret: raw }).where('id', '=', webhook.id).execute();
    created.push({ id: webhook.id, signingSecret });
  }
  const untouched = await readRawSecret(created[2].id);

  const store = createWebhookStore({ secrets: payApp.kernel.secrets });
  const counts = await Promise.all([store.resealSigningSecrets(payApp.kernel.db), store.resealSigningSecrets(payApp.kernel.db)]);
  assert.equal(counts[0] + counts[1], 2, 'each row sealed once');
  for (const { id, signingSecret } of created) {
    const raw = await readRawSecret(id);
    assert.ok(!box.needsResealing(raw), 'sealed under the current key');
    assert.ok(!raw.includes(signingSecret), 'no secret in the row');
    assert.throws(() => oldBox.open(raw), SecretBoxError);
    assert.equal((await payApp.services.webhooks.findWebhook({ accountId, live: false }, id))?.signingSecret, signingSecret);
  }
  assert.equal(await readRawSecret(created[2].id), untouched);
  assert.equal(await store.resealSigningSecrets(payApp.kernel.db), 0, 'nothing left to seal');

  // The step runs when Pay starts.
  await webhooks.updateTable('pay_webhook').set({ signing_secret: created[0].signingSecret }).where('id', '=', created[0].id).execute();
  await (await buildApp(payApp.kernel)).close();
  assert.ok(!box.needsResealing(await readRawSecret(created[0].id)), 'sealed at start-up');
});
