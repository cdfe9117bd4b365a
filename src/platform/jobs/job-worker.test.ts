import assert from 'node:assert/strict';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { pino } from 'pino';
import { DatabaseUnavailableError } from '../db/database-unavailable.ts';
import { openKernel } from '../kernel.ts';
import { testDatabaseKind } from '../testing/test-database.ts';
import { createTestConfig, createTestKernel } from '../../testing/test-kernel.ts';
import { createJobQueue, type ClaimedJob, type JobQueue } from './job-queue.ts';
import { createJobWorker, exponentialBackoff, JobLeaseLostError, type JobRunContext } from './job-worker.ts';
import { createJobStore } from './job.store.ts';

/** Checks `condition` every few milliseconds until it holds; the test's timeout catches a hang. */
async function waitUntil(condition: () => boolean | Promise<boolean>): Promise<void> {
  while (!(await condition())) await sleep(5);
}

/** A promise the test settles by hand. */
function createGate() {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => {
    open = resolve;
  });
  return { opened, open };
}

const TEST_TIMEOUT = { timeout: 30_000 };

test('the worker runs every job once, never more at a time than its concurrency', TEST_TIMEOUT, async (t) => {
  const kernel = await createTestKernel(t, { modules: [], environment: { WORKER_CONCURRENCY: '3' } });
  const ids = await kernel.db.transaction().execute(async (transaction) => {
    const enqueued: string[] = [];
    for (let n = 0; n < 12; n++) enqueued.push(await kernel.jobs.enqueue(transaction, { type: 'test.count', payload: { n } }));
    return enqueued;
  });
  let running = 0;
  let mostAtOnce = 0;
  const ran: string[] = [];
  const worker = kernel.createWorker({
    pollIntervalMs: 10,
    handlers: {
      'test.count': {
        async run(job) {
          running += 1;
          mostAtOnce = Math.max(mostAtOnce, running);
          await sleep(2);
          ran.push(job.id);
          running -= 1;
        },
      },
    },
  });

  worker.start();
  t.after(() => worker.stop());
  await waitUntil(async () => (await kernel.jobs.list()).length === 0);
  await worker.stop();

  assert.equal(ran.length, 12);
  assert.deepEqual([...ran].sort(), [...ids].sort());
  assert.equal(mostAtOnce, 3, 'three at a time: bounded, and not one after another');
});

test('runUntilIdle runs every due job, including jobs that jobs enqueue, and leaves later ones', TEST_TIMEOUT, async (t) => {
  const kernel = await createTestKernel(t, { modules: [] });
  const later = await kernel.jobs.enqueue(kernel.db, {
    type: 'test.first',
    payload: { n: 99 },
    runAt: new Date(Date.now() + 3_600_000),
  });
  for (let n = 0; n < 5; n++) await kernel.jobs.enqueue(kernel.db, { type: 'test.first', payload: { n } });
  const ran: string[] = [];
  const worker = kernel.createWorker({
    handlers: {
      'test.first': {
        async run(job) {
          ran.push(`first ${job.payload.n}`);
          await kernel.jobs.enqueue(kernel.db, { type: 'test.second', payload: { n: job.payload.n } });
        },
      },
      'test.second': {
        async run(job) {
          ran.push(`second ${job.payload.n}`);
        },
      },
    },
  });

  await worker.runUntilIdle();

  assert.deepEqual(
    [...ran].sort(),
    [0, 1, 2, 3, 4].flatMap((n) => [`first ${n}`, `second ${n}`]).sort(),
  );
  const left = await kernel.jobs.list();
  assert.deepEqual(
    left.map((job) => [job.id, job.status]),
    [[later, 'pending']],
  );
  await worker.runUntilIdle();
  assert.equal(ran.length, 10, 'with nothing due it returns without running anything');
});

test('runUntilIdle runs a job enqueued by another that ended while a claim was under way', TEST_TIMEOUT, async (t) => {
  const kernel = await createTestKernel(t, { modules: [], environment: { WORKER_CONCURRENCY: '4' } });
  await kernel.jobs.enqueue(kernel.db, { type: 'test.slow', payload: {} });
  await kernel.jobs.enqueue(kernel.db, { type: 'test.quick', payload: {} });
  const claimUnderWay = createGate();
  const slowJobDone = createGate();
  let claims = 0;
  const ran: string[] = [];
  // The second claim starts when the quick job ends, the slow one still running; the slow job
  // enqueues its follow-up and ends after that claim looked for due jobs, before it answers.
  const queue: JobQueue = {
    ...kernel.jobs,
    async claim(claim) {
      claims += 1;
      const claimed = await kernel.jobs.claim(claim);
      if (claims === 2) {
        claimUnderWay.open();
        await slowJobDone.opened;
        await new Promise((resolve) => setImmediate(resolve));
      }
      return claimed;
    },
    async complete(job) {
      const completed = await kernel.jobs.complete(job);
      if (job.type === 'test.slow') slowJobDone.open();
      return completed;
    },
  };
  const worker = createJobWorker({
    queue,
    logger: pino({ level: 'silent' }),
    concurrency: 4,
    handlers: {
      'test.slow': {
        async run() {
          await claimUnderWay.opened;
          await kernel.jobs.enqueue(kernel.db, { type: 'test.follow-up', payload: {} });
          ran.push('slow');
        },
      },
      'test.quick': { async run() { ran.push('quick'); } },
      'test.follow-up': { async run() { ran.push('follow-up'); } },
    },
  });

  await worker.runUntilIdle();

  assert.deepEqual(ran, ['quick', 'slow', 'follow-up']);
  assert.deepEqual(await kernel.jobs.list(), []);
});

test('a failing job is retried after the delay its handler asks for, and runs until it succeeds', TEST_TIMEOUT, async (t) => {
  const kernel = await createTestKernel(t, { modules: [] });
  const id = await kernel.jobs.enqueue(kernel.db, { type: 'test.flaky', payload: {}, maxAttempts: 5 });
  const attempts: number[] = [];
  const delaysAskedFor: number[] = [];
  const worker = kernel.createWorker({
    pollIntervalMs: 5,
    handlers: {
      'test.flaky': {
        async run(job) {
          attempts.push(job.attempt);
          if (job.attempt < 3) throw new Error(`try ${job.attempt} failed`);
        },
        retryDelayMs(attempt) {
          delaysAskedFor.push(attempt);
          return 1;
        },
      },
    },
  });

  worker.start();
  t.after(() => worker.stop());
  await waitUntil(async () => (await kernel.jobs.list()).length === 0);
  await worker.stop();

  assert.deepEqual(attempts, [1, 2, 3]);
  assert.deepEqual(delaysAskedFor, [1, 2]);
  assert.deepEqual(await kernel.jobs.list({ status: 'failed' }), [], `job ${id} succeeded on its third try`);
});

test('a job that always fails is tried maxAttempts times, then kept as failed with its last error', TEST_TIMEOUT, async (t) => {
  const kernel = await createTestKernel(t, { modules: [] });
  const id = await kernel.jobs.enqueue(kernel.db, { type: 'test.broken', payload: {}, maxAttempts: 3 });
  const attempts: number[] = [];
  const worker = kernel.createWorker({
    pollIntervalMs: 5,
    handlers: {
      'test.broken': {
        async run(job) {
          attempts.push(job.attempt);
          throw new Error(`the provider refused try ${job.attempt}`);
        },
        retryDelayMs: () => 1,
      },
    },
  });

  worker.start();
  t.after(() => worker.stop());
  await waitUntil(async () => (await kernel.jobs.list({ status: 'failed' })).length === 1);
  await worker.stop();

  assert.deepEqual(attempts, [1, 2, 3]);
  const jobs = await kernel.jobs.list();
  assert.equal(jobs.length, 1);
  assert.equal(jobs[0]?.id, id);
  assert.equal(jobs[0]?.status, 'failed');
  assert.equal(jobs[0]?.attempts, 3);
  assert.equal(jobs[0]?.lastError, 'the provider refused try 3');
});

test('a run that fails because Civitas\'s own database is unavailable gives its attempt back: an outage of ours uses up none of a job\'s tries', TEST_TIMEOUT, async (t) => {
  const kernel = await createTestKernel(t, { modules: [] });
  await kernel.jobs.enqueue(kernel.db, { type: 'test.outage', payload: {}, maxAttempts: 2 });
  const attempts: number[] = [];
  const worker = kernel.createWorker({
    pollIntervalMs: 5,
    outageRetryMs: 1,
    handlers: {
      'test.outage': {
        async run(job) {
          attempts.push(job.attempt);
          if (attempts.length <= 4) throw new DatabaseUnavailableError({ cause: new Error('connection terminated') });
          if (attempts.length === 5) throw new Error('the receiver refused it');
        },
        retryDelayMs: () => 1,
      },
    },
  });

  worker.start();
  t.after(() => worker.stop());
  await waitUntil(async () => (await kernel.jobs.list()).every((job) => job.status === 'failed'));
  await worker.stop();

  assert.deepEqual(attempts, [1, 1, 1, 1, 1, 2], 'four outages, then a real failure counted, then success on the second and last try');
  assert.deepEqual(await kernel.jobs.list(), [], 'completed, so no longer queued (not kept as failed)');
});

test('with no delay of its own, a failed job waits an exponential backoff before its next try', TEST_TIMEOUT, async (t) => {
  const kernel = await createTestKernel(t, { modules: [] });
  await kernel.jobs.enqueue(kernel.db, { type: 'test.once', payload: {} });
  const worker = kernel.createWorker({
    handlers: {
      'test.once': {
        async run() {
          throw 'not an Error object';
        },
      },
    },
  });

  const before = Date.now();
  await worker.runUntilIdle();
  const after = Date.now();

  const [job] = await kernel.jobs.list();
  assert.equal(job?.status, 'pending');
  assert.equal(job?.attempts, 1);
  assert.equal(job?.lastError, 'not an Error object');
  const runAt = Date.parse(job?.runAt ?? '');
  assert.ok(runAt >= before + 4000 && runAt <= after + 6000, `the first retry is 5 s, give or take a fifth: ${job?.runAt}`);
});

test('stop() stops claiming and waits for the job in progress to finish', TEST_TIMEOUT, async (t) => {
  const kernel = await createTestKernel(t, { modules: [] });
  const started = createGate();
  const release = createGate();
  const events: string[] = [];
  let runs = 0;
  const worker = kernel.createWorker({
    pollIntervalMs: 5,
    handlers: {
      'test.slow': {
        async run() {
          runs += 1;
          events.push('job started');
          started.open();
          await release.opened;
          events.push('job finished');
        },
      },
    },
  });
  await kernel.jobs.enqueue(kernel.db, { type: 'test.slow', payload: {} });

  worker.start();
  await started.opened;
  const stopping = worker.stop().then(() => events.push('stop returned'));
  await sleep(50);
  assert.deepEqual(events, ['job started'], 'stop() has not returned while the job runs');

  release.open();
  await stopping;
  assert.deepEqual(events, ['job started', 'job finished', 'stop returned']);
  assert.deepEqual(await kernel.jobs.list(), [], 'the job was completed before stop() returned');

  await kernel.jobs.enqueue(kernel.db, { type: 'test.slow', payload: {} });
  await sleep(50);
  assert.equal(runs, 1, 'a stopped worker claims nothing');
  assert.equal((await kernel.jobs.list())[0]?.status, 'pending');
});

test('stop() right after start() returns without waiting for the next poll', TEST_TIMEOUT, async (t) => {
  const kernel = await createTestKernel(t, { modules: [] });
  const worker = kernel.createWorker({
    // Far longer than the test's timeout: a stop() that waits for the next poll fails the test.
    pollIntervalMs: 10 * 60_000,
    handlers: { 'test.noop': { async run() {} } },
  });

  worker.start();
  await worker.stop();
  worker.start();
  await sleep(20);
  await worker.stop();
});

test('a waiting worker wakes when this process enqueues a job, without waiting for its next poll', TEST_TIMEOUT, async (t) => {
  const kernel = await createTestKernel(t, { modules: [] });
  const ran: ClaimedJob[] = [];
  const worker = kernel.createWorker({
    // Far longer than the test's timeout: only the enqueue can wake the worker in time.
    pollIntervalMs: 10 * 60_000,
    handlers: {
      'test.ping': {
        async run(job) {
          ran.push(job);
        },
      },
    },
  });
  worker.start();
  t.after(() => worker.stop());

  // Each job is enqueued just after the previous one ran, while the worker is finishing it or
  // looking for more: a wake-up in that moment must not be lost.
  for (let n = 0; n < 20; n++) {
    await kernel.jobs.enqueue(kernel.db, { type: 'test.ping', payload: { n } });
    await waitUntil(() => ran.length === n + 1);
  }
  await worker.stop();
  assert.deepEqual(
    ran.map((job) => job.payload.n),
    Array.from({ length: 20 }, (_, n) => n),
  );
});

test('exponentialBackoff doubles from its base with a fifth of jitter, and never passes its cap', () => {
  const samples = (attempt: number, baseMs?: number, maxMs?: number) =>
    Array.from({ length: 300 }, () => exponentialBackoff(attempt, baseMs, maxMs));

  for (let attempt = 1; attempt <= 10; attempt++) {
    const expected = 5000 * 2 ** (attempt - 1);
    for (const delay of samples(attempt)) {
      assert.ok(delay >= expected * 0.8 && delay <= expected * 1.2, `attempt ${attempt}: ${delay} ms`);
    }
  }
  for (let attempt = 1; attempt < 10; attempt++) {
    assert.ok(
      Math.min(...samples(attempt + 1)) > Math.max(...samples(attempt)),
      `attempt ${attempt + 1} always waits longer than attempt ${attempt}`,
    );
  }
  for (const attempt of [11, 12, 20, 100, 10_000]) {
    for (const delay of samples(attempt)) {
      assert.ok(delay <= 3_600_000, `attempt ${attempt}: ${delay} ms is more than an hour`);
      assert.ok(delay >= 3_600_000 * 0.8, `attempt ${attempt}: ${delay} ms`);
    }
  }
  for (const delay of samples(6, 100, 1000)) assert.ok(delay <= 1000 && delay >= 800);
  for (const delay of samples(0)) assert.ok(delay >= 4000 && delay <= 6000, 'attempt 0 counts as the first');
  assert.ok(samples(3).every(Number.isInteger));
});

test('a job that runs for many leases keeps its lease by heartbeat: no other worker takes it', TEST_TIMEOUT, async (t) => {
  const kernel = await createTestKernel(t, { modules: [] });
  const id = await kernel.jobs.enqueue(kernel.db, { type: 'test.slow', payload: {} });
  const runs: string[] = [];
  const handlers = {
    'test.slow': {
      async run(job: ClaimedJob, context?: JobRunContext) {
        runs.push(job.leaseToken);
        // Over three leases long: without renewals the other worker would take the job again.
        await sleep(3500);
        assert.equal(context?.signal.aborted, false, 'the lease was never lost');
      },
    },
  };
  // Both poll far more often than the lease lasts, so either would take a job whose lease ran out.
  // A lease of a second, not less: on a loaded machine the event loop can stall for a few hundred ms.
  const workers = [0, 1].map(() => kernel.createWorker({ pollIntervalMs: 5, leaseMs: 1000, handlers }));
  for (const worker of workers) worker.start();
  t.after(() => Promise.all(workers.map((worker) => worker.stop())));

  await waitUntil(async () => (await kernel.jobs.list()).length === 0);
  await Promise.all(workers.map((worker) => worker.stop()));
  assert.equal(runs.length, 1, `job ${id} ran once`);
});

test('a worker whose lease was taken stops the run (its signal is aborted) and cannot complete the job', TEST_TIMEOUT, async (t) => {
  const kernel = await createTestKernel(t, { modules: [] });
  const id = await kernel.jobs.enqueue(kernel.db, { type: 'test.cut-off', payload: {} });
  const started = createGate();
  let abortReason: unknown;
  const worker = kernel.createWorker({
    pollIntervalMs: 5,
    leaseMs: 300,
    handlers: {
      'test.cut-off': {
        async run(_job, context) {
          started.open();
          const signal = context!.signal;
          await new Promise((resolve) => signal.addEventListener('abort', resolve, { once: true }));
          abortReason = signal.reason;
          // A handler that ignores the signal and returns as if it had succeeded changes nothing.
        },
      },
    },
  });
  worker.start();
  t.after(() => worker.stop());
  await started.opened;

  // Another worker, whose clock is an hour ahead, sees the lease as run out and takes the job.
  const hourAhead = createJobQueue({
    db: kernel.db,
    store: createJobStore(kernel.database.kind),
    clock: () => new Date(Date.now() + 3_600_000),
  });
  const [taken] = await hourAhead.claim({ types: ['test.cut-off'], workerId: 'other-worker', limit: 1, leaseMs: 60_000 });
  assert.equal(taken?.id, id);
  assert.equal(taken?.attempt, 2);

  await waitUntil(() => abortReason !== undefined);
  assert.ok(abortReason instanceof JobLeaseLostError, 'aborted because the lease was lost');
  await worker.stop();
  const [job] = await kernel.jobs.list();
  assert.equal(job?.id, id, 'the first worker did not complete the job another claim holds');
  assert.equal(job?.status, 'running');
  assert.equal(await hourAhead.complete(taken!), true, 'the claim that holds it completes it');
  assert.deepEqual(await kernel.jobs.list(), []);
});

test('on PostgreSQL, a job committed by another process wakes a waiting worker, without waiting for its next poll', TEST_TIMEOUT, async (t) => {
  if (testDatabaseKind() !== 'postgres') {
    t.skip('SQLite is for one process: its own enqueues wake its workers (run with a postgres:// DATABASE_URL)');
    return;
  }
  const kernel = await createTestKernel(t, { modules: [] });
  const otherProcess = openKernel({ config: createTestConfig(kernel.testDatabase), modules: [], logger: pino({ level: 'silent' }) });
  t.after(() => otherProcess.close());
  const ran: unknown[] = [];
  const worker = kernel.createWorker({
    // Far longer than the test's timeout: only the notification can wake the worker in time.
    pollIntervalMs: 10 * 60_000,
    handlers: {
      'test.ping': {
        async run(job) {
          ran.push(job.payload.n);
        },
      },
    },
  });
  worker.start();
  t.after(() => worker.stop());

  for (let n = 0; n < 5; n++) {
    await otherProcess.db.transaction().execute((transaction) => otherProcess.jobs.enqueue(transaction, { type: 'test.ping', payload: { n } }));
    await waitUntil(() => ran.length === n + 1);
  }
  await worker.stop();
  assert.deepEqual(ran, [0, 1, 2, 3, 4]);
});
