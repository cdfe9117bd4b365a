import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createTestKernel } from '../../../testing/test-kernel.ts';
import { createTestService, startSmtpServer } from '../fixtures/notify-fixtures.ts';
import { notifyCoreOf } from '../notify.core-cache.ts';
import { createNotifyJobHandlers } from '../notify.jobs.ts';

test('Insight hears of each email sent and of its outcome, delivered or failed, against the Notify service', async (t) => {
  const smtp = await startSmtpServer(t);
  const kernel = await createTestKernel(t, { environment: { SMTP_URL: smtp.url } });
  const core = notifyCoreOf(kernel);
  const service = await createTestService(core);
  const notifyService = await core.serviceAdmin.requireService(service.serviceId);
  const send = (recipient: string, keyType: 'normal' | 'test') =>
    core.sender.send({ sender: { service: notifyService, apiKey: { id: `key-${keyType}`, key_type: keyType, name: keyType } }, type: 'email', templateId: service.templates.email.id, recipient, personalisation: { 'first name': 'Ffion', 'reference number': 'A-1', urgent: 'no' } });
  await send('ffion@example.com', 'normal');
  await send('perm-fail@simulator.notify', 'test');
  await kernel.createWorker({ handlers: createNotifyJobHandlers(kernel) }).runUntilIdle();
  await kernel.serviceEvents.flush();

  const counts = await kernel.serviceEvents.countByPeriod({ from: '2000', to: '3000', granularity: 'day' });
  const byType = Object.fromEntries(counts.map((row) => [row.type, row.count]));
  assert.deepEqual(byType, { 'notify.notification.sent': 2, 'notify.notification.delivered': 1, 'notify.notification.failed': 1 });
  assert.ok(counts.every((row) => row.service === `notify-service:${service.serviceId}`));
});
