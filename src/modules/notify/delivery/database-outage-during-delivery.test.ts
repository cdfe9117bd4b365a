import assert from 'node:assert/strict';
import { once } from 'node:events';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { test, type TestContext } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { pino } from 'pino';
import { modules } from '../../../app.ts';
import { createJobQueue } from '../../../platform/jobs/job-queue.ts';
import { createJobWorker } from '../../../platform/jobs/job-worker.ts';
import { createJobStore } from '../../../platform/jobs/job.store.ts';
import { openKernel } from '../../../platform/kernel.ts';
import { createTestDatabase, testDatabaseKind } from '../../../platform/testing/test-database.ts';
import { createTestConfig } from '../../../testing/test-kernel.ts';
import { createTestService, startSmtpServer } from '../fixtures/notify-fixtures.ts';
import { notifyCoreOf } from '../notify.core-cache.ts';
import { createNotifyJobHandlers } from '../notify.jobs.ts';
import { DELIVER_JOB } from '../notifications/send-notification.ts';

/**
 * A TCP path to PostgreSQL that the test cuts and restores: cut, it drops every connection and
 * refuses new ones, as a server that restarts or fails over does, to this process only.
 */
async function startDatabaseProxy(t: TestContext, target: { host: string; port: number }) {
  const sockets = new Set<Socket>();
  let server: Server | undefined;
  let port = 0;
  const proxy = {
    get port() {
      return port;
    },
    async up() {
      const started = createServer((client) => {
        const upstream = connect(target.port, target.host);
        for (const socket of [client, upstream]) {
          sockets.add(socket);
          socket.on('close', () => sockets.delete(socket));
          socket.on('error', () => {});
        }
        client.pipe(upstream).pipe(client);
        client.on('close', () => upstream.destroy());
        upstream.on('close', () => client.destroy());
      });
      started.listen(port, '127.0.0.1');
      await once(started, 'listening');
      port = (started.address() as { port: number }).port;
      server = started;
    },
    async cut() {
      const stopping = server;
      server = undefined;
      for (const socket of sockets) socket.destroy();
      if (stopping) await new Promise<void>((resolve) => stopping.close(() => resolve()));
    },
  };
  await proxy.up();
  t.after(() => proxy.cut());
  return proxy;
}

test('PostgreSQL cut while an email is with the SMTP server: the outcome is recorded once it is back, and the email is not sent again', { timeout: 20_000 }, async (t) => {
  if (testDatabaseKind() !== 'postgres') {
    t.skip('needs PostgreSQL (run with a postgres:// DATABASE_URL): the test cuts the network path to the server');
    return;
  }
  const testDatabase = await createTestDatabase();
  const direct = new URL(testDatabase.url);
  const proxy = await startDatabaseProxy(t, { host: direct.hostname, port: Number(direct.port) || 5432 });
  const proxied = new URL(testDatabase.url);
  proxied.hostname = '127.0.0.1';
  proxied.port = String(proxy.port);

  let outage: Promise<void> | undefined;
  // The path to the database is cut just as the server takes the message (it answers 100 ms
  // later), and restored half a second after.
  const smtp = await startSmtpServer(t, {
    delayMs: 100,
    onData: () => {
      outage ??= proxy
        .cut()
        .then(() => sleep(500))
        .then(() => proxy.up());
      return undefined;
    },
  });
  const kernel = openKernel({
    config: createTestConfig(testDatabase, { SMTP_URL: smtp.url, DATABASE_URL: proxied.toString() }),
    modules,
    logger: pino({ level: 'silent' }),
  });
  t.after(async () => {
    await kernel.close();
    await testDatabase.drop();
  });
  await kernel.migrate();
  const core = notifyCoreOf(kernel);
  const service = await createTestService(core, { rateLimit: 100_000 });
  const sender = { service: await core.serviceAdmin.requireService(service.serviceId), apiKey: { id: 'key-live', key_type: 'normal' as const, name: 'live key' } };
  const { notification } = await core.sender.send({
    sender,
    type: 'email',
    templateId: service.templates.email.id,
    recipient: 'person@example.com',
    personalisation: { 'first name': 'Person', 'reference number': '1', urgent: 'no' },
  });

  // The job queue reads a clock the test moves on, so a retry, if there were one, would come now.
  let offsetMs = 0;
  const queue = createJobQueue({ db: kernel.db, store: createJobStore(kernel.database.kind), clock: () => new Date(Date.now() + offsetMs) });
  const deliver = createNotifyJobHandlers(kernel)[DELIVER_JOB];
  assert.ok(deliver);
  const worker = createJobWorker({ queue, handlers: { [DELIVER_JOB]: deliver }, logger: kernel.logger, concurrency: 2 });
  await worker.runUntilIdle();
  assert.ok(outage, 'the database was cut while the server took the message');
  await outage;
  offsetMs += 60 * 60_000;
  for (let tries = 1; ; tries++) {
    try {
      await worker.runUntilIdle();
      break;
    } catch (error) {
      // A claim may meet a connection cut a moment ago; never anything else.
      assert.equal((error as { code?: unknown }).code, 'database_unavailable', String(error));
      assert.ok(tries < 20);
    }
  }

  assert.equal(smtp.received.length, 1, 'handed over once');
  const stored = await core.stores.notifications.find(kernel.db, notification.id);
  assert.equal(stored?.status, 'delivered');
  assert.equal(stored?.delivery_attempts, 1);
  assert.deepEqual((await kernel.jobs.list()).filter((job) => job.type === DELIVER_JOB), []);
});
