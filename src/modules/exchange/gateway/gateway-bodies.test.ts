import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { request } from 'node:http';
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
