import assert from 'node:assert/strict';
import { test } from 'node:test';
import { sql } from 'kysely';
import { createGroupCommit } from '../../../platform/db/group-commit.ts';
import { createTestKernel } from '../../../testing/test-kernel.ts';
import { CLAIMS_KEPT_SECONDS, createReplayGuard, SWEEP_SECONDS } from './replay-guard.ts';
import { createReplayClaimWriter, createReplayGuardStore } from './replay-guard.store.ts';

const MINUTE = 60_000;

test('a signature is claimed once: a second claim, by this process or another, or several at once, is refused until it expires', async (t) => {
  const kernel = await createTestKernel(t);
  const [here, there] = [createReplayGuard({ db: kernel.db, writes: createGroupCommit(kernel.db) }), createReplayGuard({ db: kernel.db, writes: createGroupCommit(kernel.db) })];
  const now = new Date();
  const created = Math.floor(now.getTime() / 1000);
  assert.equal(await here.claim(['signed:a'], created, now), true);
  assert.equal(await here.claim(['signed:a'], created, now), false, 'the same signature again');
  assert.equal(await there.claim(['signed:a'], created, new Date(now.getTime() + 4 * MINUTE)), false, 'in another process, minutes later');
  assert.equal(await there.claim(['signed:b'], created, now), true);
  const together = await Promise.all([here.claim(['signed:c'], created, now), there.claim(['signed:c'], created, now), here.claim(['signed:c'], created, now)]);
  assert.deepEqual(together.filter(Boolean).length, 1, 'of three claims of one signature at once, one wins');
  await Promise.all([here.latestSweep(), there.latestSweep()]);
});

test('expired seconds are swept a few at a time beside the calls, and a sweep that is behind brings the next one forward', async (t) => {
  const kernel = await createTestKernel(t);
  const store = createReplayGuardStore(kernel.db);
  const writer = createReplayClaimWriter();
  const now = new Date();
  const second = Math.floor(now.getTime() / 1000);
  const expired = second - CLAIMS_KEPT_SECONDS - 1;
  // Five expired seconds, 100 claims each, and one claim still kept.
  for (let offset = 0; offset < 5; offset += 1) await writer.insert(kernel.db, Array.from({ length: 100 }, (_, index) => `signed:old-${offset}-${index}`), expired - offset);
  await writer.insert(kernel.db, ['signed:still-kept'], second - CLAIMS_KEPT_SECONDS + 1);

  const guard = createReplayGuard({ db: kernel.db, writes: createGroupCommit(kernel.db) });
  assert.equal(await guard.claim(['signed:new-1'], second, now), true);
  assert.equal(await guard.latestSweep(), SWEEP_SECONDS * 100, 'the oldest seconds, not all that expired');
  assert.equal(await guard.claim(['signed:new-2'], second, now), true, 'behind: this claim starts the next sweep at once');
  assert.equal(await guard.latestSweep(), SWEEP_SECONDS * 100);
  assert.equal(await guard.claim(['signed:new-3'], second, now), true);
  assert.equal(await guard.latestSweep(), 100);
  assert.equal(await store.count(), 1 + 3, 'the claim still kept and the three new ones stay');
  assert.equal(await guard.claim(['signed:still-kept'], second - CLAIMS_KEPT_SECONDS + 1, now), false, 'a claim not yet expired still refuses its replay');
  assert.equal(await guard.claim(['signed:old-0-0'], expired, now), true, 'an expired claim, swept, is no longer remembered (its signature is too old to be taken anyway)');
});

test("during a rolling upgrade, a signature the previous release claimed (in its own table) is refused here too until it expires", async (t) => {
  const kernel = await createTestKernel(t);
  const now = new Date();
  const legacy = (key: string, expiresAt: Date) => sql`insert into exchange_replay_guard (key, expires_at) values (${key}, ${expiresAt.toISOString()})`.execute(kernel.db);
  await legacy('signed:seen-by-old', new Date(now.getTime() + 5 * MINUTE));
  await legacy('signed:long-gone', new Date(now.getTime() - MINUTE));
  const guard = createReplayGuard({ db: kernel.db, writes: createGroupCommit(kernel.db) });
  const created = Math.floor(now.getTime() / 1000);
  assert.equal(await guard.claim(['signed:seen-by-old'], created, now), false);
  assert.equal(await guard.claim(['signed:long-gone'], created, now), true);
  assert.equal(await guard.claim(['signed:fresh'], created, now), true);
  await guard.latestSweep();
});
