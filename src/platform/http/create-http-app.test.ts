import assert from 'node:assert/strict';
import { connect, type Socket } from 'node:net';
import { test } from 'node:test';
import { createTestApp, createTestKernel } from '../../testing/test-kernel.ts';
import { createHttpApp, SERVER_TIMEOUTS } from './create-http-app.ts';

test('the server gives clients bounded time for headers and bodies, and keeps idle connections past a load balancer', async (t) => {
  const { app } = await createTestApp(t, { modules: [] });
  assert.equal(app.server.headersTimeout, SERVER_TIMEOUTS.headersMs);
  assert.equal(app.server.requestTimeout, SERVER_TIMEOUTS.requestMs);
  assert.equal(app.server.timeout, SERVER_TIMEOUTS.idleSocketMs);
  assert.equal(app.server.keepAliveTimeout, SERVER_TIMEOUTS.keepAliveMs);
  assert.ok(SERVER_TIMEOUTS.keepAliveMs > 60_000, 'longer than the 60 s a load balancer keeps an idle connection');
  assert.ok(SERVER_TIMEOUTS.headersMs <= SERVER_TIMEOUTS.requestMs);
});

/** Everything the server sends until it closes the connection. */
async function readUntilClosed(socket: Socket): Promise<string> {
  let received = '';
  socket.setEncoding('utf8');
  socket.on('data', (chunk: string) => {
    received += chunk;
  });
  // Writing to a connection the server has just closed fails (EPIPE, ECONNRESET): it is the
  // close we await, which follows (events.once would reject on the error instead).
  socket.on('error', () => {});
  await new Promise((resolve) => socket.on('close', resolve));
  return received;
}

test('a client that sends its body or its headers too slowly is answered 408 and cut off', async (t) => {
  const kernel = await createTestKernel(t, { modules: [] });
  const app = await createHttpApp(kernel, {
    serverTimeouts: { headersMs: 200, requestMs: 400, idleSocketMs: 10_000, keepAliveMs: 10_000, checkIntervalMs: 50 },
  });
  app.post('/fixture/upload', { config: { csrf: false } }, async () => ({ stored: true }));
  await app.listen({ port: 0, host: '127.0.0.1' });
  t.after(() => app.close());
  const { port } = app.server.address() as { port: number };

  // A body sent a byte at a time, each well within the idle timeout, is still cut off.
  const dripping = connect(port, '127.0.0.1');
  dripping.write('POST /fixture/upload HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n');
  const drip = setInterval(() => dripping.write(' '), 20);
  dripping.on('close', () => clearInterval(drip));
  assert.match(await readUntilClosed(dripping), /^HTTP\/1\.1 408 /);

  // Headers that never end, and a connection that never sends a byte.
  for (const start of ['POST /fixture/upload HTTP/1.1\r\nHost: localhost\r\n', '']) {
    const socket = connect(port, '127.0.0.1');
    socket.write(start);
    assert.match(await readUntilClosed(socket), /^HTTP\/1\.1 408 /, JSON.stringify(start));
  }

  const prompt = await fetch(`http://127.0.0.1:${port}/fixture/upload`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: '{"a":1}',
  });
  assert.equal(prompt.status, 200, 'a client that sends its request promptly is served');
});
