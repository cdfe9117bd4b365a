import assert from 'node:assert/strict';
import { test, type TestContext } from 'node:test';
import { sql } from 'kysely';
import { createTimeOrderedId } from '../db/time-ordered-id.ts';
import { testDatabaseKind } from '../testing/test-database.ts';
import { createTestKernel } from '../../testing/test-kernel.ts';
import { createJobQueue, MAX_JOB_GROUP_LENGTH, type JobQueue } from './job-queue.ts';
import { createJobStore } from './job.store.ts';

const LEASE_MS = 7 * 24 * 3_600_000;
const START = new Date('2030-01-01T09:00:00.000Z');

/** A migrated kernel with no modules, and a queue on its database whose clock stands still. */
async function createQueueUnderTest(t: TestContext) {
  const kernel = await createTestKernel(t, { modules: [] });
  const queue = createJobQueue({ db: kernel.db, store: createJobStore(kernel.database.kind), clock: () => START });
  return { kernel, queue };
}

async function enqueueMany(queue: JobQueue, executor: Parameters<JobQueue['enqueue']>[0], count: number, job: { group?: string; runAt?: Date; type?: string }) {
  const ids: string[] = [];
  for (let n = 0; n < count; n++) ids.push(await queue.enqueue(executor, { type: job.type ?? 'test.job', payload: { n }, ...job }));
  return ids;
}

/** Claims one job at a time until none is due: the order the queue hands jobs out in. */
async function claimOneByOne(queue: JobQueue, options: { types?: string[] } = {}): Promise<string[]> {
  const order: string[] = [];
  for (;;) {
    const [job] = await queue.claim({ types: options.types ?? ['test.job'], workerId: 'worker', limit: 1, leaseMs: LEASE_MS });
    if (!job) return order;
    order.push(job.id);
  }
}

test("one group's backlog does not hold back another group's job: it is claimed within the first claims", async (t) => {
  const { kernel, queue } = await createQueueUnderTest(t);
  await kernel.db.transaction().execute((transaction) => enqueueMany(queue, transaction, 200, { group: 'service-a' }));
  const serviceB = await queue.enqueue(kernel.db, { type: 'test.job', payload: {}, group: 'service-b' });

  const first = await queue.claim({ types: ['test.job'], workerId: 'worker', limit: 4, leaseMs: LEASE_MS });
  assert.equal(first.length, 4);
  assert.ok(first.some((job) => job.id === serviceB), "service B's job is among the first claim's four, not behind service A's 200");

  const order = await claimOneByOne(queue);
  assert.equal(order.length, 197, 'the rest of the backlog is still claimed, each job once');
  assert.ok(!order.includes(serviceB));
});

test('groups take turns, each turn oldest first, and within a group jobs go in order', async (t) => {
  const { kernel, queue } = await createQueueUnderTest(t);
  const a = await enqueueMany(queue, kernel.db, 3, { group: 'a' });
  const b = await enqueueMany(queue, kernel.db, 3, { group: 'b' });
  const c = await enqueueMany(queue, kernel.db, 1, { group: 'c' });

  assert.deepEqual(await claimOneByOne(queue), [a[0], b[0], c[0], a[1], b[1], a[2], b[2]]);
});

test('jobs enqueued without a group share one group: a burst of them is one turn, not one per job', async (t) => {
  const { kernel, queue } = await createQueueUnderTest(t);
  const ungrouped = await enqueueMany(queue, kernel.db, 5, {});
  const grouped = await queue.enqueue(kernel.db, { type: 'test.job', payload: {}, group: 'service-a' });

  assert.deepEqual(await claimOneByOne(queue), [ungrouped[0], grouped, ...ungrouped.slice(1)]);
});

test('a job queued before groups existed (no group_key written) still runs, in the shared group', async (t) => {
  const { kernel, queue } = await createQueueUnderTest(t);
  const grouped = await enqueueMany(queue, kernel.db, 2, { group: 'service-a' });
  // As the previous release inserts: it names no group_key column.
  const old = createTimeOrderedId();
  await kernel.db.executeQuery(
    sql`insert into job (id, type, payload, status, attempts, max_attempts, run_at, created_at, updated_at)
      values (${old}, 'test.job', '{}', 'pending', 0, 10, ${START.toISOString()}, ${START.toISOString()}, ${START.toISOString()})`.compile(kernel.db),
  );

  assert.deepEqual(await claimOneByOne(queue), [grouped[0], old, grouped[1]], 'its group has none running: its turn comes before service A\'s second');
});

test("attacker: a group's jobs scheduled for later, or of a type the worker does not run, never hold back another's", async (t) => {
  const { kernel, queue } = await createQueueUnderTest(t);
  await kernel.db.transaction().execute(async (transaction) => {
    await enqueueMany(queue, transaction, 100, { group: 'service-a', runAt: new Date(START.getTime() + 60_000) });
    await enqueueMany(queue, transaction, 100, { group: 'service-a', type: 'other.job' });
  });
  const serviceB = await queue.enqueue(kernel.db, { type: 'test.job', payload: {}, group: 'service-b' });

  assert.deepEqual(await claimOneByOne(queue), [serviceB]);
});

test('attacker: a group key made of SQL and odd characters is only a name; one past the limit is refused', async (t) => {
  const { kernel, queue } = await createQueueUnderTest(t);
  const odd = ["'; drop table job; --", 'x'.repeat(MAX_JOB_GROUP_LENGTH), 'Cymraeg ŵŷ 🏴󠁧󠁢󠁷󠁬󠁳󠁿', ' service-b', ''];
  const ids: string[] = [];
  for (const group of odd) ids.push(await queue.enqueue(kernel.db, { type: 'test.job', payload: {}, group }));
  await assert.rejects(queue.enqueue(kernel.db, { type: 'test.job', payload: {}, group: 'x'.repeat(MAX_JOB_GROUP_LENGTH + 1) }), /group/);

  const order = await claimOneByOne(queue);
  assert.deepEqual(order, ids, 'one job in each group: oldest first, each once');
});

test('a job that failed keeps its group when it is retried', async (t) => {
  const { kernel, queue } = await createQueueUnderTest(t);
  const [failing] = await enqueueMany(queue, kernel.db, 1, { group: 'service-b' });
  const [claimed] = await queue.claim({ types: ['test.job'], workerId: 'worker', limit: 1, leaseMs: LEASE_MS });
  assert.equal(claimed?.id, failing);
  await queue.fail({ job: claimed, error: 'try again', retryInMs: 0 });
  const backlog = await enqueueMany(queue, kernel.db, 5, { group: 'service-a' });

  const order = await claimOneByOne(queue);
  assert.deepEqual(order.slice(0, 2), [failing, backlog[0]], 'the retry is its group\'s oldest, due before service A\'s backlog');
});

test('claims at the same time take turns fairly and never give a job twice (PostgreSQL: SKIP LOCKED)', { skip: testDatabaseKind() === 'sqlite' && 'needs PostgreSQL: SQLite has one writer' }, async (t) => {
  const { kernel, queue } = await createQueueUnderTest(t);
  const ids = await kernel.db.transaction().execute(async (transaction) => [
    ...(await enqueueMany(queue, transaction, 150, { group: 'service-a' })),
    ...(await enqueueMany(queue, transaction, 40, { group: 'service-b' })),
    ...(await enqueueMany(queue, transaction, 10, { group: 'service-c' })),
  ]);

  const claimed: string[] = [];
  for (let round = 0; round < 3; round++) {
    const batches = await Promise.all(
      Array.from({ length: 12 }, (_, index) => queue.claim({ types: ['test.job'], workerId: `worker-${index}`, limit: 5, leaseMs: LEASE_MS })),
    );
    assert.ok(batches.every((batch) => batch.length <= 5));
    claimed.push(...batches.flat().map((job) => job.id));
  }
  claimed.push(...(await claimOneByOne(queue)));

  assert.equal(new Set(claimed).size, claimed.length, 'no job was given to two claims');
  assert.deepEqual([...claimed].sort(), [...ids].sort(), 'every job was claimed');
});
