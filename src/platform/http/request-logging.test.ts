import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { test } from 'node:test';
import { createLogger } from '../logger.ts';
import { createTestApp } from '../../testing/test-kernel.ts';

function captureLogs() {
  const lines: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk, _encoding, done) {
      for (const line of chunk.toString('utf8').split('\n')) if (line) lines.push(JSON.parse(line));
      done();
    },
  });
  return { lines, logger: createLogger({ LOG_LEVEL: 'info' }, stream) };
}

test('every response and log line carries the request id; secrets and query strings stay out of logs', async (t) => {
  const { lines, logger } = captureLogs();
  const { app } = await createTestApp(t, { logger });
  const response = await app.inject({
    method: 'GET',
    url: '/cookies?code=424242&email=alice%40example.com',
    headers: { authorization: 'Bearer sekret-token', cookie: 'session=sekret-cookie' },
  });
  const requestId = response.headers['x-request-id'] as string;
  assert.match(requestId, /^[0-9a-f-]{36}$/);
  const requestLines = lines.filter((line) => line.requestId === requestId);
  assert.ok(requestLines.length >= 2, 'the incoming request and its completion are logged');
  const everything = JSON.stringify(lines);
  for (const secret of ['424242', 'alice', 'sekret-token', 'sekret-cookie', '127.0.0.1']) {
    assert.ok(!everything.includes(secret), `${secret} must not be logged`);
  }
  assert.ok(requestLines.some((line) => (line.req as { path?: string } | undefined)?.path === '/cookies'));
});

test('a secret carried in a path (a single-use link) is left out of the request log', async (t) => {
  const { lines, logger } = captureLogs();
  const { app } = await createTestApp(t, { logger });
  const token = 'Ab3dE5gH7jK9mN1pQ3sT5vW7yZ9bD1fH3kM5pR7tV9x';
  await app.inject({ method: 'GET', url: `/console/invitations/${token}` });
  await app.inject({ method: 'GET', url: `/pay/secure/${token}` });
  // Paths no route takes: the router knows no parameter, so long segments are left out.
  for (const url of [`/console/invitations/${token}/`, `/Console/invitations/${token}`, `//${token}`, `/pay/secure/${token}%6A`]) await app.inject({ method: 'GET', url });
  const everything = JSON.stringify(lines);
  assert.ok(!everything.includes(token), 'the token is not logged');
  assert.ok(lines.some((line) => (line.req as { path?: string } | undefined)?.path === '/console/invitations/:token'), everything.slice(0, 2000));
});

test('personal data put in a log object by mistake is redacted', () => {
  const { lines, logger } = captureLogs();
  logger.info({ user: { email: 'alice@example.com', password: 'hunter2' }, code: '123456' }, 'something happened');
  assert.deepEqual(lines[0]?.user, { email: '[redacted]', password: '[redacted]' });
  assert.equal(lines[0]?.code, '[redacted]');
});

test("a load balancer's request id is kept only when TRUST_PROXY is on", async (t) => {
  const untrusted = await createTestApp(t);
  const ignored = await untrusted.app.inject({ method: 'GET', url: '/healthz', headers: { 'x-request-id': 'lb-request-12345' } });
  assert.notEqual(ignored.headers['x-request-id'], 'lb-request-12345');

  const trusted = await createTestApp(t, { environment: { TRUST_PROXY: 'true' } });
  const kept = await trusted.app.inject({ method: 'GET', url: '/healthz', headers: { 'x-request-id': 'lb-request-12345' } });
  assert.equal(kept.headers['x-request-id'], 'lb-request-12345');
  const forged = await trusted.app.inject({ method: 'GET', url: '/healthz', headers: { 'x-request-id': 'bad id\nwith newline' } });
  assert.notEqual(forged.headers['x-request-id'], 'bad id\nwith newline');
});
