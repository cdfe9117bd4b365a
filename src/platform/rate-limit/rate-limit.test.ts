import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createTestKernel } from '../../testing/test-kernel.ts';
import { createAddressRateLimit, createKeyedRateLimit } from './rate-limit.ts';

type WindowTable = { rate_limit_window: { bucket: string; window_start: string; count: number } };

test('each client address may have so many events a window; another address, another limit or the next window starts afresh', async (t) => {
  const kernel = await createTestKernel(t);
  let now = new Date('2026-05-01T10:00:15Z');
  const limit = createAddressRateLimit({ db: kernel.db, name: 'test', perWindow: 3, windowSeconds: 60, clock: () => now });
  const other = createAddressRateLimit({ db: kernel.db, name: 'other', perWindow: 3, windowSeconds: 60, clock: () => now });
  for (let index = 0; index < 3; index += 1) assert.deepEqual(await limit.take('203.0.113.7'), { allowed: true });
  assert.deepEqual(await limit.take('203.0.113.7'), { allowed: false, retryAfterSeconds: 45 });
  assert.deepEqual(await limit.take('::ffff:203.0.113.7'), { allowed: false, retryAfterSeconds: 45 }, 'the same address written as IPv6');
  assert.deepEqual(await limit.take('203.0.113.8'), { allowed: true });
  assert.deepEqual(await other.take('203.0.113.7'), { allowed: true }, "one limit's counts are not another's");
  now = new Date('2026-05-01T10:01:00Z');
  assert.deepEqual(await limit.take('203.0.113.7'), { allowed: true });
});

test('attacker: events sent all at once never pass the limit, across processes; one IPv6 /64 counts as one address; past windows are deleted', async (t) => {
  const kernel = await createTestKernel(t);
  let now = new Date('2026-05-01T10:00:00Z');
  const clock = () => now;
  // Two processes: two limiters over one database.
  const first = createAddressRateLimit({ db: kernel.db, name: 'test', perWindow: 5, windowSeconds: 60, clock });
  const second = createAddressRateLimit({ db: kernel.db, name: 'test', perWindow: 5, windowSeconds: 60, clock });
  const burst = await Promise.all(Array.from({ length: 30 }, (_, index) => (index % 2 === 0 ? first : second).take('198.51.100.1')));
  assert.equal(burst.filter((decision) => decision.allowed).length, 5);
  const spread = await Promise.all(Array.from({ length: 8 }, (_, index) => first.take(`2001:db8:1:2::${index + 1}`)));
  assert.equal(spread.filter((decision) => decision.allowed).length, 5);
  const counted = async () => (await kernel.db.withTables<WindowTable>().selectFrom('rate_limit_window').select('count').where('bucket', 'like', 'test:198.51.100.1@%').executeTakeFirst())?.count;
  assert.equal(Number(await counted()), 5);
  for (let index = 0; index < 50; index += 1) assert.equal((await first.take('198.51.100.1')).allowed, false);
  assert.equal(Number(await counted()), 5, 'never counted past the limit');
  now = new Date('2026-05-01T10:05:00Z');
  assert.deepEqual(await first.take('198.51.100.1'), { allowed: true }, 'a new window: what this process remembered has ended');
  const rows = await kernel.db.withTables<WindowTable>().selectFrom('rate_limit_window').select('window_start').execute();
  assert.deepEqual([...new Set(rows.map((row) => row.window_start))], ['2026-05-01T10:05:00.000Z']);
});

test('a keyed limit counts by the key given; check says whether one more is allowed without counting, across processes', async (t) => {
  const kernel = await createTestKernel(t);
  let now = new Date('2026-05-01T10:00:00Z');
  const clock = () => now;
  const first = createKeyedRateLimit({ db: kernel.db, name: 'keyed', perWindow: 2, windowSeconds: 86_400, clock });
  const second = createKeyedRateLimit({ db: kernel.db, name: 'keyed', perWindow: 2, windowSeconds: 86_400, clock });
  assert.deepEqual(await first.check('person-a'), { allowed: true });
  assert.deepEqual(await first.check('person-a'), { allowed: true }, 'checking counts nothing');
  assert.deepEqual(await first.take('person-a'), { allowed: true });
  assert.deepEqual(await second.take('person-a'), { allowed: true });
  assert.deepEqual(await second.check('person-a'), { allowed: false, retryAfterSeconds: 50_400 }, 'the other process sees the count');
  assert.deepEqual(await first.check('person-b'), { allowed: true }, 'another key');
  now = new Date('2026-05-02T00:00:00Z');
  assert.deepEqual(await first.check('person-a'), { allowed: true }, 'the next window');
});

test("attacker: a short limit's clean-up never deletes a longer limit's counts (a day's failed guesses survive a minute's windows)", async (t) => {
  const kernel = await createTestKernel(t);
  let now = new Date('2026-05-01T10:00:00Z');
  const clock = () => now;
  const daily = createKeyedRateLimit({ db: kernel.db, name: 'daily_guesses', perWindow: 2, windowSeconds: 86_400, clock });
  const minutely = createAddressRateLimit({ db: kernel.db, name: 'minutely', perWindow: 5, windowSeconds: 60, clock });
  // A name whose LIKE wildcards would match the daily limit's buckets: '_' matches any character.
  const lookalike = createAddressRateLimit({ db: kernel.db, name: 'daily_', perWindow: 5, windowSeconds: 60, clock });
  assert.deepEqual(await daily.take('person-a'), { allowed: true });
  assert.deepEqual(await daily.take('person-a'), { allowed: true });
  now = new Date('2026-05-01T15:00:00Z');
  await minutely.take('203.0.113.7');
  await lookalike.take('203.0.113.7');
  now = new Date('2026-05-01T15:03:00Z');
  await minutely.take('203.0.113.7');
  await lookalike.take('203.0.113.7');
  const fresh = createKeyedRateLimit({ db: kernel.db, name: 'daily_guesses', perWindow: 2, windowSeconds: 86_400, clock });
  assert.equal((await fresh.take('person-a')).allowed, false, 'another process still finds the day full');
  const rows = await kernel.db.withTables<WindowTable>().selectFrom('rate_limit_window').select(['bucket', 'window_start']).execute();
  assert.deepEqual(rows.map((row) => row.bucket.replace(/@.*/, '')).sort(), ['daily_:203.0.113.7', 'daily_guesses:person-a', 'minutely:203.0.113.7'], "each limit deleted only its own past windows");
});
