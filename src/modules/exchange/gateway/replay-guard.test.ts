import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createGroupCommit } from '../../../platform/db/group-commit.ts';
import { createTestKernel } from '../../../testing/test-kernel.ts';
import { createReplayGuard, SWEEP_CHUNK } from './replay-guard.ts';
import { createReplayGuardStore } from './replay-guard.store.ts';

const MINUTE = 60_000;

test('a key is claimed once: a second claim, by this process or another, is refused until it expires', async (t) => {
  const kernel = await createTestKernel(t);
  const [here, there] = [createReplayGuard({ db: kernel.db, writes: createGroupCommit(kernel.db) }), createReplayGuard({ db: kernel.db, writes: createGroupCommit(kernel.db) })];
  const now = new Date();
  const until = new Date(now.getTime() + 6 * MINUTE);
  assert.equal(await here.claim(['signed:a', 'x-road-id:c:1'], now, until), true);
  assert.equal(await here.claim(['signed:a', 'x-road-id:c:2'], now, until), false, 'the same signature again');
  assert.equal(await there.claim(['signed:b', 'x-road-id:c:1'], now, until), false, 'the same X-Road-Id, in another process');
  const together = await Promise.all([here.claim(['signed:c', 'x-road-id:c:3'], now, until), there.claim(['signed:c', 'x-road-id:c:4'], now, until), here.claim(['signed:c', 'x-road-id:c:5'], now, until)]);
  assert.deepEqual(together.filter(Boolean).length, 1, 'of three claims of one signature at once, one wins');
  await Promise.all([here.latestSweep(), there.latestSweep()]);
});

test('expired entries are swept in chunks beside the calls, and a full chunk brings the next one forward', async (t) => {
  const kernel = await createTestKernel(t);
  const store = createReplayGuardStore(kernel.db);
  const past = new Date(Date.now() - MINUTE).toISOString();
  const keys = Array.from({ length: SWEEP_CHUNK + 200 }, (_, index) => `signed:old-${index}`);
  for (let start = 0; start < keys.length; start += 200) await store.insert(keys.slice(start, start + 200), past);
  await store.insert(['signed:still-fresh'], new Date(Date.now() + 6 * MINUTE).toISOString());

  const guard = createReplayGuard({ db: kernel.db, writes: createGroupCommit(kernel.db) });
  const now = new Date();
  const until = new Date(now.getTime() + 6 * MINUTE);
  assert.equal(await guard.claim(['signed:new-1'], now, until), true);
  assert.equal(await guard.latestSweep(), SWEEP_CHUNK, 'one chunk, not all that expired');
  assert.equal(await store.count(), 200 + 1 + 1);
  assert.equal(await guard.claim(['signed:new-2'], now, until), true, 'the chunk was full: this claim starts the next sweep at once');
  assert.equal(await guard.latestSweep(), 200);
  assert.equal(await store.count(), 1 + 2, 'the fresh entry and the two new claims stay');
  assert.equal(await guard.claim(['signed:still-fresh'], now, until), false, 'an entry not yet expired still refuses its replay');
  assert.equal(await guard.claim(['signed:old-0'], now, until), true, 'an expired entry, swept, is no longer remembered');
});
