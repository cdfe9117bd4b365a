import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createNetServer } from 'node:net';
import { test, type TestContext } from 'node:test';
import { SMTPServer } from 'smtp-server';
import { createJobQueue } from '../../../platform/jobs/job-queue.ts';
import { createJobWorker } from '../../../platform/jobs/job-worker.ts';
import { createJobStore } from '../../../platform/jobs/job.store.ts';
import type { Kernel } from '../../../platform/kernel.ts';
import { createTestKernel } from '../../../testing/test-kernel.ts';
import { CALLBACK_JOB } from '../callbacks/callback.job.ts';
import { createTestService, type TestService } from '../fixtures/notify-fixtures.ts';
import { notifyCoreOf } from '../notify.core-cache.ts';
import { DELIVER_JOB } from '../notifications/send-notification.ts';
import type { NotifyCore } from '../notify.core.ts';
import { createNotifyJobHandlers } from '../notify.jobs.ts';

// A dependency of Notify's delivery is down for 10 minutes, for real: the test's own server
// (an SMTP server, an SMS gateway, a service's callback receiver) is stopped, then started again
// on the same port. Ten minutes pass in seconds on the job queue's clock, which the retry
// schedule is read against: the test moves it on by hand, so nothing depends on how long a step
// takes, and asserts what happened, never when.

const MINUTE = 60_000;
const OUTAGE_MS = 10 * MINUTE;

/** The job queue's clock: this process's, moved on by hand. */
function createMovableClock() {
  let offsetMs = 0;
  return {
    now: () => new Date(Date.now() + offsetMs),
    advance(ms: number) {
      offsetMs += ms;
    },
    get elapsedMs() {
      return offsetMs;
    },
  };
}

/** A port free now, for a server the test stops and starts again at the same address. */
async function findFreePort(): Promise<number> {
  const probe = createNetServer();
  probe.listen(0, '127.0.0.1');
  await once(probe, 'listening');
  const { port } = probe.address() as { port: number };
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return port;
}

/** Something the test can stop and start again on the same port. */
type Stoppable = { start(): Promise<void>; stop(): Promise<void>; readonly up: boolean };

function messageIdOf(raw: string): string | undefined {
  return /^Message-ID: <([0-9a-f-]{36})@civitas>/im.exec(raw)?.[1];
}

/** An SMTP server (the smtp-server package) that keeps the Message-ID of every email it takes. */
async function createRestartableSmtpServer(t: TestContext): Promise<Stoppable & { url: string; received: string[] }> {
  const port = await findFreePort();
  const received: string[] = [];
  let server: SMTPServer | undefined;
  const restartable = {
    url: `smtp://127.0.0.1:${port}?tls=none`,
    received,
    get up() {
      return server !== undefined;
    },
    async start() {
      const started = new SMTPServer({
        authOptional: true,
        disabledCommands: ['STARTTLS'],
        logger: false,
        closeTimeout: 50,
        onData(stream, _session, callback) {
          const chunks: Buffer[] = [];
          stream.on('data', (chunk: Buffer) => chunks.push(chunk));
          stream.on('end', () => {
            received.push(messageIdOf(Buffer.concat(chunks).toString('utf8')) ?? 'no Message-ID');
            callback();
          });
        },
      });
      started.on('error', () => {});
      started.listen(port, '127.0.0.1');
      await once(started.server, 'listening');
      server = started;
    },
    async stop() {
      const stopping = server;
      server = undefined;
      // Ends the sessions Civitas keeps open too, as a server going down does.
      await new Promise<void>((resolve) => stopping?.close(() => resolve()) ?? resolve());
    },
  };
  t.after(() => restartable.stop());
  return restartable;
}

/** An HTTP server answering `answer`, that keeps what it receives. */
async function createRestartableHttpServer<Received>(
  t: TestContext,
  handle: (request: IncomingMessage, body: string, response: ServerResponse) => Received,
): Promise<Stoppable & { url: string; received: Received[] }> {
  const port = await findFreePort();
  const received: Received[] = [];
  let server: Server | undefined;
  const restartable = {
    url: `http://127.0.0.1:${port}`,
    received,
    get up() {
      return server !== undefined;
    },
    async start() {
      const started = createServer((request, response) => {
        let body = '';
        request.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
        request.on('end', () => received.push(handle(request, body, response)));
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
      // Kept-alive connections too: nothing answers at this address any more.
      stopping.closeAllConnections();
      await closed;
    },
  };
  t.after(() => restartable.stop());
  return restartable;
}

async function setUp(t: TestContext, environment: Record<string, string>) {
  const kernel = await createTestKernel(t, { environment });
  const core = notifyCoreOf(kernel);
  const service = await createTestService(core, { rateLimit: 100_000 });
  const clock = createMovableClock();
  // The kernel's queue and store, on the same jobs table, read against the movable clock.
  const queue = createJobQueue({ db: kernel.db, store: createJobStore(kernel.database.kind), clock: clock.now });
  const worker = createJobWorker({ queue, handlers: createNotifyJobHandlers(kernel), logger: kernel.logger, concurrency: 4 });
  return { kernel, core, service, clock, worker };
}

async function send(core: NotifyCore, service: TestService, type: 'email' | 'sms', index: number): Promise<string> {
  const sender = { service: await core.serviceAdmin.requireService(service.serviceId), apiKey: { id: 'key-live', key_type: 'normal' as const, name: 'live key' } };
  const { notification } =
    type === 'email'
      ? await core.sender.send({
          sender,
          type: 'email',
          templateId: service.templates.email.id,
          recipient: `person${index}@example.com`,
          personalisation: { 'first name': `Person ${index}`, 'reference number': String(index), urgent: 'no' },
        })
      : await core.sender.send({ sender, type: 'sms', templateId: service.templates.sms.id, recipient: `0770090${String(1000 + index)}`, personalisation: { code: String(index) } });
  return notification.id;
}

async function notificationsOf(core: NotifyCore, ids: readonly string[]) {
  return Promise.all(
    ids.map(async (id) => {
      const row = await core.stores.notifications.find(core.db, id);
      assert.ok(row, 'an accepted notification is never lost');
      return row;
    }),
  );
}

/** Notify's delivery and callback jobs still queued (the app queues sweeps of its own). */
async function deliveryJobsOf(kernel: Kernel) {
  return (await kernel.jobs.list()).filter((job) => job.type === DELIVER_JOB || job.type === CALLBACK_JOB);
}

function countBy(values: readonly string[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const value of values) counts.set(value, (counts.get(value) ?? 0) + 1);
  return counts;
}

/**
 * Moves the clock on in `stepMs` steps until `untilMs` has passed since the test began, running
 * every job that is due after each step; `atEachStep` checks what must hold meanwhile.
 */
async function runFor(
  setup: { clock: ReturnType<typeof createMovableClock>; worker: ReturnType<typeof createJobWorker> },
  options: { untilMs: number; stepMs: number; atEachStep?: (elapsedMs: number) => Promise<void> },
): Promise<void> {
  while (setup.clock.elapsedMs < options.untilMs) {
    setup.clock.advance(options.stepMs);
    await setup.worker.runUntilIdle();
    await options.atEachStep?.(setup.clock.elapsedMs);
  }
}

test('the SMTP server down for 10 minutes: emails accepted meanwhile stay created, are retried on their schedule, and are delivered once each after it comes back', { timeout: 20_000 }, async (t) => {
  const smtp = await createRestartableSmtpServer(t);
  await smtp.start();
  const setup = await setUp(t, { SMTP_URL: smtp.url });
  const { core, service, worker } = setup;

  const before = await send(core, service, 'email', 0);
  await worker.runUntilIdle();
  assert.deepEqual(smtp.received, [before], 'delivered while the server is up (Civitas keeps SMTP sessions open)');

  await smtp.stop();
  const accepted = [await send(core, service, 'email', 1), await send(core, service, 'email', 2)];
  await worker.runUntilIdle();
  let sentLater: string[] = [];
  await runFor(setup, {
    untilMs: OUTAGE_MS,
    stepMs: 10_000,
    async atEachStep(elapsedMs) {
      if (elapsedMs === 5 * MINUTE) sentLater = [await send(core, service, 'email', 3), await send(core, service, 'email', 4)];
      for (const notification of await notificationsOf(core, [...accepted, ...sentLater])) {
        // As GOV.UK Notify: `created` until the provider has the message ("sending" means it has).
        assert.equal(notification.status, 'created', `not with the provider yet at ${elapsedMs / 1000} s: ${JSON.stringify(await deliveryJobsOf(setup.kernel))}`);
        assert.equal(notification.sent_at, null);
      }
    },
  });
  assert.deepEqual(smtp.received, [before], 'nothing got through while the server was down');
  const duringOutage = await notificationsOf(core, accepted);
  // 10 s, 20 s, 40 s ... between tries: at 0, 10, 30, 70, 150 and 310 s, all before 600 s.
  assert.deepEqual(duringOutage.map((notification) => notification.delivery_attempts), [6, 6], 'tried on the schedule');

  await smtp.start();
  await runFor(setup, { untilMs: OUTAGE_MS + 10 * MINUTE, stepMs: 10_000 });
  const all = [...accepted, ...sentLater];
  assert.deepEqual(
    [...countBy(smtp.received)].filter(([id]) => id !== before).sort(),
    all.map((id) => [id, 1]).sort(),
    'every email accepted during the outage arrived, and only once',
  );
  const delivered = await notificationsOf(core, all);
  assert.deepEqual(delivered.map((notification) => notification.status), ['delivered', 'delivered', 'delivered', 'delivered']);
  // The try at 630 s (the first after 600 s) for the first two; for those sent at 300 s the
  // tries were at 300, 310, 330, 370, 450, then 610 s.
  assert.deepEqual(delivered.map((notification) => notification.delivery_attempts), [7, 7, 6, 6], 'delivered by the next try on the schedule');
  assert.deepEqual(await deliveryJobsOf(setup.kernel), [], 'no delivery job left behind');
});

test('the SMS gateway down for 10 minutes: texts accepted meanwhile stay created, are retried on their schedule, handed over once each after it comes back, and its receipts complete them', { timeout: 20_000 }, async (t) => {
  const token = 'gateway-token-0123456789';
  const gateway = await createRestartableHttpServer(t, (_request, body, response) => {
    const message = JSON.parse(body) as { reference: string };
    response.writeHead(202, { 'content-type': 'application/json' }).end(JSON.stringify({ id: `gw-${message.reference}` }));
    return message.reference;
  });
  await gateway.start();
  const setup = await setUp(t, { NOTIFY_SMS_GATEWAY_URL: `${gateway.url}/send`, NOTIFY_SMS_GATEWAY_TOKEN: token });
  const { kernel, core, service, worker } = setup;

  const before = await send(core, service, 'sms', 0);
  await worker.runUntilIdle();
  assert.deepEqual(gateway.received, [before]);

  await gateway.stop();
  const accepted = [await send(core, service, 'sms', 1), await send(core, service, 'sms', 2)];
  await worker.runUntilIdle();
  let sentLater: string[] = [];
  await runFor(setup, {
    untilMs: OUTAGE_MS,
    stepMs: 10_000,
    async atEachStep(elapsedMs) {
      if (elapsedMs === 5 * MINUTE) sentLater = [await send(core, service, 'sms', 3), await send(core, service, 'sms', 4)];
      for (const notification of await notificationsOf(core, [...accepted, ...sentLater])) {
        assert.equal(notification.status, 'created', `not with the gateway yet at ${elapsedMs / 1000} s`);
      }
    },
  });
  assert.deepEqual(gateway.received, [before], 'nothing got through while the gateway was down');
  assert.deepEqual((await notificationsOf(core, accepted)).map((notification) => notification.delivery_attempts), [6, 6], 'tried on the schedule');

  await gateway.start();
  await runFor(setup, { untilMs: OUTAGE_MS + 10 * MINUTE, stepMs: 10_000 });
  const all = [...accepted, ...sentLater];
  assert.deepEqual(
    [...countBy(gateway.received)].filter(([id]) => id !== before).sort(),
    all.map((id) => [id, 1]).sort(),
    'every text accepted during the outage reached the gateway, and only once',
  );
  const handedOver = await notificationsOf(core, all);
  assert.deepEqual(handedOver.map((notification) => notification.status), ['sending', 'sending', 'sending', 'sending'], 'with the gateway, awaiting its receipt');
  assert.deepEqual(handedOver.map((notification) => notification.delivery_attempts), [7, 7, 6, 6]);

  const { buildApp } = await import('../../../app.ts');
  const app = await buildApp(kernel);
  t.after(() => app.close());
  for (const id of all) {
    const receipt = await app.inject({
      method: 'POST',
      url: '/notify/sms-gateway/receipts',
      headers: { authorization: `Bearer ${token}` },
      payload: { id: `gw-${id}`, status: 'delivered' },
    });
    assert.equal(receipt.statusCode, 204);
  }
  assert.deepEqual((await notificationsOf(core, all)).map((notification) => notification.status), ['delivered', 'delivered', 'delivered', 'delivered']);
  assert.deepEqual(await deliveryJobsOf(kernel), [], 'no delivery job left behind');
});

test("a service's delivery-receipt callback receiver down for 10 minutes: receipts are retried every 5 minutes and arrive once each after it comes back; the notifications stay delivered", { timeout: 20_000 }, async (t) => {
  const smtp = await createRestartableSmtpServer(t);
  await smtp.start();
  const receiver = await createRestartableHttpServer(t, (request, body, response) => {
    response.writeHead(200).end();
    return { authorization: request.headers.authorization, body: JSON.parse(body) as { id: string; status: string } };
  });
  await receiver.start();
  const setup = await setUp(t, { SMTP_URL: smtp.url });
  const { kernel, core, service, worker } = setup;
  await core.serviceAdmin.setCallback({ serviceId: service.serviceId, kind: 'delivery', url: `${receiver.url}/callback`, bearerToken: 'callback-secret-1', actor: 'operator:test' });

  const before = await send(core, service, 'email', 0);
  await worker.runUntilIdle();
  assert.deepEqual(receiver.received.map((call) => call.body.id), [before]);

  await receiver.stop();
  const accepted = [await send(core, service, 'email', 1), await send(core, service, 'email', 2)];
  await worker.runUntilIdle();
  const callbackAttempts = async () => (await kernel.jobs.list()).filter((job) => job.type === CALLBACK_JOB).map((job) => job.attempts);
  await runFor(setup, {
    untilMs: OUTAGE_MS - MINUTE,
    stepMs: MINUTE,
    async atEachStep() {
      const notifications = await notificationsOf(core, accepted);
      assert.deepEqual(notifications.map((notification) => notification.status), ['delivered', 'delivered'], 'a receiver that is down changes no status');
    },
  });
  // As GOV.UK Notify: 5 minutes between tries, so at 0 and 5 minutes during the outage.
  assert.deepEqual(await callbackAttempts(), [2, 2], 'tried on the schedule');
  assert.equal(receiver.received.length, 1);
  assert.deepEqual(smtp.received.length, 3, 'the emails themselves went out meanwhile');

  setup.clock.advance(MINUTE);
  await receiver.start();
  await runFor(setup, { untilMs: OUTAGE_MS + 10 * MINUTE, stepMs: MINUTE });
  const calls = receiver.received.filter((call) => call.body.id !== before);
  assert.deepEqual(calls.map((call) => call.body.id).sort(), [...accepted].sort(), 'each receipt arrived once');
  for (const call of calls) {
    assert.equal(call.authorization, 'Bearer callback-secret-1');
    assert.equal(call.body.status, 'delivered');
  }
  assert.deepEqual(await deliveryJobsOf(kernel), [], 'no delivery job left behind');
});
