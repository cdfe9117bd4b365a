import assert from 'node:assert/strict';
import { createHash, createPublicKey } from 'node:crypto';
import { Writable } from 'node:stream';
import { test } from 'node:test';
import { createVerifier, httpbis } from 'http-message-signatures';
import type { JWK } from 'jose';
import { createLogger } from '../../../platform/logger.ts';
import { createTestApp } from '../../../testing/test-kernel.ts';
import { listExchangesOfPerson } from '../exchange.contract.ts';
import { createMessageLogStore } from '../message-log/message-log.store.ts';
import { findChainProblem, GENESIS_HASH } from '../message-log/message-log.ts';
import { setUpProviderAndClient } from '../testing/exchange-fixtures.ts';
import { sendSignedCall, startTestProvider, waitForLogRecords } from '../testing/signed-calls.ts';
import { createExchangeKeys } from './exchange-keys.ts';

const ALL_BATCHES = { first: 0, last: Number.MAX_SAFE_INTEGER, afterSequence: -1, limit: 10_000 };

/** The request hash as PR-REST defines it, computed here without the gateway's code. */
function independentRequestHash(method: string, url: string, rawHeaders: string[], body?: Buffer): string {
  const lines = [`${method} ${url}`];
  for (let index = 0; index < rawHeaders.length; index += 2) lines.push(`${String(rawHeaders[index]).toLowerCase()}: ${rawHeaders[index + 1]}`);
  const headersHash = createHash('sha512').update(`${lines.join('\r\n')}\r\n`).digest();
  if (!body) return headersHash.toString('base64');
  return createHash('sha512').update(headersHash).update(createHash('sha512').update(body).digest()).digest('base64');
}

test('a signed call goes through to a real provider, signed by Civitas, and comes back with X-Road headers and a log record', async (t) => {
  const provider = await startTestProvider((request, response) => {
    response.writeHead(200, { 'content-type': 'application/json', 'x-road-id': 'forged-by-provider', 'x-road-request-hash': 'forged', 'cache-control': 'no-store', server: 'pip/1.0', 'x-person-name': 'Ann Example', 'set-cookie': 'session=provider' });
    response.end(JSON.stringify({ status: 'awarded', rate: 'enhanced', name: 'Ann Example' }));
  });
  t.after(() => provider.server.close());
  const { app, kernel } = await createTestApp(t);
  const { client, clientKeys, service } = await setUpProviderAndClient(kernel, { baseUrl: provider.baseUrl, grant: 'GET /awards/*' });

  const path = `/r1/${service}/awards/AB123456C?include=rate`;
  const response = await sendSignedCall(app, { path, client, key: clientKeys[0]!, headers: { 'x-road-id': 'call-0001', 'x-road-userid': 'GBsubject-1', 'x-road-issue': 'BB-42', accept: 'application/json', 'x-custom': 'passed' } });
  assert.equal(response.statusCode, 200, response.body);
  assert.deepEqual(response.json(), { status: 'awarded', rate: 'enhanced' }, 'the name is outside the agreement: cut at the gateway');
  assert.equal(response.headers['x-road-client'], client);
  assert.equal(response.headers['x-road-service'], service);
  // The call's X-Road-Id is Civitas's own, new for this call (as a security server makes it): the client's is ignored.
  const xRoadId = String(response.headers['x-road-id']);
  assert.match(xRoadId, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  assert.match(String(response.headers['x-road-request-id']), /^[0-9a-f-]{36}$/);
  assert.equal(response.headers['cache-control'], 'no-store');
  assert.equal(response.headers['content-security-policy'], "default-src 'none'; frame-ancestors 'none'", "an API's fixed headers, not a page's");
  assert.equal(response.headers['x-content-type-options'], 'nosniff');
  assert.equal(response.headers['x-person-name'], undefined, "only an allow-list of the provider's headers is passed back");
  assert.equal(response.headers['set-cookie'], undefined);
  assert.equal(response.headers.server, undefined, "the provider's Server header is not passed back");
  assert.equal(response.headers['x-road-error'], undefined);

  const [seen] = provider.seen;
  assert.ok(seen);
  assert.equal(seen.url, '/pip/awards/AB123456C?include=rate');
  assert.equal(seen.headers['x-road-client'], client);
  assert.equal(seen.headers['x-road-service'], service);
  assert.equal(seen.headers['x-road-id'], xRoadId, "the provider gets Civitas's X-Road-Id, never the client's");
  assert.equal(seen.headers['x-road-userid'], 'GBsubject-1');
  assert.equal(seen.headers['x-custom'], 'passed');
  assert.equal(seen.headers['user-agent'], undefined, 'User-Agent is not passed on');
  assert.match(String(seen.headers['signature-input']), /^civitas=/, "the client's own signature is replaced by Civitas's");

  // The provider checks that the call came through Civitas, with the published key.
  const jwks = (await app.inject({ method: 'GET', url: '/.well-known/exchange-jwks.json' })).json() as { keys: JWK[] };
  const verified = await httpbis.verifyMessage(
    {
      async keyLookup(parameters) {
        const jwk = jwks.keys.find((key) => key.kid === parameters.keyid);
        return jwk ? { id: jwk.kid, algs: ['ed25519'], verify: createVerifier(createPublicKey({ key: jwk as never, format: 'jwk' }), 'ed25519') } : null;
      },
      // The person the call is about is signed too: a provider can trust X-Road-UserId as it trusts the client.
      requiredFields: ['@method', '@target-uri', 'x-road-client', 'x-road-service', 'x-road-id', 'x-road-userid'],
    },
    { method: seen.method, url: `${provider.baseUrl.replace(/\/pip$/, '')}${seen.url}`, headers: seen.headers as Record<string, string> },
  );
  assert.equal(verified, true);

  const [record] = await waitForLogRecords(kernel.db, 1);
  assert.ok(record);
  assert.equal(record.x_road_id, xRoadId, 'the log records the X-Road-Id Civitas made and answered with');
  assert.equal(record.client, client);
  assert.equal(record.service, service);
  assert.equal(record.endpoint, 'GET /awards/{reference}', 'the endpoint template, not the path with the reference in it');
  assert.equal(record.user_id, 'GBsubject-1');
  assert.equal(record.issue, 'BB-42');
  assert.equal(record.status_code, 200);
  assert.equal(record.request_hash, response.headers['x-road-request-hash']);
  assert.equal(record.response_hash, createHash('sha512').update(response.rawPayload).digest('base64'));
  assert.ok(!JSON.stringify(record).includes('awarded'), 'no body in the log');
  assert.ok(record.agreement_id);
  assert.ok(!JSON.stringify(record).includes('AB123456C'), 'no path with personal data in the log');
  const [seenByPerson] = await listExchangesOfPerson(kernel.db, 'GBsubject-1');
  assert.deepEqual(seenByPerson && { client: seenByPerson.client, service: seenByPerson.service, issue: seenByPerson.issue, endpoint: seenByPerson.endpoint }, { client, service, issue: 'BB-42', endpoint: 'GET /awards/{reference}' });
  assert.deepEqual(await listExchangesOfPerson(kernel.db, 'GBsomeone-else'), []);
  const logKeys = (await app.inject({ method: 'GET', url: '/.well-known/exchange-log-jwks.json' })).json() as { keys: JWK[] };
  assert.deepEqual(logKeys, await createExchangeKeys({ db: kernel.db, secrets: kernel.secrets }).publish('message-log'));
  assert.ok(logKeys.keys.every((key) => key.d === undefined) && jwks.keys.every((key) => key.d === undefined), 'public keys only');
  assert.notEqual(logKeys.keys[0]?.kid, jwks.keys[0]?.kid, 'the log has a key of its own');
  assert.equal(findChainProblem([record], await createMessageLogStore(kernel.db).listBatchesCovering(ALL_BATCHES), logKeys.keys, GENESIS_HASH), undefined);
});

test('a body goes through whole with its digest; a redirect comes back without its Location, not followed; the request hash is the one computed independently', async (t) => {
  const provider = await startTestProvider((request, response) => {
    if (request.method === 'POST') {
      response.writeHead(204);
      response.end();
      return;
    }
    response.writeHead(302, { location: 'http://127.0.0.1:1/elsewhere' });
    response.end();
  });
  t.after(() => provider.server.close());
  const { app, kernel } = await createTestApp(t);
  const { client, clientKeys, service } = await setUpProviderAndClient(kernel, { baseUrl: provider.baseUrl });

  const body = JSON.stringify({ note: 'renewal', reference: 'AB123456C' });
  let raw: { method: string; url: string; headers: Record<string, string>; body?: Buffer } | undefined;
  const posted = await sendSignedCall(app, { method: 'POST', path: `/r1/${service}/awards/AB123456C`, client, key: clientKeys[0]!, body, tamper: (request) => (raw = request) });
  assert.equal(posted.statusCode, 204, posted.body);
  assert.equal(provider.seen[0]?.body.toString('utf8'), body);
  assert.equal(provider.seen[0]?.headers['content-digest'], `sha-512=:${createHash('sha512').update(body).digest('base64')}:`, "the client's own Content-Digest, checked as the body streamed through");
  assert.ok(raw);
  // light-my-request adds host, user-agent and content-length after the test's headers.
  const rawHeaders = Object.entries({ ...raw.headers, 'user-agent': 'lightMyRequest', host: 'localhost:80', 'content-length': String(Buffer.byteLength(body)) }).flat();
  assert.equal(posted.headers['x-road-request-hash'], independentRequestHash('POST', raw.url, rawHeaders, Buffer.from(body)));

  const redirected = await sendSignedCall(app, { path: `/r1/${service}/awards/AB123456C`, client, key: clientKeys[0]! });
  assert.equal(redirected.statusCode, 302);
  assert.equal(redirected.headers.location, undefined, "the provider's own address is not passed on");
  assert.equal(provider.seen.length, 2, 'the redirect was not followed');
});

test('the request log keeps a call\'s path only up to the service code: the rest names a person', async (t) => {
  const lines: string[] = [];
  const logger = createLogger({ LOG_LEVEL: 'info' }, new Writable({ write: (chunk, _encoding, done) => (lines.push(String(chunk)), done()) }));
  const provider = await startTestProvider((_request, response) => response.writeHead(200, { 'content-type': 'application/json' }).end('{"status":"awarded"}'));
  t.after(() => provider.server.close());
  const { app, kernel } = await createTestApp(t, { logger });
  const { client, clientKeys, service } = await setUpProviderAndClient(kernel, { baseUrl: provider.baseUrl, grant: 'GET /awards/*' });
  assert.equal((await sendSignedCall(app, { path: `/r1/${service}/awards/QQ123456A`, client, key: clientKeys[0]! })).statusCode, 200);
  await app.inject({ method: 'GET', url: `/r1/${service}/awards/QQ654321B` });
  const logged = lines.join('');
  assert.doesNotMatch(logged, /QQ123456A|QQ654321B/);
  assert.match(logged, new RegExp(`"path":"/r1/${service}/:rest"`));
});
