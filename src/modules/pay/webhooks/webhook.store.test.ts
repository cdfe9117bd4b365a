import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createAccountWithKey, startPayApp } from '../testing/pay-test-support.ts';

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
