import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { getOverHttp as get, listenTestApp } from '../../testing/real-http.ts';
import type { CivitasModule } from '../module.ts';
import { readOversizedRequest } from './oversized-request.ts';

const LONG_QUERY = `q=${'a'.repeat(20 * 1024)}`;

const fixtureModule: CivitasModule = {
  name: 'oversized-fixture',
  async plugin(app: FastifyInstance) {
    app.get('/fixture-api/things', async () => ({ things: [] }));
  },
  oversizedRequestAnswers: [
    { pathPrefix: '/fixture-api', answer: (part) => ({ statusCode: part === 'url' ? 414 : 431, body: { problem: part } }) },
    { pathPrefix: '/broken-api', answer: () => ({ statusCode: 999, body: {} }) },
  ],
};

/** Everything the server sends on a raw connection until it closes it. */
function sendRaw(port: number, pieces: readonly string[]): Promise<string> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    let received = '';
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => (received += chunk));
    socket.on('error', () => {});
    socket.on('close', () => resolve(received));
    socket.on('connect', async () => {
      for (const piece of pieces) {
        if (socket.destroyed) return;
        socket.write(piece);
        // Let the server read each piece on its own, as a slow network delivers them.
        await new Promise((next) => setTimeout(next, 20));
      }
    });
  });
}

test('a URL past 16 KiB is answered in the envelope its module registered for the path, over a real socket', async (t) => {
  const { port } = await listenTestApp(t, { modules: [fixtureModule] });
  const answer = await get(port, `/fixture-api/things?${LONG_QUERY}`);
  assert.equal(answer.status, 414);
  assert.deepEqual(JSON.parse(answer.body), { problem: 'url' });
  assert.match(answer.headers['content-type'] as string, /^application\/json/);
  assert.equal(answer.headers['cache-control'], 'no-store');
  assert.equal(answer.headers.connection, 'close');

  const exactPrefix = await get(port, `/fixture-api?${LONG_QUERY}`);
  assert.deepEqual(JSON.parse(exactPrefix.body), { problem: 'url' });

  const headers = await get(port, '/fixture-api/things', { 'x-padding': 'b'.repeat(20 * 1024) });
  assert.equal(headers.status, 431);
  assert.deepEqual(JSON.parse(headers.body), { problem: 'headers' });

  assert.equal((await get(port, '/fixture-api/things')).status, 200, 'a request within the limit reaches its route');
});

test('attacker: paths no module registered, a look-alike prefix, a head sent in pieces and bytes that are no request get a small plain answer, never a hang or a 500', async (t) => {
  const { port } = await listenTestApp(t, { modules: [fixtureModule] });
  for (const path of [`/?${LONG_QUERY}`, `/fixture-apiary?${LONG_QUERY}`, `/console/x?${LONG_QUERY}`]) {
    const answer = await get(port, path);
    assert.equal(answer.status, 414, path.slice(0, 20));
    assert.equal(answer.body, 'URI Too Long\n');
    assert.match(answer.headers['content-type'] as string, /^text\/plain/);
  }
  assert.equal((await get(port, '/', { 'x-padding': 'b'.repeat(20 * 1024) })).status, 431);
  await assert.rejects(get(port, `/broken-api?${LONG_QUERY}`), { code: 'ECONNRESET' }, 'an answer that cannot be sent closes the connection');

  // Node hands over only the piece it was parsing: the path in the first piece is gone.
  const head = `GET /fixture-api/things?${LONG_QUERY} HTTP/1.1\r\nHost: x\r\n\r\n`;
  const inPieces = await sendRaw(port, [head.slice(0, 10_000), head.slice(10_000)]);
  assert.match(inPieces, /^HTTP\/1\.1 431 Request Header Fields Too Large\r\n/);

  const noRequest = await sendRaw(port, [`${'\u0000'.repeat(100)}${'z'.repeat(20 * 1024)}`]);
  assert.match(noRequest, /^HTTP\/1\.1 400 Bad Request\r\n/);

  const lowerCaseMethod = await sendRaw(port, [`get /fixture-api/things?${LONG_QUERY} HTTP/1.1\r\n\r\n`]);
  assert.match(lowerCaseMethod, /^HTTP\/1\.1 400 /);

  const pipelined = await sendRaw(port, [`GET /fixture-api/things HTTP/1.1\r\nHost: x\r\n\r\nGET /fixture-api/things?${LONG_QUERY} HTTP/1.1\r\nHost: x\r\n\r\n`]);
  assert.doesNotMatch(pipelined, /414|431/, 'no answer that the request still being answered would be taken for');

  assert.equal((await get(port, '/fixture-api/things')).status, 200, 'the server still serves');
});

test('the path and the part past the limit are read from the start of a request line only', () => {
  assert.deepEqual(readOversizedRequest(Buffer.from(`POST /v2/x/y?${LONG_QUERY} HTTP/1.1\r\n`)), { path: '/v2/x/y', part: 'url' });
  assert.deepEqual(readOversizedRequest(Buffer.from(`GET /v1/x?${LONG_QUERY}`)), { path: '/v1/x', part: 'url' });
  assert.deepEqual(readOversizedRequest(Buffer.from(`GET /v1/x#frag HTTP/1.1\r\nA: ${'b'.repeat(20_000)}`)), { path: '/v1/x', part: 'headers' });
  assert.equal(readOversizedRequest(Buffer.from(`aaaa HTTP/1.1\r\nHost: x\r\n`)), undefined);
  assert.equal(readOversizedRequest(Buffer.from(`GET http://example.com/v2/x HTTP/1.1\r\n`)), undefined);
  assert.equal(readOversizedRequest(undefined), undefined);
  const pipelined = Buffer.from(`GET /a HTTP/1.1\r\nHost: x\r\n\r\nGET /v2/b?${LONG_QUERY}`);
  assert.deepEqual(readOversizedRequest(pipelined, pipelined.length - 10), { path: '/v2/b', part: 'url' });
});
