import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createTestKernel } from '../../../testing/test-kernel.ts';
import { createPayModule } from '../pay.module.ts';
import { createTestClock } from '../testing/pay-test-support.ts';
import { createRateLimitStore } from './rate-limit.store.ts';
import { createRateLimiter } from './rate-limiter.ts';

test('processes sharing the database never let more than the limit through between them', async (t) => {
  const kernel = await createTestKernel(t, { modules: [createPayModule()] });
  const clock = createTestClock();
  // Four processes: each has its own limiter (and its own leases), all on one database.
  const processes = Array.from({ length: 4 }, () => createRateLimiter({ db: kernel.db, store: createRateLimitStore(), clock: clock.now }));
  const request = { accountId: 'account-1', live: false, kind: 'post' as const };
  for (const limit of [15, 200]) {
    clock.advance(1000);
    const allowed = await Promise.all(
      Array.from({ length: limit * 2 }, (_, index) => processes[index % processes.length]!.allow({ ...request, limit })),
    );
    const count = allowed.filter(Boolean).length;
    assert.ok(count <= limit, `limit ${limit}: ${count} let through`);
    assert.ok(count >= limit - processes.length * Math.floor(limit / 20), `limit ${limit}: ${count} is close to the limit`);
  }
  // Every second starts afresh, and accounts and modes are counted apart.
  clock.advance(1000);
  assert.equal(await processes[0]!.allow({ ...request, limit: 1 }), true);
  assert.equal(await processes[1]!.allow({ ...request, limit: 1 }), false);
  assert.equal(await processes[1]!.allow({ ...request, live: true, limit: 1 }), true);
  assert.equal(await processes[1]!.allow({ ...request, accountId: 'account-2', limit: 1 }), true);
  assert.equal(await processes[1]!.allow({ ...request, kind: 'other', limit: 1 }), true);
});
