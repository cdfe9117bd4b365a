import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createTestApp, createTestKernel } from '../../../../testing/test-kernel.ts';
import { guidanceModule } from '../../guidance.module.ts';
import { createAssistantRateLimit, QUESTIONS_PER_MINUTE } from './assistant-rate-limit.ts';

test('each client address may ask so many questions a minute; another address, or the next minute, may ask again', async (t) => {
  const kernel = await createTestKernel(t, { modules: [guidanceModule] });
  let now = new Date('2026-05-01T10:00:15Z');
  const limit = createAssistantRateLimit({ db: kernel.db, clock: () => now, perMinute: 3 });
  for (let index = 0; index < 3; index += 1) assert.deepEqual(await limit.attempt('203.0.113.7'), { allowed: true });
  assert.deepEqual(await limit.attempt('203.0.113.7'), { allowed: false, retryAfterSeconds: 45 });
  assert.deepEqual(await limit.attempt('::ffff:203.0.113.7'), { allowed: false, retryAfterSeconds: 45 }, 'the same address written as IPv6');
  assert.deepEqual(await limit.attempt('203.0.113.8'), { allowed: true });
  now = new Date('2026-05-01T10:01:00Z');
  assert.deepEqual(await limit.attempt('203.0.113.7'), { allowed: true });
});

test('attacker: questions sent all at once never pass the limit, one IPv6 /64 counts as one address, and past minutes are deleted', async (t) => {
  const kernel = await createTestKernel(t, { modules: [guidanceModule] });
  let now = new Date('2026-05-01T10:00:00Z');
  const limit = createAssistantRateLimit({ db: kernel.db, clock: () => now, perMinute: 5 });
  const burst = await Promise.all(Array.from({ length: 30 }, () => limit.attempt('198.51.100.1')));
  assert.equal(burst.filter((decision) => decision.allowed).length, 5);
  const spread = await Promise.all(Array.from({ length: 8 }, (_, index) => limit.attempt(`2001:db8:1:2::${index + 1}`)));
  assert.equal(spread.filter((decision) => decision.allowed).length, 5);
  now = new Date('2026-05-01T10:05:00Z');
  await limit.attempt('198.51.100.1');
  const rows = await kernel.db.withTables<{ rate_limit_window: { window_start: string } }>().selectFrom('rate_limit_window').select('window_start').execute();
  assert.deepEqual([...new Set(rows.map((row) => row.window_start))], ['2026-05-01T10:05:00.000Z']);
});

test('the API answers past the limit with 429, Retry-After and its JSON envelope; other addresses are still answered', async (t) => {
  const { app } = await createTestApp(t, { modules: [guidanceModule] });
  const ask = (remoteAddress: string) => app.inject({ method: 'POST', url: '/api/assistant/answers', remoteAddress, payload: { question: 'How much does a Blue Badge cost?' } });
  for (let index = 0; index < QUESTIONS_PER_MINUTE; index += 1) assert.equal((await ask('192.0.2.10')).statusCode, 200);
  const refused = await ask('192.0.2.10');
  assert.equal(refused.statusCode, 429);
  assert.ok(Number(refused.headers['retry-after']) >= 1 && Number(refused.headers['retry-after']) <= 60);
  assert.equal(refused.headers['cache-control'], 'no-store');
  assert.deepEqual(Object.keys(refused.json()), ['statusCode', 'error', 'message']);
  assert.equal(refused.json().error, 'rate-limited');
  assert.equal((await ask('192.0.2.11')).statusCode, 200);
});
