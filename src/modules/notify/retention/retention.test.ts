import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createTestKernel } from '../../../testing/test-kernel.ts';
import { createTestService } from '../fixtures/notify-fixtures.ts';
import { createNotifyCore } from '../notify.core.ts';
import { runRetention } from './retention.job.ts';

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
  assert.deepEqual(await runRetention(core), { notifications: 1, receivedTexts: 0, files: 0 });
  assert.equal(await core.stores.notifications.find(core.db, shortLived), undefined, 'gone after 3 days');
  assert.ok(await core.stores.notifications.find(core.db, kept), 'kept for 7 days');

  now = new Date('2026-03-08T10:00:01.000Z');
  await runRetention(core);
  assert.equal(await core.stores.notifications.find(core.db, kept), undefined, 'gone after 7 days');
});
