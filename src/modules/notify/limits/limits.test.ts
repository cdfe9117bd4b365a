import assert from 'node:assert/strict';
import { test } from 'node:test';
import { NotifyClient } from 'notifications-node-client';
import { createTestService, startAnotherProcess, startNotifyServer } from '../fixtures/notify-fixtures.ts';

type Refusal = { response: { status: number; data: unknown } };

async function refusal(promise: Promise<unknown>): Promise<Refusal['response']> {
  try {
    await promise;
  } catch (error) {
    const { status, data } = (error as Refusal).response;
    return { status, data };
  }
  assert.fail('expected a refusal');
}

test("each key type has its own rate limit, shared by every process, refused with Notify's 429", async (t) => {
  const { baseUrl, core, kernel } = await startNotifyServer(t);
  const service = await createTestService(core, { rateLimit: 6 });
  // A second process on the same database: the buckets live in the database, not in memory.
  const { baseUrl: otherBaseUrl } = await startAnotherProcess(t, kernel);

  const personalisation = { code: '1' };
  const live = [new NotifyClient(baseUrl, service.keys.live), new NotifyClient(otherBaseUrl, service.keys.live)];
  for (let index = 0; index < 6; index += 1) {
    const sent = await live[index % 2]?.sendSms(service.templates.sms.id, '07700900123', { personalisation });
    assert.equal(sent?.status, 201);
  }
  const limited = await refusal(live[0]!.sendSms(service.templates.sms.id, '07700900123', { personalisation }));
  assert.deepEqual(limited, {
    status: 429,
    data: { status_code: 429, errors: [{ error: 'RateLimitError', message: 'Exceeded rate limit for key type LIVE of 6 requests per 60 seconds' }] },
  });
  assert.equal((await refusal(live[1]!.sendSms(service.templates.sms.id, '07700900123', { personalisation }))).status, 429, 'the other process refuses too');

  const testKey = new NotifyClient(baseUrl, service.keys.test);
  for (let index = 0; index < 6; index += 1) await testKey.sendSms(service.templates.sms.id, '07700900123', { personalisation });
  const testLimited = await refusal(testKey.sendSms(service.templates.sms.id, '07700900123', { personalisation }));
  assert.deepEqual((testLimited.data as { errors: unknown[] }).errors, [{ error: 'RateLimitError', message: 'Exceeded rate limit for key type TEST of 6 requests per 60 seconds' }]);
  assert.equal((await live[0]!.getAllTemplates()).status, 200, 'reading is not limited');
});

test("daily send limits count live and team sends (not test), refused with Notify's 429", async (t) => {
  const { baseUrl, core } = await startNotifyServer(t);
  const service = await createTestService(core);
  await core.serviceAdmin.updateSettings({ serviceId: service.serviceId, changes: { email_daily_limit: 2 }, actor: 'operator:test' });
  const personalisation = { 'first name': 'A', 'reference number': '1', urgent: 'no' };
  const live = new NotifyClient(baseUrl, service.keys.live);
  const testKey = new NotifyClient(baseUrl, service.keys.test);
  await testKey.sendEmail(service.templates.email.id, 'a@example.com', { personalisation });
  await live.sendEmail(service.templates.email.id, 'a@example.com', { personalisation });
  await live.sendEmail(service.templates.email.id, 'a@example.com', { personalisation });
  const limited = await refusal(live.sendEmail(service.templates.email.id, 'a@example.com', { personalisation }));
  assert.deepEqual(limited, {
    status: 429,
    data: { status_code: 429, errors: [{ error: 'TooManyRequestsError', message: 'Exceeded send limits (email: 2) for today' }] },
  });
  assert.equal((await live.sendSms(service.templates.sms.id, '07700900123', { personalisation: { code: '1' } })).status, 201, 'other channels have their own limit');
  assert.equal((await testKey.sendEmail(service.templates.email.id, 'a@example.com', { personalisation })).status, 201, 'test keys are not counted');
  const listed = await live.getNotifications('email');
  assert.equal(listed.data.notifications.length, 2, 'the refused email was not stored');
});

test('attacker: a send refused for its content still counts against the rate limit, as in Notify (taken before the template is filled in); the daily limit counts only what is sent', async (t) => {
  const { baseUrl, core } = await startNotifyServer(t);
  const service = await createTestService(core, { rateLimit: 3 });
  await core.serviceAdmin.updateSettings({ serviceId: service.serviceId, changes: { sms_daily_limit: 1 }, actor: 'operator:test' });
  const live = new NotifyClient(baseUrl, service.keys.live);
  const tooLong = await refusal(live.sendSms(service.templates.sms.id, '07700900123', { personalisation: { code: 'a'.repeat(1_000_000) } }));
  assert.equal(tooLong.status, 400);
  const badNumber = await refusal(live.sendSms(service.templates.sms.id, 'not a number', { personalisation: { code: '1' } }));
  assert.equal(badNumber.status, 400);
  assert.equal((await live.sendSms(service.templates.sms.id, '07700900123', { personalisation: { code: '1' } })).status, 201, 'the refusals did not use the daily limit of 1');
  const limited = await refusal(live.sendSms(service.templates.sms.id, '07700900123', { personalisation: { code: '1' } }));
  assert.equal(limited.status, 429);
  assert.match(JSON.stringify(limited.data), /Exceeded rate limit for key type LIVE of 3 requests per 60 seconds/, 'two refusals and one send used the 3 tokens');
});
