import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createTestKernel } from '../../../testing/test-kernel.ts';
import { createTestService } from '../fixtures/notify-fixtures.ts';
import { notifyCoreOf } from '../notify.core-cache.ts';
import type { NotifyCore } from '../notify.core.ts';
import { DELIVER_JOB } from '../notifications/send-notification.ts';

const LEASE_MS = 60_000;

async function sendAs(core: NotifyCore, serviceId: string, request: Omit<Parameters<NotifyCore['sender']['send']>[0], 'sender'>) {
  const service = await core.serviceAdmin.requireService(serviceId);
  return (await core.sender.send({ sender: { service, apiKey: { id: 'key-normal', key_type: 'normal', name: 'normal' } }, ...request })).notification;
}

test("one service's backlog of letters does not hold back another service's email: each service's deliveries are a group of their own", async (t) => {
  const kernel = await createTestKernel(t);
  const core = notifyCoreOf(kernel);
  const serviceA = await createTestService(core, { name: 'Service A', rateLimit: 1000 });
  const serviceB = await createTestService(core, { name: 'Service B' });
  for (let n = 0; n < 30; n++) {
    await sendAs(core, serviceA.serviceId, { type: 'letter', templateId: serviceA.templates.letter.id, recipient: 'A N Other', personalisation: { name: 'A N Other', address_line_1: 'A N Other', address_line_2: '1 Street', postcode: 'SW1A 1AA' } });
  }
  const email = await sendAs(core, serviceB.serviceId, {
    type: 'email', templateId: serviceB.templates.email.id, recipient: 'ffion@example.com',
    personalisation: { 'first name': 'Ffion', 'reference number': 'ABC-1', urgent: 'no' },
  });

  const claimedFor: string[] = [];
  for (let claims = 0; claims < 3; claims++) {
    const [job] = await kernel.jobs.claim({ types: [DELIVER_JOB], workerId: 'worker', limit: 1, leaseMs: LEASE_MS });
    claimedFor.push(String(job?.payload.notificationId));
  }
  assert.equal(claimedFor.indexOf(email.id), 1, "service B's email is the second job claimed: after service A's oldest letter, before its other 29");
});
