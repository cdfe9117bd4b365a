import assert from 'node:assert/strict';
import { test, type TestContext } from 'node:test';
import { sql } from 'kysely';
import { NotifyClient } from 'notifications-node-client';
import type { Database } from '../../src/platform/db/database.ts';
import { DatabaseUnavailableError } from '../../src/platform/db/database-unavailable.ts';
import { createJobQueue } from '../../src/platform/jobs/job-queue.ts';
import { createJobWorker } from '../../src/platform/jobs/job-worker.ts';
import { createJobStore } from '../../src/platform/jobs/job.store.ts';
import { DELIVER_JOB } from '../../src/modules/notify/notifications/send-notification.ts';
import { createNotifyJobHandlers } from '../../src/modules/notify/notify.jobs.ts';
import { testDatabaseKind } from '../../src/platform/testing/test-database.ts';
import { createTestService, startNotifyServer, startSmtpServer } from '../../src/modules/notify/fixtures/notify-fixtures.ts';
import { callApi, createAccountWithKey, createPaymentByApi, PAYMENT_REQUEST, startPayApp } from '../../src/modules/pay/testing/pay-test-support.ts';

// The disk fills up under a running Civitas on SQLite. Simulated without root by SQLite's
// max_page_count on the app's own connection, set at the file's size now: any write that needs
// another page is refused with SQLITE_FULL, which is also what SQLite answers when the disk has
// no space left (it maps ENOSPC to SQLITE_FULL). Each write below carries a value of several
// pages, so it needs new pages and is refused for certain.
// A difference from a real full disk: a small write that fits in a page the file already has
// (a rate-limit counter, say) still succeeds here, where with no space for the WAL it would not.

const SKIP_REASON = 'SQLite only: PostgreSQL keeps its files on its own server, where a full disk is the server\'s to report';

async function fillTheDisk(db: Database): Promise<void> {
  const { rows } = await sql<{ page_count: number }>`pragma page_count`.execute(db);
  await sql.raw(`pragma max_page_count = ${Number(rows[0]?.page_count)}`).execute(db);
}

async function makeRoom(db: Database): Promise<void> {
  await sql.raw('pragma max_page_count = 1073741823').execute(db);
}

async function countRows(db: Database, table: string): Promise<number> {
  const { rows } = await sql<{ n: number }>`select count(*) as n from ${sql.table(table)}`.execute(db);
  return Number(rows[0]?.n);
}

type NotifyFailure = { response?: { status: number; headers: Record<string, string>; data: unknown } };

test('Notify on a full disk: sends are refused with 503 and Retry-After in Notify\'s envelope, nothing is half-written, reads are served, and sends work again when space returns', { timeout: 20_000 }, async (t: TestContext) => {
  if (testDatabaseKind() !== 'sqlite') {
    t.skip(SKIP_REASON);
    return;
  }
  const smtp = await startSmtpServer(t);
  const { baseUrl, kernel, core } = await startNotifyServer(t, { SMTP_URL: smtp.url });
  const service = await createTestService(core, { rateLimit: 100_000 });
  const client = new NotifyClient(baseUrl, service.keys.live);
  const send = (index: number) =>
    client.sendEmail(service.templates.email.id, `person${index}@example.com`, {
      // Several pages of text, so the row needs pages the file does not have.
      personalisation: { 'first name': `Person ${index} ${'long name '.repeat(2000)}`, 'reference number': String(index), urgent: 'no' },
    });

  const before = (await send(0)).data;
  const notificationsBefore = await countRows(kernel.db, 'notify_notification');
  const jobsBefore = await countRows(kernel.db, 'job');

  await fillTheDisk(kernel.db);
  for (let index = 1; index <= 5; index++) {
    await assert.rejects(send(index), (error: NotifyFailure) => {
      assert.equal(error.response?.status, 503, `refused as unavailable, never a 500: ${JSON.stringify(error.response?.data)}`);
      assert.equal(error.response.headers['retry-after'], '30');
      assert.deepEqual(error.response.data, { status_code: 503, errors: [{ error: 'Exception', message: 'Service unavailable, try again later' }] });
      return true;
    });
  }
  assert.equal(await countRows(kernel.db, 'notify_notification'), notificationsBefore, 'no notification was half-stored');
  assert.equal(await countRows(kernel.db, 'job'), jobsBefore, 'no job without its notification');

  // Reads are served meanwhile.
  const read = await client.getNotificationById(before.id);
  assert.equal(read.data.id, before.id);
  assert.equal(read.data.status, 'created');
  const templates = await client.getAllTemplates();
  assert.ok(templates.data.templates.length >= 3);

  // The delivery worker on the full disk (claiming a job is a write too) fails cleanly: a write
  // it needs is refused as unavailable, and the job waits for its next try.
  // Its queue reads a clock the test moves on, so the retry comes without waiting for it.
  let offsetMs = 0;
  const queue = createJobQueue({ db: kernel.db, store: createJobStore(kernel.database.kind), clock: () => new Date(Date.now() + offsetMs) });
  const deliver = createNotifyJobHandlers(kernel)[DELIVER_JOB];
  assert.ok(deliver);
  const worker = createJobWorker({ queue, handlers: { [DELIVER_JOB]: deliver }, logger: kernel.logger, concurrency: 2 });
  await worker.runUntilIdle().catch((error: unknown) => assert.ok(error instanceof DatabaseUnavailableError, String(error)));

  await makeRoom(kernel.db);
  const after = (await send(6)).data;
  assert.equal((await client.getNotificationById(after.id)).data.id, after.id);
  assert.equal(await countRows(kernel.db, 'notify_notification'), notificationsBefore + 1);
  offsetMs += 10 * 60_000;
  await worker.runUntilIdle();
  const messageIds = () => smtp.received.map((email) => /^Message-ID: <([0-9a-f-]{36})@civitas>/im.exec(email.raw)?.[1]);
  assert.deepEqual(messageIds().sort(), [before.id, after.id].sort(), 'once space returns, each delivered once');
  assert.equal((await client.getNotificationById(before.id)).data.status, 'delivered');
});

test('Pay on a full disk: payments are refused with 503 and Retry-After in Pay\'s envelope, nothing is half-written, payments are read, and creation works again when space returns', { timeout: 20_000 }, async (t: TestContext) => {
  if (testDatabaseKind() !== 'sqlite') {
    t.skip(SKIP_REASON);
    return;
  }
  const payApp = await startPayApp(t);
  const { key } = await createAccountWithKey(payApp.services);
  const db = payApp.kernel.db;
  const existing = await createPaymentByApi(payApp.app, key);
  const paymentsBefore = await countRows(db, 'pay_payment');

  await fillTheDisk(db);
  // A payment's row is small: the first may still fit in room the file's pages have. Each is
  // stored whole (201) or refused (503), until the room is gone.
  let accepted = 0;
  let refusals = 0;
  for (let index = 0; refusals < 3; index++) {
    assert.ok(index < 200, 'creations are refused once the file has no room');
    const response = await callApi(payApp.app, {
      method: 'POST',
      url: '/v1/payments',
      key,
      body: { ...PAYMENT_REQUEST, reference: `FULL-${index}`, metadata: Object.fromEntries(Array.from({ length: 10 }, (_, n) => [`key${n}`, 'x'.repeat(100)])), description: 'y'.repeat(255) },
    });
    if (response.statusCode === 201) {
      assert.equal(refusals, 0, 'once refused, refused until space returns');
      accepted += 1;
      continue;
    }
    assert.equal(response.statusCode, 503, `refused as unavailable, never a 500: ${response.body}`);
    assert.equal(response.headers['retry-after'], '30');
    assert.deepEqual(response.json(), { code: 'P0999', description: 'Pay is unavailable' });
    refusals += 1;
  }
  t.diagnostic(`${accepted} payments still fitted in the file's free room before the refusals`);
  assert.equal(await countRows(db, 'pay_payment'), paymentsBefore + accepted, 'no payment was half-stored');

  const read = await callApi(payApp.app, { method: 'GET', url: `/v1/payments/${existing.payment_id}`, key });
  assert.equal(read.statusCode, 200, read.body);
  assert.equal(read.json().payment_id, existing.payment_id);

  await makeRoom(db);
  const created = await createPaymentByApi(payApp.app, key, { reference: 'AFTER-FULL' });
  assert.equal(await countRows(db, 'pay_payment'), paymentsBefore + accepted + 1);
  assert.equal((await callApi(payApp.app, { method: 'GET', url: `/v1/payments/${created.payment_id}`, key })).statusCode, 200);
});
