import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import { createServer as createNetServer } from 'node:net';
import { test, type TestContext } from 'node:test';
import { createJobQueue } from '../../../platform/jobs/job-queue.ts';
import { createJobWorker } from '../../../platform/jobs/job-worker.ts';
import { createJobStore } from '../../../platform/jobs/job.store.ts';
import { createAccountWithKey, payByCard, startPayApp, type TestClock } from '../testing/pay-test-support.ts';
import { verifyWebhookSignature } from './webhook-signature.ts';
import { DELIVER_WEBHOOK_JOB } from './webhook.service.ts';

// A service's webhook receiver is down for 10 minutes, for real: the test's own HTTP server is
// stopped, then started again on the same port. Time passes on one clock the test moves by hand,
// read by Pay (the attempts it records) and by the job queue (the retry schedule), so an hour
// passes in seconds and nothing depends on how long a step takes.

const MINUTE = 60_000;

/** This process's clock, moved on by hand. */
function createMovableClock(): TestClock & { readonly elapsedMs: number } {
  let offsetMs = 0;
  return {
    now: () => new Date(Date.now() + offsetMs),
    advance(ms: number) {
      offsetMs += ms;
    },
    set(date: Date) {
      offsetMs = date.getTime() - Date.now();
    },
    get elapsedMs() {
      return offsetMs;
    },
  };
}

async function findFreePort(): Promise<number> {
  const probe = createNetServer();
  probe.listen(0, '127.0.0.1');
  await once(probe, 'listening');
  const { port } = probe.address() as { port: number };
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return port;
}

/** A webhook receiver answering 200, that the test stops and starts again on the same port. */
async function createRestartableReceiver(t: TestContext) {
  const port = await findFreePort();
  const received: Array<{ signature: string; body: string }> = [];
  let server: Server | undefined;
  const receiver = {
    url: `http://127.0.0.1:${port}/pay-webhooks`,
    received,
    async start() {
      const started = createServer((request, response) => {
        let body = '';
        request.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
        request.on('end', () => {
          received.push({ signature: String(request.headers['pay-signature']), body });
          response.writeHead(200).end('ok');
        });
      });
      started.listen(port, '127.0.0.1');
      await once(started, 'listening');
      server = started;
    },
    async stop() {
      const stopping = server;
      server = undefined;
      if (!stopping) return;
      const closed = new Promise<void>((resolve) => stopping.close(() => resolve()));
      stopping.closeAllConnections();
      await closed;
    },
  };
  t.after(() => receiver.stop());
  return receiver;
}

test('a webhook receiver down for 10 minutes: messages stay pending, are retried after 60 s and 5 min, then delivered once each by the try an hour later; every attempt is kept', { timeout: 20_000 }, async (t) => {
  const clock = createMovableClock();
  const payApp = await startPayApp(t, { clock });
  const { accountId, key } = await createAccountWithKey(payApp.services);
  const receiver = await createRestartableReceiver(t);
  await receiver.start();
  const { webhook, signingSecret } = await payApp.services.webhooks.createWebhook({
    accountId,
    live: false,
    url: receiver.url,
    events: ['card_payment_succeeded'],
    actor: 'operator:test',
  });
  // Pay's own webhook handler, on a queue over the same jobs table that reads the movable clock.
  // (Only it: Pay's sweeper queues its next run by the real clock, always due on this one.)
  const queue = createJobQueue({ db: payApp.kernel.db, store: createJobStore(payApp.kernel.database.kind), clock: clock.now });
  const deliverWebhook = payApp.module.createJobHandlers?.(payApp.kernel)[DELIVER_WEBHOOK_JOB];
  assert.ok(deliverWebhook);
  const worker = createJobWorker({ queue, handlers: { [DELIVER_WEBHOOK_JOB]: deliverWebhook }, logger: payApp.kernel.logger, concurrency: 4 });

  await payByCard(payApp, key);
  await worker.runUntilIdle();
  assert.equal(receiver.received.length, 1, 'delivered while the receiver is up');

  await receiver.stop();
  const paid = [await payByCard(payApp, key), await payByCard(payApp, key)];
  await worker.runUntilIdle();
  const pendingMessages = async () => (await payApp.services.webhooks.listMessages({ webhookId: webhook.id })).filter((message) => paid.includes(message.resource_id));

  const step = async () => {
    clock.advance(MINUTE);
    await worker.runUntilIdle();
  };
  while (clock.elapsedMs < 10 * MINUTE) {
    await step();
    const messages = await pendingMessages();
    assert.equal(messages.length, 2);
    for (const message of messages) {
      assert.equal(message.status, 'pending', `still to be delivered at ${clock.elapsedMs / MINUTE} min`);
      assert.equal(message.last_status_code, null);
    }
  }
  assert.equal(receiver.received.length, 1, 'nothing got through while the receiver was down');
  for (const message of await pendingMessages()) {
    // Tries at 0, 1 and 6 minutes.
    assert.equal(message.attempts, 3, 'tried on the schedule');
    const found = await payApp.services.webhooks.findMessage(webhook.id, message.id);
    assert.deepEqual(found?.attempts.map((attempt) => [attempt.attempt, attempt.outcome, attempt.problem, attempt.status_code]), [
      [1, 'failure', 'could not connect', null],
      [2, 'failure', 'could not connect', null],
      [3, 'failure', 'could not connect', null],
    ]);
    assert.ok(message.next_attempt_at && Date.parse(message.next_attempt_at) > clock.now().getTime(), 'the next try is shown, an hour after the third');
  }

  await receiver.start();
  // The next try is an hour after the one at 6 minutes.
  while (clock.elapsedMs < 70 * MINUTE) await step();
  const delivered = receiver.received.slice(1).map((call) => ({ ...call, json: JSON.parse(call.body) as { resource_id: string; event_type: string; webhook_message_id: string } }));
  assert.deepEqual(delivered.map((call) => call.json.resource_id).sort(), [...paid].sort(), 'each message arrived once');
  for (const call of delivered) {
    assert.equal(call.json.event_type, 'card_payment_succeeded');
    assert.ok(verifyWebhookSignature(call.body, call.signature, signingSecret), 'signed as ever');
  }
  for (const message of await pendingMessages()) {
    assert.equal(message.status, 'successful');
    assert.equal(message.attempts, 4);
    assert.equal(message.last_status_code, 200);
    assert.equal(message.next_attempt_at, null);
  }
  const left = (await payApp.kernel.jobs.list()).filter((job) => job.type === DELIVER_WEBHOOK_JOB);
  assert.deepEqual(left, [], 'no delivery job left behind');
});
