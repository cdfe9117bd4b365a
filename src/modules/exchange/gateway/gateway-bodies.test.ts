import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { createServer, request } from 'node:http';
import { createServer as createNetServer, type AddressInfo } from 'node:net';
import { test } from 'node:test';
import { createSigner, httpbis } from 'http-message-signatures';
import { createTestApp } from '../../../testing/test-kernel.ts';
import { setUpProviderAndClient } from '../testing/exchange-fixtures.ts';
import { sendSignedCall, startTestProvider, thumbprintOf, waitForLogRecords } from '../testing/signed-calls.ts';

const MB = 1024 * 1024;

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const probe = createNetServer().listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as AddressInfo;
      probe.close(() => resolve(port));
    });
  });
}

test('a body streams through to the provider whole, checked against its digest on the way, and an answer of any status comes back cut', async (t) => {
  const provider = await startTestProvider((_received, response) => {
    response.writeHead(409, { 'content-type': 'application/json' });
    response.end(JSON.stringify({ status: 'conflict', padding: 'x'.repeat(3 * MB) }));
  });
  t.after(() => provider.server.close());
  const { app, kernel } = await createTestApp(t);
  const { client, clientKeys, service } = await setUpProviderAndClient(kernel, { baseUrl: provider.baseUrl });
  const body = Buffer.alloc(6 * MB, 'x');
  const answer = await sendSignedCall(app, { method: 'POST', path: `/r1/${service}/awards/AB123456C`, client, key: clientKeys[0]!, body });
  assert.equal(answer.statusCode, 409);
  assert.equal(answer.body, '{"status":"conflict"}');
  assert.equal(provider.seen[0]?.body.length, 6 * MB);
  assert.ok(provider.seen[0]?.body.equals(body));
  const [record] = await waitForLogRecords(kernel.db, 1);
  assert.equal(record?.response_hash, createHash('sha512').update(answer.rawPayload).digest('base64'));
  assert.equal(record?.request_hash, answer.headers['x-road-request-hash']);
});

test('attacks on bodies: one that is not the body signed never reaches the provider whole; past 10 MB, declared or streamed, it is refused', async (t) => {
  const port = await freePort();
  const provider = await startTestProvider((_received, response) => response.writeHead(204).end());
  t.after(() => provider.server.close());
  const { app, kernel } = await createTestApp(t, { environment: { BASE_URL: `http://127.0.0.1:${port}` } });
  const { client, clientKeys, service } = await setUpProviderAndClient(kernel, { baseUrl: provider.baseUrl });
  const key = clientKeys[0]!;
  const path = `/r1/${service}/awards/AB123456C`;

  const swapped = await sendSignedCall(app, { method: 'POST', path, client, key, body: Buffer.alloc(2 * MB, 'a'), tamper: (request) => (request.body = Buffer.alloc(2 * MB, 'b')) });
  assert.equal(swapped.headers['x-road-error'], 'Client.InvalidSignatureValue', swapped.body);
  assert.match(swapped.body, /Content-Digest does not match/);
  assert.equal(provider.seen.length, 0, 'the provider never got the whole of the swapped body');

  const declared = await app.inject({ method: 'POST', url: path, headers: { 'content-type': 'application/json', 'content-length': String(10 * MB + 1) }, payload: '{}' });
  assert.equal(declared.headers['x-road-error'], 'Client.BadRequest', declared.body);
  assert.match(declared.body, /larger than 10 MB/, 'refused on its Content-Length, before any of it is read');

  // Chunked, so no Content-Length says how much is coming: counted as it streams, cut off past 10 MB.
  await app.listen({ port, host: '127.0.0.1' });
  const url = `http://127.0.0.1:${port}${path}`;
  const signed = await httpbis.signMessage(
    { key: createSigner(key.privateKey, key.algorithm, await thumbprintOf(key)), fields: ['@method', '@target-uri', 'x-road-client', 'content-digest'], params: ['created', 'keyid', 'alg'] },
    { method: 'POST', url, headers: { 'x-road-client': client, 'content-type': 'application/json', 'content-digest': `sha-512=:${createHash('sha512').update('whatever').digest('base64')}:` } },
  );
  const answer = await new Promise<{ status: number; type: string; body: string }>((resolve, reject) => {
    const outgoing = request(url, { method: 'POST', headers: signed.headers as Record<string, string> }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, type: String(response.headers['x-road-error']), body: Buffer.concat(chunks).toString('utf8') }));
    });
    outgoing.on('error', reject);
    const chunk = Buffer.alloc(MB, 'z');
    let sent = 0;
    const pump = () => {
      while (sent < 11 && outgoing.write(chunk)) sent += 1;
      if (sent < 11) outgoing.once('drain', () => ((sent += 1), pump()));
      else outgoing.end();
    };
    pump();
  });
  assert.equal(answer.status, 400, answer.body);
  assert.equal(answer.type, 'Client.BadRequest');
  assert.match(answer.body, /larger than 10 MB/);
  assert.equal(provider.seen.length, 0, 'the provider never got a whole request');
  const records = await waitForLogRecords(kernel.db, 2);
  assert.ok(records.every((record) => record.error_type?.startsWith('Client.')));
});

test('attacks on bodies: a body that does not match its Content-Digest never ends at the provider, with Content-Length or chunked, small or over 1 MB', async (t) => {
  // What the provider saw of each request: how much arrived, and whether it ended (whole) or was cut short.
  const requests: Array<{ bytes: number; state: 'open' | 'ended' | 'aborted' }> = [];
  const provider = createServer((incoming, response) => {
    const seen = { bytes: 0, state: 'open' as 'open' | 'ended' | 'aborted' };
    requests.push(seen);
    incoming.on('data', (chunk: Buffer) => (seen.bytes += chunk.length));
    incoming.on('end', () => {
      seen.state = 'ended';
      response.writeHead(200, { 'content-type': 'application/json' }).end('{"status":"awarded"}');
    });
    incoming.on('close', () => {
      if (seen.state === 'open') seen.state = 'aborted';
    });
  });
  await new Promise<void>((resolve) => provider.listen(0, '127.0.0.1', resolve));
  t.after(() => provider.close());
  const port = await freePort();
  const { app, kernel } = await createTestApp(t, { environment: { BASE_URL: `http://127.0.0.1:${port}` } });
  const { client, clientKeys, service } = await setUpProviderAndClient(kernel, { baseUrl: `http://127.0.0.1:${(provider.address() as AddressInfo).port}/pip` });
  await app.listen({ port, host: '127.0.0.1' });
  const url = `http://127.0.0.1:${port}/r1/${service}/awards/AB123456C`;

  async function send(options: { signedBody: Buffer; sentBody: Buffer; chunked: boolean }) {
    const signed = await httpbis.signMessage(
      { key: createSigner(clientKeys[0]!.privateKey, clientKeys[0]!.algorithm, await thumbprintOf(clientKeys[0]!)), fields: ['@method', '@target-uri', 'x-road-client', 'content-digest'], params: ['created', 'keyid', 'alg', 'nonce'], paramValues: { nonce: crypto.randomUUID() } },
      { method: 'POST', url, headers: { 'x-road-client': client, 'content-type': 'application/json', 'content-digest': `sha-512=:${createHash('sha512').update(options.signedBody).digest('base64')}:` } },
    );
    const headers = { ...(signed.headers as Record<string, string>), ...(options.chunked ? {} : { 'content-length': String(options.sentBody.length) }) };
    return new Promise<{ status: number; type: string }>((resolve, reject) => {
      const outgoing = request(url, { method: 'POST', headers }, (response) => {
        response.resume();
        response.on('end', () => resolve({ status: response.statusCode ?? 0, type: String(response.headers['x-road-error']) }));
      });
      outgoing.on('error', reject);
      // Sent in 64 KB pieces, as a client streams it.
      for (let offset = 0; offset < options.sentBody.length; offset += 64 * 1024) outgoing.write(options.sentBody.subarray(offset, offset + 64 * 1024));
      outgoing.end();
    });
  }

  for (const size of [1024, Math.round(1.5 * MB)]) {
    for (const chunked of [false, true]) {
      const answer = await send({ signedBody: Buffer.alloc(size, 'a'), sentBody: Buffer.alloc(size, 'b'), chunked });
      assert.equal(answer.status, 400, `${size} ${chunked}`);
      assert.equal(answer.type, 'Client.InvalidSignatureValue');
    }
  }
  // Every request the provider started to get settles (the gateway cut it off), and none of them ended whole.
  for (let attempt = 0; attempt < 500 && requests.some((one) => one.state === 'open'); attempt += 1) await new Promise((resolve) => setTimeout(resolve, 10));
  assert.ok(requests.length >= 2, 'the large bodies began to reach the provider (so holding back is what stopped them)');
  assert.ok(
    requests.every((one) => one.state === 'aborted'),
    JSON.stringify(requests),
  );
  assert.ok(requests.every((one) => one.bytes < 1.5 * MB));

  // The same calls with the body signed reach it whole.
  for (const chunked of [false, true]) {
    const body = Buffer.alloc(Math.round(1.5 * MB), 'c');
    const answer = await send({ signedBody: body, sentBody: body, chunked });
    assert.equal(answer.status, 200);
  }
  assert.deepEqual(
    requests.filter((one) => one.state === 'ended').map((one) => one.bytes),
    [Math.round(1.5 * MB), Math.round(1.5 * MB)],
  );
});
