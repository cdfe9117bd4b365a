import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createTestKernel } from '../../../testing/test-kernel.ts';
import { createTestService } from '../fixtures/notify-fixtures.ts';
import { createNotifyCore } from '../notify.core.ts';
import { runRetention } from './retention.job.ts';
import { CALLBACK_JOB } from '../callbacks/callback.job.ts';

test("notifications and their personal content are deleted after the service's retention period (7 days by default)", async (t) => {
  const kernel = await createTestKernel(t);
  let now = new Date('2026-03-01T10:00:00.000Z');
  const core = createNotifyCore({ config: kernel.config, db: kernel.db, audit: kernel.audit, jobs: kernel.jobs, clock: () => now });
  const service = await createTestService(core);
  const short = await createTestService(core, { name: 'Short retention' });
  await core.serviceAdmin.updateSettings({ serviceId: short.serviceId, changes: { retention_days: 3 }, actor: 'operator:test' });
  const send = async (serviceId: string, templateId: string) => {
    const row = await core.serviceAdmin.requireService(serviceId);
    return (await core.sender.send({ sender: { service: row, apiKey: null }, type: 'sms', templateId, recipient: '07700900123', personalisation: { code: 'secret' } })).notification.id;
  };
  const kept = await send(service.serviceId, service.templates.sms.id);
  const shortLived = await send(short.serviceId, short.templates.sms.id);

  now = new Date('2026-03-05T10:00:00.000Z');
  assert.deepEqual(await runRetention(core), { timedOut: 0, notifications: 1, receivedTexts: 0, files: 0 });
  assert.equal(await core.stores.notifications.find(core.db, shortLived), undefined, 'gone after 3 days');
  assert.ok(await core.stores.notifications.find(core.db, kept), 'kept for 7 days');

  now = new Date('2026-03-08T10:00:01.000Z');
  await runRetention(core);
  assert.equal(await core.stores.notifications.find(core.db, kept), undefined, 'gone after 7 days');
});

test('emails and text messages with no outcome 72 hours after they were handed over become temporary-failure, and the service is called back', async (t) => {
  const kernel = await createTestKernel(t);
  let now = new Date('2026-03-01T10:00:00.000Z');
  const core = createNotifyCore({ config: kernel.config, db: kernel.db, audit: kernel.audit, jobs: kernel.jobs, clock: () => now });
  const service = await createTestService(core);
  await core.serviceAdmin.setCallback({ serviceId: service.serviceId, kind: 'delivery', url: 'https://receipts.example.gov.uk/notify', bearerToken: 'a-callback-token', actor: 'operator:test' });
  const row = await core.serviceAdmin.requireService(service.serviceId);
  const send = async (type: 'email' | 'sms' | 'letter') => {
    const request =
      type === 'email'
        ? { templateId: service.templates.email.id, recipient: 'ffion@example.com', personalisation: { 'first name': 'Ffion', 'reference number': '1', urgent: 'no' } }
        : type === 'sms'
          ? { templateId: service.templates.sms.id, recipient: '07700900123', personalisation: { code: '123456' } }
          : { templateId: service.templates.letter.id, personalisation: { address_line_1: 'Ffion Jones', address_line_2: '1 High Street', address_line_3: 'SW1A 1AA', name: 'Ffion' } };
    return (await core.sender.send({ sender: { service: row, apiKey: null }, type, ...request })).notification.id;
  };
  const setStatus = (id: string, to: 'sending' | 'delivered') =>
    core.stores.notifications.transition(core.db, { id, from: ['created', 'sending'], to, now: now.toISOString() });
  const [email, sms, letter, unsent, delivered] = [await send('email'), await send('sms'), await send('letter'), await send('email'), await send('sms')];
  for (const id of [email, sms, letter]) await setStatus(id, 'sending');
  await setStatus(delivered, 'sending');
  await setStatus(delivered, 'delivered');

  now = new Date('2026-03-04T09:59:00.000Z');
  assert.equal((await runRetention(core)).timedOut, 0, 'not before 72 hours');

  now = new Date('2026-03-04T10:00:01.000Z');
  assert.equal((await runRetention(core)).timedOut, 2);
  const statusOf = async (id: string) => (await core.stores.notifications.find(core.db, id))?.status;
  assert.equal(await statusOf(email), 'temporary-failure');
  assert.equal(await statusOf(sms), 'temporary-failure');
  assert.equal(await statusOf(letter), 'sending', 'letters are not timed out');
  assert.equal(await statusOf(unsent), 'created', 'one never handed over is left to its delivery job');
  assert.equal(await statusOf(delivered), 'delivered');
  const claimed = await kernel.jobs.claim({ types: [CALLBACK_JOB], workerId: 'test', limit: 10, leaseMs: 60_000 });
  const callbacks = claimed.map((job) => job.payload as { notificationId: string; status: string });
  assert.deepEqual(
    callbacks.filter((callback) => callback.status === 'temporary-failure').map((callback) => callback.notificationId).sort(),
    [email, sms].sort(),
  );
  assert.equal((await runRetention(core)).timedOut, 0, 'each only once');
});
