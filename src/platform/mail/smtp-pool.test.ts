import assert from 'node:assert/strict';
import { once } from 'node:events';
import { test, type TestContext } from 'node:test';
import { SMTPServer } from 'smtp-server';
import { createSmtpPool } from './smtp-pool.ts';

async function startServer(t: TestContext, options: { socketTimeout?: number; stallOn?: string } = {}) {
  const received: string[] = [];
  let sessions = 0;
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    closeTimeout: 100,
    socketTimeout: options.socketTimeout,
    onConnect(_session, callback) {
      sessions += 1;
      callback();
    },
    onData(stream, _session, callback) {
      let raw = '';
      stream.on('data', (chunk: Buffer) => (raw += chunk.toString('utf8')));
      stream.on('end', () => {
        if (options.stallOn && raw.includes(options.stallOn)) return; // never answers
        if (raw.includes('refuse-me')) return callback(Object.assign(new Error('Mailbox unavailable'), { responseCode: 550 }));
        received.push(raw);
        callback();
      });
    },
  });
  server.listen(0, '127.0.0.1');
  await once(server.server, 'listening');
  const { port } = server.server.address() as { port: number };
  t.after(() => new Promise<void>((resolve) => server.close(() => resolve())));
  return { port, received, sessions: () => sessions };
}

const envelope = { from: 'notify@civitas.example', to: ['ffion@example.com'] };
const message = (text: string) => `Subject: ${text}\r\n\r\n${text}\r\n`;

test('many messages at once go over at most maxConnections sessions, and every one arrives', async (t) => {
  const server = await startServer(t);
  const pool = createSmtpPool({ maxConnections: 3, connection: { host: '127.0.0.1', port: server.port, ignoreTLS: true } });
  t.after(() => pool.close());
  await Promise.all(Array.from({ length: 60 }, (_, index) => pool.send(envelope, message(`message ${index}`))));
  assert.equal(server.received.length, 60);
  assert.deepEqual(new Set(server.received.map((raw) => /^Subject: (.*)$/m.exec(raw)?.[1])).size, 60);
  assert.equal(server.sessions(), 3);
});

test('a message the server refuses fails alone, with its reply code, and the session goes on', async (t) => {
  const server = await startServer(t);
  const pool = createSmtpPool({ maxConnections: 1, connection: { host: '127.0.0.1', port: server.port, ignoreTLS: true } });
  t.after(() => pool.close());
  await assert.rejects(pool.send(envelope, message('refuse-me')), { responseCode: 550 });
  await pool.send(envelope, message('accepted'));
  assert.equal(server.received.length, 1);
  assert.equal(server.sessions(), 1);
});

test('a session the server ended while idle leaves the pool; the next message opens a new one', async (t) => {
  const server = await startServer(t, { socketTimeout: 200 });
  const pool = createSmtpPool({ maxConnections: 1, connection: { host: '127.0.0.1', port: server.port, ignoreTLS: true } });
  t.after(() => pool.close());
  await pool.send(envelope, message('first'));
  await new Promise((resolve) => setTimeout(resolve, 600));
  await pool.send(envelope, message('second'));
  assert.equal(server.received.length, 2);
  assert.equal(server.sessions(), 2);
});

test('with the server down, each message fails with the connection error', async () => {
  const pool = createSmtpPool({ maxConnections: 2, connection: { host: '127.0.0.1', port: 1, ignoreTLS: true } });
  const results = await Promise.allSettled([1, 2, 3].map((index) => pool.send(envelope, message(`message ${index}`))));
  for (const result of results) {
    assert.equal(result.status, 'rejected');
    assert.match(String((result.reason as { code?: string }).code), /^(ESOCKET|ECONNECTION)$/);
  }
  pool.close();
});

test('a server that stops answering fails its message after the socket timeout, and one waiting for a session fails after maxWaitMs, unsent', async (t) => {
  const server = await startServer(t, { stallOn: 'stall-here' });
  const pool = createSmtpPool({
    maxConnections: 1,
    maxWaitMs: 200,
    connection: { host: '127.0.0.1', port: server.port, ignoreTLS: true, socketTimeout: 600 },
  });
  t.after(() => pool.close());
  const stalled = pool.send(envelope, message('stall-here'));
  const waiting = pool.send(envelope, message('waits for the only session'));
  await assert.rejects(waiting, { code: 'EWAIT' });
  await assert.rejects(stalled, { code: 'ETIMEDOUT' });
  await pool.send(envelope, message('after the timeout'));
  assert.deepEqual(server.received.map((raw) => /^Subject: (.*)$/m.exec(raw)?.[1]), ['after the timeout'], 'the message that waited was never sent');
});

test('a server that answers too slowly to finish within maxSendMs fails the message and loses the session', async (t) => {
  const server = await startServer(t, { stallOn: 'stall-here' });
  const pool = createSmtpPool({ maxConnections: 1, maxSendMs: 300, connection: { host: '127.0.0.1', port: server.port, ignoreTLS: true } });
  t.after(() => pool.close());
  await assert.rejects(pool.send(envelope, message('stall-here')), { code: 'ETIMEDOUT' });
  await pool.send(envelope, message('on a new session'));
  assert.equal(server.sessions(), 2, 'the session that stalled was closed');
  assert.deepEqual(server.received.map((raw) => /^Subject: (.*)$/m.exec(raw)?.[1]), ['on a new session']);
});
