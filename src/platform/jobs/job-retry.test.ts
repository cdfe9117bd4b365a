import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createTestKernel } from '../../testing/test-kernel.ts';
import { createJobQueue } from './job-queue.ts';
import { createJobStore } from './job.store.ts';

test('failed jobs: listed a page at a time, counted by when their last try failed, and put back one or all in a caller’s transaction', async (t) => {
  const kernel = await createTestKernel(t, { modules: [] });
  let now = Date.parse('2030-01-01T09:00:00.000Z');
  const queue = createJobQueue({ db: kernel.db, store: createJobStore(kernel.database.kind), clock: () => new Date(now) });
  const failJob = async (maxAttempts: number) => {
    const id = await queue.enqueue(kernel.db, { type: 'test.job', payload: {}, maxAttempts });
    const [job] = await queue.claim({ types: ['test.job'], workerId: 'w', limit: 1, leaseMs: 60_000 });
    assert.equal(job?.id, id);
    return { id, outcome: await queue.fail({ job, error: 'refused', retryInMs: 60 * 60 * 1000 }) };
  };
  const old = await failJob(1);
  now += 2 * 60 * 60 * 1000;
  const recent = await failJob(1);
  const retrying = await failJob(5);
  assert.deepEqual([old.outcome, recent.outcome, retrying.outcome], ['failed', 'failed', 'retrying']);

  assert.deepEqual(await queue.countFailuresSince(new Date(now - 60 * 60 * 1000)), { retrying: 1, failed: 1 });
  assert.deepEqual((await queue.listFailed({ limit: 1 })).map((job) => job.id), [old.id]);
  assert.deepEqual((await queue.listFailed({ afterId: old.id })).map((job) => job.id), [recent.id]);

  // Put back in a transaction that rolls back: still failed.
  await assert.rejects(
    kernel.db.transaction().execute(async (transaction) => {
      assert.equal(await queue.retryFailed(old.id, transaction), true);
      throw new Error('rolled back');
    }),
    /rolled back/,
  );
  assert.equal((await queue.listFailed()).length, 2);
  assert.equal(await queue.retryFailed(retrying.id), false, 'a job waiting to retry is not failed');
  assert.deepEqual((await queue.retryAllFailed()).sort(), [old.id, recent.id].sort());
  assert.deepEqual(await queue.retryAllFailed(), [], 'nothing left to put back');
  const pending = await queue.list({ status: 'pending' });
  assert.deepEqual(pending.filter((job) => job.id !== retrying.id).map((job) => job.attempts), [0, 0], 'a fresh set of tries');
});
