import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { test, type TestContext } from 'node:test';
import { createTestKernel } from '../../../testing/test-kernel.ts';
import { createTestService } from '../fixtures/notify-fixtures.ts';
import { notifyCoreOf } from '../notify.core-cache.ts';
import { createNotifyJobHandlers } from '../notify.jobs.ts';
import { ServiceAdminError } from '../services/service.service.ts';
import { CALLBACK_JOB, CALLBACK_MAX_ATTEMPTS } from './callback.job.ts';

/** A service's callback endpoint on 127.0.0.1 that answers 200 and counts what it receives. */
async function startReceiver(t: TestContext) {
  const received: string[] = [];
  const server = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk) => (body += chunk));
    request.on('end', () => {
      received.push(body);
      response.end();
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  t.after(() => new Promise((resolve) => server.close(resolve)));
  return { received, url: `http://127.0.0.1:${(server.address() as { port: number }).port}/callback` };
}

/** A kernel whose Notify sends one text message, with callbacks retried at once. */
async function setUp(t: TestContext, allowPrivateNetwork: boolean) {
  const kernel = await createTestKernel(t, { environment: { OUTBOUND_ALLOW_PRIVATE_NETWORK: String(allowPrivateNetwork) } });
  const core = notifyCoreOf(kernel);
  const service = await createTestService(core);
  const worker = kernel.createWorker({ handlers: createNotifyJobHandlers(kernel, { callbackRetryDelayMs: 0 }) });
  const sendText = async () => {
    const sender = await core.serviceAdmin.requireService(service.serviceId);
    await core.sender.send({
      sender: { service: sender, apiKey: { id: 'key-normal', key_type: 'normal', name: 'normal' } },
      type: 'sms',
      templateId: service.templates.sms.id,
      recipient: '07700900123',
      personalisation: { code: '1' },
    });
  };
  /** Runs the worker until no callback job is left to run; returns the ones that failed (done ones are gone). */
  const runCallbacks = async () => {
    for (let round = 0; round < 200; round += 1) {
      await worker.runUntilIdle();
      const jobs = (await kernel.jobs.list()).filter((job) => job.type === CALLBACK_JOB);
      if (jobs.every((job) => job.status === 'failed')) return jobs;
      await sleep(10);
    }
    assert.fail('the callbacks did not finish');
  };
  return { kernel, core, service, sendText, runCallbacks };
}

test('with private addresses refused, as by default, a callback URL on a private network cannot be set', async (t) => {
  const { core, service } = await setUp(t, false);
  const set = (url: string) => core.serviceAdmin.setCallback({ serviceId: service.serviceId, kind: 'delivery', url, bearerToken: 'callback-secret-1', actor: 'operator:test' });
  for (const url of ['http://127.0.0.1:8080/callback', 'http://localhost:8080/callback', 'https://[::1]/callback', 'https://169.254.169.254/latest', 'https://3232235521/callback', 'https://[fd00::5]/callback']) {
    await assert.rejects(set(url), (error: unknown) => error instanceof ServiceAdminError && error.code === 'PRIVATE_CALLBACK_URL', url);
  }
  for (const url of ['ftp://service.example.gov.uk/callback', 'https://user:pw@service.example.gov.uk/callback', 'not a url']) {
    await assert.rejects(set(url), (error: unknown) => error instanceof ServiceAdminError && error.code === 'INVALID_CALLBACK_URL', url);
  }
  await set('https://service.example.gov.uk/callback');
  await set('http://service.example.gov.uk/callback');
  assert.equal((await core.serviceAdmin.requireService(service.serviceId)).delivery_callback_url, 'http://service.example.gov.uk/callback', 'http is fine outside production');
});

test('with private addresses refused, a callback URL kept from before is not called: it fails on the retry schedule', async (t) => {
  const receiver = await startReceiver(t);
  const { kernel, core, service, sendText, runCallbacks } = await setUp(t, false);
  await core.serviceAdmin.setCallback({ serviceId: service.serviceId, kind: 'delivery', url: 'https://service.example.gov.uk/callback', bearerToken: 'callback-secret-1', actor: 'operator:test' });
  await kernel.db.transaction().execute((transaction) => core.stores.services.updateService(transaction, service.serviceId, { delivery_callback_url: receiver.url }));
  core.caches.services.forget(service.serviceId);

  await sendText();
  const [job] = await runCallbacks();
  assert.equal(job?.status, 'failed');
  assert.equal(job?.attempts, CALLBACK_MAX_ATTEMPTS, 'tried as often as any failing callback, no more');
  assert.match(job?.lastError ?? '', /refused-address: 127\.0\.0\.1 is a non-public address \(loopback\)/);
  assert.equal(receiver.received.length, 0, 'nothing reached 127.0.0.1');
});

test('with private addresses allowed, as in development and tests, the callback to 127.0.0.1 is made', async (t) => {
  const receiver = await startReceiver(t);
  const { core, service, sendText, runCallbacks } = await setUp(t, true);
  await core.serviceAdmin.setCallback({ serviceId: service.serviceId, kind: 'delivery', url: receiver.url, bearerToken: 'callback-secret-1', actor: 'operator:test' });
  await sendText();
  assert.deepEqual(await runCallbacks(), [], 'the callback job is done');
  assert.equal(receiver.received.length, 1);
  assert.equal(JSON.parse(receiver.received[0]!).to, '07700900123');
});
