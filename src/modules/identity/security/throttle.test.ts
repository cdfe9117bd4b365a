import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createTestKernel } from '../../../testing/test-kernel.ts';
import { createIdentityModule } from '../identity.module.ts';
import { createThrottle, type ThrottleRule } from './throttle.ts';
import { createThrottleStore } from './throttle.store.ts';

const rule: ThrottleRule = { maxFailures: 3, windowSeconds: 60, lockSeconds: 60 };

test('statuses of several keys read together: each locked or not, and whether anything is counted', async (t) => {
  const kernel = await createTestKernel(t, { modules: [createIdentityModule()] });
  let now = Date.parse('2026-01-01T12:00:00Z');
  const throttle = createThrottle({ db: kernel.db, clock: () => new Date(now) });

  for (let failure = 0; failure < 3; failure += 1) await throttle.attempt('locked', rule);
  await throttle.attempt('counted', rule);

  const [locked, counted, untouched] = await throttle.statusOfEach(['locked', 'counted', 'untouched']);
  assert.deepEqual(locked, { locked: true, until: new Date(now + 60_000), counted: true });
  assert.deepEqual(counted, { locked: false, counted: true });
  assert.deepEqual(untouched, { locked: false, counted: false });

  now += 61_000;
  const [afterLock] = await throttle.statusOfEach(['locked']);
  assert.equal(afterLock?.locked, false, 'the lock ended by itself');
});

test('an attempt is counted unless the key is locked; the one that reaches the limit is allowed and locks it for a while', async (t) => {
  const kernel = await createTestKernel(t, { modules: [createIdentityModule()] });
  let now = Date.parse('2026-01-01T12:00:00Z');
  const throttle = createThrottle({ db: kernel.db, clock: () => new Date(now) });
  const lockedUntil = new Date(now + 60_000);

  assert.deepEqual(await throttle.attempt('forms', rule), { allowed: true, after: [{ locked: false }] });
  assert.deepEqual(await throttle.attempt('forms', rule), { allowed: true, after: [{ locked: false }] });
  assert.deepEqual(await throttle.attempt('forms', rule), { allowed: true, after: [{ locked: true, until: lockedUntil }] });

  now += 30_000;
  assert.deepEqual(await throttle.attempt('forms', rule), { allowed: false, until: lockedUntil }, 'refused, and the lock is not extended');
  now += 31_000;
  assert.deepEqual(await throttle.attempt('forms', rule), { allowed: true, after: [{ locked: false }] }, 'counting afresh after the lock');
  assert.equal((await createThrottleStore(kernel.db).find('forms'))?.failures, 1);
});

test('an attempt against several counters is refused by a lock on any of them, and then counts against none', async (t) => {
  const kernel = await createTestKernel(t, { modules: [createIdentityModule()] });
  const throttle = createThrottle({ db: kernel.db });
  for (let failure = 0; failure < 3; failure += 1) await throttle.attempt('b-locked', rule);

  const refused = await throttle.attemptEach([{ key: 'a-open', rule }, { key: 'b-locked', rule }, { key: 'c-open', rule }]);
  assert.equal(refused.allowed, false);
  const [a, c] = await throttle.statusOfEach(['a-open', 'c-open']);
  assert.equal((await createThrottleStore(kernel.db).find('a-open'))?.failures ?? 0, 0, 'nothing counted against the open counters');
  assert.deepEqual([a?.locked, c?.locked], [false, false]);

  const allowed = await throttle.attemptEach([{ key: 'c-open', rule }, { key: 'a-open', rule: { ...rule, maxFailures: 1 } }]);
  assert.deepEqual(allowed, { allowed: true, after: [{ locked: false }, (await throttle.status('a-open'))] }, 'statuses in the order given');
  assert.equal((await throttle.status('a-open')).locked, true);
});

test('a refunded attempt is taken back, and the lock it brought on is lifted', async (t) => {
  const kernel = await createTestKernel(t, { modules: [createIdentityModule()] });
  const throttle = createThrottle({ db: kernel.db });
  await throttle.attempt('from-address', rule);
  await throttle.attempt('from-address', rule);
  const third = await throttle.attempt('from-address', rule);
  assert.equal(third.allowed && third.after[0]?.locked, true, 'the third attempt reached the limit');

  await throttle.refund('from-address', rule);
  assert.equal((await throttle.status('from-address')).locked, false, 'it turned out right: two failures, no lock');
  assert.equal((await createThrottleStore(kernel.db).find('from-address'))?.failures, 2);
});

test('attempts made at the same moment are each counted, and no more are allowed than the limit', async (t) => {
  const kernel = await createTestKernel(t, { modules: [createIdentityModule()] });
  const throttle = createThrottle({ db: kernel.db });
  const generous: ThrottleRule = { maxFailures: 1000, windowSeconds: 60, lockSeconds: 60 };
  const strict: ThrottleRule = { maxFailures: 5, windowSeconds: 60, lockSeconds: 60 };

  await Promise.all(Array.from({ length: 40 }, () => throttle.attempt('guesses', generous)));
  assert.equal((await createThrottleStore(kernel.db).find('guesses'))?.failures, 40);

  const burst = await Promise.all(Array.from({ length: 40 }, () => throttle.attempt('burst', strict)));
  assert.equal(burst.filter((attempt) => attempt.allowed).length, 5, 'a burst gets exactly the limit through');
  assert.equal((await throttle.status('burst')).locked, true);
});
