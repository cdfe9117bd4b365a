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

  for (let failure = 0; failure < 3; failure += 1) await throttle.recordFailure('locked', rule);
  await throttle.recordFailure('counted', rule);

  const [locked, counted, untouched] = await throttle.statusOfEach(['locked', 'counted', 'untouched']);
  assert.deepEqual(locked, { locked: true, until: new Date(now + 60_000), counted: true });
  assert.deepEqual(counted, { locked: false, counted: true });
  assert.deepEqual(untouched, { locked: false, counted: false });

  now += 61_000;
  const [afterLock] = await throttle.statusOfEach(['locked']);
  assert.equal(afterLock?.locked, false, 'the lock ended by itself');
});

test('an attempt is counted unless the key is locked; a locked key stays locked for the same time', async (t) => {
  const kernel = await createTestKernel(t, { modules: [createIdentityModule()] });
  let now = Date.parse('2026-01-01T12:00:00Z');
  const throttle = createThrottle({ db: kernel.db, clock: () => new Date(now) });

  assert.deepEqual(await throttle.recordUnlessLocked('forms', rule), { locked: false });
  assert.deepEqual(await throttle.recordUnlessLocked('forms', rule), { locked: false });
  const lockedUntil = new Date(now + 60_000);
  assert.deepEqual(await throttle.recordUnlessLocked('forms', rule), { locked: true, until: lockedUntil });

  now += 30_000;
  assert.deepEqual(await throttle.recordUnlessLocked('forms', rule), { locked: true, until: lockedUntil }, 'not extended while locked');
  now += 31_000;
  assert.deepEqual(await throttle.recordUnlessLocked('forms', rule), { locked: false }, 'counting again after the lock');
  const [status] = await throttle.statusOfEach(['forms']);
  assert.deepEqual(status, { locked: false, counted: true });
});

test('failures counted at the same moment for one key are each counted: none is lost to a race', async (t) => {
  const kernel = await createTestKernel(t, { modules: [createIdentityModule()] });
  const throttle = createThrottle({ db: kernel.db });
  const generous: ThrottleRule = { maxFailures: 1000, windowSeconds: 60, lockSeconds: 60 };
  const strict: ThrottleRule = { maxFailures: 5, windowSeconds: 60, lockSeconds: 60 };

  await Promise.all(Array.from({ length: 40 }, () => throttle.recordFailure('guesses', generous)));
  const row = await createThrottleStore(kernel.db).find('guesses');
  assert.equal(row?.failures, 40);

  const statuses = await Promise.all(Array.from({ length: 40 }, () => throttle.recordFailure('burst', strict)));
  assert.equal(statuses.filter((status) => status.locked).length >= 1, true, 'a burst past the limit locks the key');
  assert.equal((await throttle.status('burst')).locked, true);
});
