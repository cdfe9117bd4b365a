import assert from 'node:assert/strict';
import { test, type TestContext } from 'node:test';
import { testDatabaseKind } from '../testing/test-database.ts';
import { createTestKernel } from '../../testing/test-kernel.ts';
import { createJobQueue, type JobQueue } from './job-queue.ts';
import { createJobStore } from './job.store.ts';

// Long enough that no lease runs out unless a test means it to.
const LEASE_MS = 7 * 24 * 3_600_000;

/** A clock the test moves by hand. */
function createManualClock(start = new Date('2030-01-01T09:00:00.000Z')) {
  let now = start.getTime();
  return {
    now: () => new Date(now),
    advance(ms: number) {
      now += ms;
    },
  };
}

/** A migrated kernel with no modules, and a queue on its database that reads the manual clock. */
async function createQueueUnderTest(t: TestContext) {
  const kernel = await createTestKernel(t, { modules: [] });
  const clock = createManualClock();
  const queue = createJobQueue({ db: kernel.db, store: createJobStore(kernel.database.kind), clock: clock.now });
  return { kernel, clock, queue };
}

function claimFor(queue: JobQueue, workerId: string, options: { types?: string[]; limit?: number; leaseMs?: number } = {}) {
  return queue.claim({
    types: options.types ?? ['test.job'],
    workerId,
    limit: options.limit ?? 10,
    leaseMs: options.leaseMs ?? LEASE_MS,
  });
}

test('a job enqueued in a transaction exists only if that transaction commits (outbox)', async (t) => {
  const { kernel, queue } = await createQueueUnderTest(t);

  const committedId = await kernel.db
    .transaction()
    .execute((transaction) => queue.enqueue(transaction, { type: 'test.job', payload: { outcome: 'committed' } }));

  let rolledBackId: string | undefined;
  await assert.rejects(
    kernel.db.transaction().execute(async (transaction) => {
      rolledBackId = await queue.enqueue(transaction, { type: 'test.job', payload: { outcome: 'rolled back' } });
      throw new Error('the change that asked for the job failed');
    }),
    /the change that asked for the job failed/,
  );

  assert.ok(rolledBackId, 'enqueue ran inside the transaction that was rolled back');
  const jobs = await queue.list();
  assert.deepEqual(
    jobs.map((job) => job.id),
    [committedId],
  );
  const claimed = await claimFor(queue, 'worker-a');
  assert.deepEqual(
    claimed.map((job) => job.payload),
    [{ outcome: 'committed' }],
  );
});

test('a job in a transaction that is still open cannot be claimed until it commits', async (t) => {
  if (testDatabaseKind() !== 'postgres') {
    // node:sqlite gives a process one connection: a claim waits for the open transaction to end.
    t.skip('needs PostgreSQL: on SQLite a claim cannot run beside an open transaction');
    return;
  }
  const { kernel, queue } = await createQueueUnderTest(t);

  const id = await kernel.db.transaction().execute(async (transaction) => {
    const enqueued = await queue.enqueue(transaction, { type: 'test.job', payload: {} });
    assert.deepEqual(await claimFor(queue, 'worker-a'), [], 'not visible to a worker before commit');
    return enqueued;
  });

  assert.deepEqual(
    (await claimFor(queue, 'worker-a')).map((job) => job.id),
    [id],
  );
});

test('a new job is pending, with its payload, attempts and run time as given', async (t) => {
  const { kernel, clock, queue } = await createQueueUnderTest(t);
  const runAt = new Date(clock.now().getTime() + 5000);

  const id = await queue.enqueue(kernel.db, { type: 'test.job', payload: { n: 1, nested: { a: [1, 2] } }, runAt, maxAttempts: 3 });
  const defaulted = await queue.enqueue(kernel.db, { type: 'test.job', payload: {} });

  const jobs = await queue.list();
  const job = jobs.find((candidate) => candidate.id === id);
  assert.deepEqual(job, {
    id,
    type: 'test.job',
    status: 'pending',
    attempts: 0,
    maxAttempts: 3,
    runAt: runAt.toISOString(),
    lastError: null,
    createdAt: clock.now().toISOString(),
  });
  const other = jobs.find((candidate) => candidate.id === defaulted);
  assert.equal(other?.runAt, clock.now().toISOString(), 'with no runAt the job may run at once');
  assert.equal(other?.maxAttempts, 10, 'the default number of tries');

  clock.advance(5000);
  const claimed = await claimFor(queue, 'worker-a');
  const claimedJob = claimed.find((candidate) => candidate.id === id);
  const { leaseToken, ...rest } = claimedJob ?? { leaseToken: '' };
  assert.deepEqual(rest, { id, type: 'test.job', payload: { n: 1, nested: { a: [1, 2] } }, attempt: 1, maxAttempts: 3 });
  assert.match(leaseToken, /^worker-a\/[0-9a-f-]{36}$/, 'held under a token of this claim');
});

test('claim takes only jobs that are due', async (t) => {
  const { kernel, clock, queue } = await createQueueUnderTest(t);
  const now = clock.now().getTime();
  const dueNow = await queue.enqueue(kernel.db, { type: 'test.job', payload: {} });
  const dueInAMinute = await queue.enqueue(kernel.db, { type: 'test.job', payload: {}, runAt: new Date(now + 60_000) });
  const dueInAnHour = await queue.enqueue(kernel.db, { type: 'test.job', payload: {}, runAt: new Date(now + 3_600_000) });

  assert.deepEqual(
    (await claimFor(queue, 'worker-a')).map((job) => job.id),
    [dueNow],
  );

  clock.advance(59_999);
  assert.deepEqual(await claimFor(queue, 'worker-a'), [], 'one millisecond early is too early');

  clock.advance(1);
  assert.deepEqual(
    (await claimFor(queue, 'worker-a')).map((job) => job.id),
    [dueInAMinute],
    'a job is due at its run time exactly',
  );

  clock.advance(3_600_000);
  assert.deepEqual(
    (await claimFor(queue, 'worker-a')).map((job) => job.id),
    [dueInAnHour],
  );
});

test('claim takes only the types the worker handles', async (t) => {
  const { kernel, queue } = await createQueueUnderTest(t);
  const email = await queue.enqueue(kernel.db, { type: 'notify.email', payload: {} });
  const sms = await queue.enqueue(kernel.db, { type: 'notify.sms', payload: {} });
  const refund = await queue.enqueue(kernel.db, { type: 'pay.refund', payload: {} });

  assert.deepEqual(await claimFor(queue, 'worker-a', { types: [] }), [], 'a worker with no handlers takes nothing');
  assert.deepEqual(await claimFor(queue, 'worker-a', { types: ['forms.submit'] }), []);

  const notify = await claimFor(queue, 'worker-a', { types: ['notify.email', 'notify.sms'] });
  assert.deepEqual(notify.map((job) => job.id).sort(), [email, sms].sort());

  const pay = await claimFor(queue, 'worker-b', { types: ['pay.refund', 'notify.email', 'notify.sms'] });
  assert.deepEqual(
    pay.map((job) => job.id),
    [refund],
    'jobs another worker holds are not claimed again',
  );
});

test('claim takes at most `limit` jobs, the earliest due first, and never the same job twice', async (t) => {
  const { kernel, clock, queue } = await createQueueUnderTest(t);
  const start = clock.now().getTime();
  const ids: string[] = [];
  // Enqueued newest run time first, so the order claimed comes from run_at, not from insertion.
  for (let n = 4; n >= 0; n--) {
    ids[n] = await queue.enqueue(kernel.db, { type: 'test.job', payload: { n }, runAt: new Date(start - n * 1000) });
  }

  assert.deepEqual(await claimFor(queue, 'worker-a', { limit: 0 }), []);
  const first = await claimFor(queue, 'worker-a', { limit: 2 });
  const second = await claimFor(queue, 'worker-b', { limit: 2 });
  const third = await claimFor(queue, 'worker-a', { limit: 2 });
  const fourth = await claimFor(queue, 'worker-b', { limit: 2 });

  assert.equal(first.length, 2);
  assert.equal(second.length, 2);
  assert.equal(third.length, 1);
  assert.equal(fourth.length, 0);
  assert.deepEqual(first.map((job) => job.id).sort(), [ids[4], ids[3]].sort(), 'the two that were due longest');
  assert.deepEqual(second.map((job) => job.id).sort(), [ids[2], ids[1]].sort());
  assert.deepEqual(third.map((job) => job.id), [ids[0]]);
});

test('many claims at the same time share the jobs out without giving any job twice', async (t) => {
  const { kernel, queue } = await createQueueUnderTest(t);
  const ids = await kernel.db.transaction().execute(async (transaction) => {
    const enqueued: string[] = [];
    for (let n = 0; n < 60; n++) enqueued.push(await queue.enqueue(transaction, { type: 'test.job', payload: { n } }));
    return enqueued;
  });

  // Twenty claims of up to five at once: more asked for (100) than there are jobs (60).
  const batches = await Promise.all(
    Array.from({ length: 20 }, (_, index) => claimFor(queue, `worker-${index}`, { limit: 5 })),
  );

  const claimed = batches.flat().map((job) => job.id);
  assert.equal(claimed.length, 60);
  assert.equal(new Set(claimed).size, 60, 'no job was given to two claims');
  assert.deepEqual(claimed.sort(), ids.sort());
  assert.ok(batches.every((batch) => batch.length <= 5));
});

test('a job whose lease ran out can be claimed again, and the worker that lost it can no longer finish it', async (t) => {
  const { kernel, clock, queue } = await createQueueUnderTest(t);
  const id = await queue.enqueue(kernel.db, { type: 'test.job', payload: {}, maxAttempts: 5 });

  const [lost] = await claimFor(queue, 'worker-a', { leaseMs: 1000 });
  assert.equal(lost?.id, id);
  assert.equal(lost?.attempt, 1);

  clock.advance(999);
  assert.deepEqual(await claimFor(queue, 'worker-b'), [], 'the lease still holds');

  clock.advance(2);
  const [reclaimed] = await claimFor(queue, 'worker-b', { leaseMs: 1000 });
  assert.equal(reclaimed?.id, id, 'the lease ran out, so the job is due again');
  assert.equal(reclaimed?.attempt, 2, 'the lost run counts as a try');

  // The first worker comes back: it may neither finish nor fail the job it lost.
  assert.equal(await queue.complete(lost!), false, 'completion refused: another claim holds the job');
  assert.equal(await queue.fail({ job: lost!, error: 'late', retryInMs: 0 }), 'lost');
  assert.deepEqual(await queue.renew({ jobs: [lost!], leaseMs: 1000 }), [], 'renewal refused too');
  const [stillHeld] = await queue.list();
  assert.equal(stillHeld?.status, 'running');
  assert.equal(stillHeld?.lastError, null);
  assert.deepEqual(await claimFor(queue, 'worker-c'), [], 'still held by worker-b');

  assert.equal(await queue.complete(reclaimed!), true);
  assert.deepEqual(await queue.list(), []);
});

test('a job whose worker keeps dying is kept as failed once its tries are used up', async (t) => {
  const { kernel, clock, queue } = await createQueueUnderTest(t);
  const id = await queue.enqueue(kernel.db, { type: 'test.job', payload: {}, maxAttempts: 2 });

  assert.equal((await claimFor(queue, 'worker-a', { leaseMs: 1000 }))[0]?.attempt, 1);
  clock.advance(1001);
  assert.equal((await claimFor(queue, 'worker-b', { leaseMs: 1000 }))[0]?.attempt, 2);
  clock.advance(1001);

  assert.deepEqual(await claimFor(queue, 'worker-c'), [], 'no tries are left, so it is not run a third time');
  const failed = await queue.list({ status: 'failed' });
  assert.equal(failed.length, 1);
  assert.equal(failed[0]?.id, id);
  assert.equal(failed[0]?.attempts, 2);
  assert.match(failed[0]?.lastError ?? '', /lease/);

  assert.equal(await queue.retryFailed(id), true);
  assert.equal((await claimFor(queue, 'worker-c'))[0]?.attempt, 1);
});

test('a worker that outlived the lease of its last try may still finish the job, until it is retried', async (t) => {
  const { kernel, clock, queue } = await createQueueUnderTest(t);
  const succeeds = await queue.enqueue(kernel.db, { type: 'test.job', payload: { n: 1 }, maxAttempts: 1 });
  const fails = await queue.enqueue(kernel.db, { type: 'test.job', payload: { n: 2 }, maxAttempts: 1 });
  const retried = await queue.enqueue(kernel.db, { type: 'test.job', payload: { n: 3 }, maxAttempts: 1 });
  const slow = await claimFor(queue, 'slow-worker', { leaseMs: 1000 });
  const held = (id: string) => slow.find((job) => job.id === id)!;

  clock.advance(1001);
  assert.deepEqual(await claimFor(queue, 'other-worker'), []);
  assert.equal((await queue.list({ status: 'failed' })).length, 3, 'given up: their lease ran out on the last try');

  // The slow worker was alive after all.
  await queue.complete(held(succeeds));
  assert.equal(await queue.fail({ job: held(fails), error: 'the real reason', retryInMs: 0 }), 'failed');
  // An operator put the third back in the queue before the slow worker finished it.
  assert.equal(await queue.retryFailed(retried), true);
  await queue.complete(held(retried));

  const jobs = await queue.list();
  assert.equal(jobs.find((job) => job.id === succeeds), undefined, 'a job that succeeded is not left as failed');
  assert.equal(jobs.find((job) => job.id === fails)?.lastError, 'the real reason');
  assert.equal(jobs.find((job) => job.id === retried)?.status, 'pending', 'the old run cannot complete the new one');
});

test('complete removes the job', async (t) => {
  const { kernel, queue } = await createQueueUnderTest(t);
  const done = await queue.enqueue(kernel.db, { type: 'test.job', payload: {} });
  const other = await queue.enqueue(kernel.db, { type: 'test.job', payload: {}, runAt: new Date('2099-01-01T00:00:00Z') });

  const [job] = await claimFor(queue, 'worker-a');
  assert.equal(job?.id, done);
  await queue.complete(job!);

  assert.deepEqual(
    (await queue.list()).map((remaining) => remaining.id),
    [other],
  );
});

test('fail schedules a retry after the given delay, then keeps the job as failed when no tries are left', async (t) => {
  const { kernel, clock, queue } = await createQueueUnderTest(t);
  const id = await queue.enqueue(kernel.db, { type: 'test.job', payload: { n: 7 }, maxAttempts: 2 });

  const [first] = await claimFor(queue, 'worker-a');
  assert.equal(await queue.fail({ job: first!, error: 'provider timed out', retryInMs: 30_000 }), 'retrying');
  const [waiting] = await queue.list();
  assert.equal(waiting?.status, 'pending');
  assert.equal(waiting?.attempts, 1);
  assert.equal(waiting?.lastError, 'provider timed out');
  assert.equal(waiting?.runAt, new Date(clock.now().getTime() + 30_000).toISOString());

  clock.advance(29_999);
  assert.deepEqual(await claimFor(queue, 'worker-a'), [], 'not before the retry delay');
  clock.advance(1);
  const [second] = await claimFor(queue, 'worker-b');
  assert.equal(second?.id, id);
  assert.equal(second?.attempt, 2);
  assert.deepEqual(second?.payload, { n: 7 });

  const longError = `provider said no ${'x'.repeat(5000)}`;
  assert.equal(await queue.fail({ job: second!, error: longError, retryInMs: 30_000 }), 'failed');

  const failed = await queue.list({ status: 'failed' });
  assert.equal(failed.length, 1);
  assert.equal(failed[0]?.id, id);
  assert.equal(failed[0]?.attempts, 2);
  assert.equal(failed[0]?.maxAttempts, 2);
  assert.ok(failed[0]?.lastError?.startsWith('provider said no'));
  assert.equal(failed[0]?.lastError?.length, 1000, 'the error text kept is bounded');

  clock.advance(365 * 24 * 3_600_000);
  assert.deepEqual(await claimFor(queue, 'worker-a'), [], 'a failed job is never claimed');
  assert.equal((await queue.list({ status: 'failed' })).length, 1, 'and is kept');
});

test('retryFailed puts only a failed job back, with a fresh set of tries', async (t) => {
  const { kernel, clock, queue } = await createQueueUnderTest(t);
  const id = await queue.enqueue(kernel.db, { type: 'test.job', payload: {}, maxAttempts: 1 });
  const pending = await queue.enqueue(kernel.db, { type: 'test.job', payload: {}, runAt: new Date('2099-01-01T00:00:00Z') });

  const [job] = await claimFor(queue, 'worker-a');
  assert.equal(await queue.fail({ job: job!, error: 'boom', retryInMs: 0 }), 'failed');

  assert.equal(await queue.retryFailed('no-such-job'), false);
  assert.equal(await queue.retryFailed(pending), false, 'a pending job is not a failed one');

  clock.advance(60_000);
  assert.equal(await queue.retryFailed(id), true);
  assert.equal(await queue.retryFailed(id), false, 'it is no longer failed');
  const retried = (await queue.list()).find((candidate) => candidate.id === id);
  assert.equal(retried?.status, 'pending');
  assert.equal(retried?.attempts, 0);
  assert.equal(retried?.runAt, clock.now().toISOString(), 'due at once');
  assert.deepEqual(await queue.list({ status: 'failed' }), []);

  const [again] = await claimFor(queue, 'worker-b');
  assert.equal(again?.id, id);
  assert.equal(again?.attempt, 1);
  await queue.complete(again!);
  assert.deepEqual(
    (await queue.list()).map((remaining) => remaining.id),
    [pending],
  );
});

test('list shows the newest jobs first, filters by status and stops at the limit', async (t) => {
  const { kernel, clock, queue } = await createQueueUnderTest(t);
  const ids: string[] = [];
  for (let n = 0; n < 4; n++) {
    ids.push(await queue.enqueue(kernel.db, { type: 'test.job', payload: { n }, maxAttempts: 1 }));
    clock.advance(1000);
  }
  const [oldest] = await claimFor(queue, 'worker-a', { limit: 1 });
  assert.equal(oldest?.id, ids[0]);
  await queue.fail({ job: oldest!, error: 'boom', retryInMs: 0 });

  assert.deepEqual(
    (await queue.list()).map((job) => job.id),
    [...ids].reverse(),
  );
  assert.deepEqual(
    (await queue.list({ limit: 2 })).map((job) => job.id),
    [ids[3], ids[2]],
  );
  assert.deepEqual(
    (await queue.list({ status: 'failed' })).map((job) => job.id),
    [ids[0]],
  );
  assert.deepEqual(
    (await queue.list({ status: 'pending' })).map((job) => job.id),
    [ids[3], ids[2], ids[1]],
  );
});
