import assert from 'node:assert/strict';
import { test } from 'node:test';
import { describeDatabaseKind } from '../../../platform/db/database.ts';
import { createTestKernel } from '../../../testing/test-kernel.ts';
import { notifyModule } from '../notify.module.ts';
import { createNotifyLimiter } from './limiter.ts';
import { createLimitsStore, type LimitsStore } from './limits.store.ts';

const MINUTE_MS = 60_000;

function createClock(start: string) {
  let nowMs = Date.parse(start);
  return { now: () => new Date(nowMs), advance: (ms: number) => (nowMs += ms), set: (iso: string) => (nowMs = Date.parse(iso)) };
}

/** A store that counts the lease statements it runs. */
function countingStore(store: LimitsStore) {
  const statements = { takeTokens: 0, reserveDailySends: 0 };
  const counted: LimitsStore = {
    ...store,
    takeTokens: (...args) => {
      statements.takeTokens += 1;
      return store.takeTokens(...args);
    },
    reserveDailySends: (...args) => {
      statements.reserveDailySends += 1;
      return store.reserveDailySends(...args);
    },
  };
  return { store: counted, statements };
}

async function openLimits(t: Parameters<typeof createTestKernel>[0]) {
  const kernel = await createTestKernel(t, { modules: [notifyModule] });
  const store = createLimitsStore(describeDatabaseKind(kernel.testDatabase.url));
  return { db: kernel.db, store };
}

test('processes sharing the database never let more than a limit through between them', async (t) => {
  const { db, store } = await openLimits(t);
  // The clock stands still, so the bucket never refills: exactly its capacity may pass.
  const clock = createClock('2026-03-14T10:00:00.000Z');
  const processes = Array.from({ length: 3 }, () => createNotifyLimiter({ db, store, clock: clock.now }));
  for (const limit of [7, 150, 3000]) {
    const serviceId = `service-${limit}`;
    const tokens = await Promise.all(
      Array.from({ length: limit * 2 }, (_, index) =>
        processes[index % processes.length]!.takeToken({ serviceId, keyType: 'normal', capacity: limit, intervalMs: MINUTE_MS }),
      ),
    );
    const sends = await Promise.all(
      Array.from({ length: limit * 2 }, (_, index) => processes[index % processes.length]!.countDailySend({ serviceId, type: 'email', limit })),
    );
    for (const [name, allowed] of [['rate limit', tokens], ['daily limit', sends]] as const) {
      const count = allowed.filter(Boolean).length;
      assert.ok(count <= limit, `${name} ${limit}: ${count} let through`);
      assert.ok(count >= limit - processes.length * Math.floor(limit / 20), `${name} ${limit}: ${count} is close to the limit`);
    }
  }
  // Key types, services and channels are counted apart.
  const other = processes[0]!;
  assert.equal(await other.takeToken({ serviceId: 'service-7', keyType: 'test', capacity: 7, intervalMs: MINUTE_MS }), true);
  assert.equal(await other.countDailySend({ serviceId: 'service-7', type: 'sms', limit: 7 }), true);
  assert.equal(await other.countDailySend({ serviceId: 'service-x', type: 'email', limit: 7 }), true);
});

test('a burst of concurrent sends in one process takes few leases and never exceeds the limit', async (t) => {
  const { db, store } = await openLimits(t);
  const clock = createClock('2026-03-14T10:00:00.000Z');
  const counting = countingStore(store);
  const limiter = createNotifyLimiter({ db, store: counting.store, clock: clock.now });

  const burst = (count: number, send: () => Promise<boolean>) => Promise.all(Array.from({ length: count }, send));
  const tokens = await burst(300, () => limiter.takeToken({ serviceId: 'service-1', keyType: 'normal', capacity: 3000, intervalMs: MINUTE_MS }));
  const sends = await burst(300, () => limiter.countDailySend({ serviceId: 'service-1', type: 'email', limit: 250_000 }));
  assert.ok(tokens.every(Boolean) && sends.every(Boolean));
  assert.deepEqual(counting.statements, { takeTokens: 3, reserveDailySends: 3 }, 'one lease of 100 for every 100 sends');

  counting.statements.takeTokens = 0;
  counting.statements.reserveDailySends = 0;
  const limited = await burst(400, () => limiter.takeToken({ serviceId: 'service-2', keyType: 'normal', capacity: 150, intervalMs: MINUTE_MS }));
  const limitedSends = await burst(400, () => limiter.countDailySend({ serviceId: 'service-2', type: 'sms', limit: 150 }));
  assert.equal(limited.filter(Boolean).length, 150);
  assert.equal(limitedSends.filter(Boolean).length, 150);
  assert.ok(counting.statements.takeTokens <= 40, `${counting.statements.takeTokens} statements for 400 requests`);
  assert.ok(counting.statements.reserveDailySends <= 40, `${counting.statements.reserveDailySends} statements for 400 requests`);
});

test('the token bucket refills with time, and a process refuses while it is empty without asking again', async (t) => {
  const { db, store } = await openLimits(t);
  const clock = createClock('2026-03-14T10:00:00.000Z');
  const counting = countingStore(store);
  const [first, second] = [createNotifyLimiter({ db, store: counting.store, clock: clock.now }), createNotifyLimiter({ db, store, clock: clock.now })];
  const take = (limiter: typeof first) => limiter.takeToken({ serviceId: 'service-1', keyType: 'live', capacity: 6, intervalMs: MINUTE_MS });

  for (let index = 0; index < 6; index += 1) assert.equal(await take(index % 2 === 0 ? first : second), true);
  assert.equal(await take(first), false);
  assert.equal(await take(second), false);
  const statements = counting.statements.takeTokens;
  assert.equal(await take(first), false);
  assert.equal(counting.statements.takeTokens, statements, 'an empty bucket is not asked again before a token can have come back');

  clock.advance(MINUTE_MS / 6);
  assert.equal(await take(second), true, 'one token back after a sixth of the interval');
  assert.equal(await take(first), false);
  clock.advance(MINUTE_MS);
  for (let index = 0; index < 6; index += 1) assert.equal(await take(index % 2 === 0 ? first : second), true, 'full again after the interval');
  assert.equal(await take(first), false);
});

test('daily limits start afresh at midnight UTC, and reservations do not carry over', async (t) => {
  const { db, store } = await openLimits(t);
  const clock = createClock('2026-03-14T23:59:00.000Z');
  const [first, second] = [createNotifyLimiter({ db, store, clock: clock.now }), createNotifyLimiter({ db, store, clock: clock.now })];
  const count = (limiter: typeof first) => limiter.countDailySend({ serviceId: 'service-1', type: 'email', limit: 40 });

  // The first process reserves two (a lease of 40 / 20) and spends one.
  assert.equal(await count(first), true);
  for (let index = 0; index < 38; index += 1) assert.equal(await count(second), true);
  assert.equal(await count(second), false, 'the first process holds the last one');
  assert.equal(await count(first), true);
  assert.equal(await count(first), false);

  clock.set('2026-03-14T23:59:59.999Z');
  assert.equal(await count(second), false, 'still the same day');
  clock.set('2026-03-15T00:00:00.000Z');
  const allowed = await Promise.all(Array.from({ length: 60 }, (_, index) => count(index % 2 === 0 ? first : second)));
  assert.equal(allowed.filter(Boolean).length, 40, 'a new day has the whole limit, and no more');
});

test("a process gives back today's unspent reservations when it stops and when the service's limit changes", async (t) => {
  const { db, store } = await openLimits(t);
  const clock = createClock('2026-03-14T10:00:00.000Z');
  const serviceId = 'service-released';
  const first = createNotifyLimiter({ db, store, clock: clock.now });
  assert.equal(await first.countDailySend({ serviceId, type: 'email', limit: 2000 }), true, 'one send reserves a lease of 100');
  await first.releaseUnspent();
  const second = createNotifyLimiter({ db, store, clock: clock.now });
  // A limit of 2: the count is 1 (the send), not 100, so one more send fits and no other.
  assert.equal(await second.countDailySend({ serviceId, type: 'email', limit: 2 }), true);
  assert.equal(await second.countDailySend({ serviceId, type: 'email', limit: 2 }), false);

  // An operator lowers the limit while a lease under the old one is held: the lease goes back.
  const other = 'service-lowered';
  const running = createNotifyLimiter({ db, store, clock: clock.now });
  for (let sent = 0; sent < 5; sent += 1) assert.equal(await running.countDailySend({ serviceId: other, type: 'sms', limit: 2000 }), true);
  for (let sent = 5; sent < 20; sent += 1) assert.equal(await running.countDailySend({ serviceId: other, type: 'sms', limit: 20 }), true, `send ${sent + 1} of 20 after the limit fell`);
  assert.equal(await running.countDailySend({ serviceId: other, type: 'sms', limit: 20 }), false, 'the 21st is refused');
});
