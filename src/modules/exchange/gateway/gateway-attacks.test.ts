import assert from 'node:assert/strict';
import { request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { test, type TestContext } from 'node:test';
import type { LightMyRequestResponse } from 'fastify';
import { createTestApp } from '../../../testing/test-kernel.ts';
import { createMessageLogStore } from '../message-log/message-log.store.ts';
import { findChainProblem, GENESIS_HASH } from '../message-log/message-log.ts';
import { addOrganisation, generateTestKeyPair, OPERATOR, setUpProviderAndClient } from '../testing/exchange-fixtures.ts';
import { sendSignedCall, startTestProvider, thumbprintOf, waitForLogRecords, type TamperableRequest } from '../testing/signed-calls.ts';
import { createExchangeKeys } from './exchange-keys.ts';

const ALL_BATCHES = { first: 0, last: Number.MAX_SAFE_INTEGER, afterSequence: -1, limit: 10_000 };

function assertRefused(response: LightMyRequestResponse, type: string, message?: RegExp, what?: string) {
  assert.equal(response.headers['x-road-error'], type, `${what ?? ''} ${response.body}`);
  assert.equal(response.statusCode, type.startsWith('Client.') ? 400 : 500);
  assert.match(String(response.headers['content-type']), /^application\/json/);
  const body = response.json() as { type: string; message: string; detail: string };
  assert.deepEqual(Object.keys(body), ['type', 'message', 'detail']);
  assert.equal(body.type, type);
  if (message) assert.match(body.message, message);
  return body;
}

async function setUp(t: TestContext, environment: Record<string, string> = {}, answer?: Parameters<typeof startTestProvider>[0]) {
  const providerSystem = await startTestProvider(answer ?? ((_request, response) => response.writeHead(200, { 'content-type': 'application/json' }).end('{"status":"awarded"}')));
  t.after(() => providerSystem.server.close());
  const { app, kernel } = await createTestApp(t, { environment });
  const world = await setUpProviderAndClient(kernel, { baseUrl: providerSystem.baseUrl, grant: 'GET /awards/*' });
  const call = (overrides: Partial<Parameters<typeof sendSignedCall>[1]> = {}) =>
    sendSignedCall(app, { path: `/r1/${world.service}/awards/AB123456C`, client: world.client, key: world.clientKeys[0]!, ...overrides });
  return { app, kernel, call, ...world, provider: providerSystem };
}

test('identity: unsigned, an unregistered key, another subsystem named, a revoked key, a changed method or body, an old signature', async (t) => {
  const { app, kernel, provider, call, registry, client, clientKeys, clientMember } = await setUp(t);
  assertRefused(await app.inject({ method: 'GET', url: `/r1/GB-DEV/GOV/BA001/benefits/pip-award/awards/1`, headers: { 'x-road-client': client } }), 'Client.MissingSignature');
  assertRefused(await call({ key: generateTestKeyPair('ec') }), 'Client.InvalidSignatureValue', /no client subsystem has registered/);

  // A second subsystem of the same member, with an access right of its own, signs as itself but names the first.
  const otherKey = generateTestKeyPair('ed25519');
  const other = await registry.addSubsystem({ memberId: clientMember.id, subsystemCode: 'other', publicKeys: otherKey.publicPem, actor: OPERATOR });
  assertRefused(await call({ key: otherKey }), 'Client.InvalidSignatureValue', /another subsystem/);
  assertRefused(await call({ client: other, key: clientKeys[0]! }), 'Client.InvalidSignatureValue', /another subsystem/);

  assertRefused(await call({ tamper: (request) => (request.method = 'DELETE') }), 'Client.InvalidSignatureValue');
  assertRefused(await call({ tamper: (request) => (request.headers['x-road-client'] = other) }), 'Client.InvalidSignatureValue');
  assertRefused(await call({ method: 'POST', body: '{"a":1}', tamper: (request) => (request.body = Buffer.from('{"a":2}')) }), 'Client.InvalidSignatureValue', /Content-Digest/);
  assertRefused(await call({ method: 'POST', body: '{"a":1}', tamper: (request) => delete request.headers['content-digest'] }), 'Client.InvalidSignatureValue');
  assertRefused(await call({ created: new Date(Date.now() - 6 * 60 * 1000) }), 'Client.InvalidSignatureValue', /too old/);
  assertRefused(await call({ created: new Date(Date.now() + 60 * 1000) }), 'Client.InvalidSignatureValue');
  assertRefused(await call({ tamper: (request) => (request.headers.signature = `${request.headers.signature}, second=:AAAA:`) }), 'Client.MalformedSignature');
  assertRefused(await call({ tamper: (request) => delete request.headers.signature }), 'Client.MalformedSignature');

  await registry.revokeKey({ subsystem: client, thumbprint: await thumbprintOf(clientKeys[0]!), lastKey: 'allow', actor: OPERATOR });
  assertRefused(await call(), 'Client.InvalidSignatureValue');
  assert.equal(provider.seen.length, 0, 'nothing reached the provider');

  // Every refusal is in the message log, the chain intact.
  const records = await waitForLogRecords(kernel.db, 13);
  assert.equal(records.length, 13);
  assert.ok(records.every((record) => record.error_type?.startsWith('Client.')));
  const logKeys = await createExchangeKeys({ db: kernel.db, secrets: kernel.secrets }).publish('message-log');
  assert.equal(findChainProblem(records, await createMessageLogStore(kernel.db).listBatchesCovering(ALL_BATCHES), logKeys.keys, GENESIS_HASH), undefined);
});

test('replay: the same signed request twice is refused, whatever X-Road-Id it carries', async (t) => {
  const { provider, call } = await setUp(t);
  let captured: TamperableRequest | undefined;
  const first = await call({ headers: { 'x-road-id': 'once-only' }, tamper: (request) => (captured = structuredClone(request)) });
  assert.equal(first.statusCode, 200, first.body);
  const replayed = await call({ headers: { 'x-road-id': 'once-only' }, tamper: (request) => Object.assign(request, captured) });
  const body = assertRefused(replayed, 'Client.InvalidRequest', /received before/);
  assert.notEqual(body.detail, 'once-only', "the refusal names Civitas's X-Road-Id for it, not the client's");
  assert.notEqual(body.detail, first.headers['x-road-id'], 'a replay is a call of its own, with an X-Road-Id of its own');
  assert.equal(provider.seen.length, 1);
});

test("X-Road-Id: Civitas makes one for every call; a client's own (reused, another call's, malformed, repeated) never reaches the provider or the log as the call's", async (t) => {
  const { kernel, provider, call } = await setUp(t);
  const first = await call();
  assert.equal(first.statusCode, 200, first.body);
  const taken = String(first.headers['x-road-id']);
  const answers = [];
  // Another call's X-Road-Id (to pass its log record off as this one's), the same twice, past 100 characters, and given twice.
  for (const given of [taken, 'chosen-by-client', 'chosen-by-client', 'x'.repeat(101)]) answers.push(await call({ headers: { 'x-road-id': given } }));
  answers.push(await call({ tamper: (request) => (request.headers['x-road-id'] = ['one', 'two'] as never) }));
  for (const answer of answers) assert.equal(answer.statusCode, 200, answer.body);
  const ids = [first, ...answers].map((answer) => String(answer.headers['x-road-id']));
  assert.ok(ids.every((id) => /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/.test(id)), ids.join(' '));
  assert.equal(new Set(ids).size, ids.length, 'each call its own');
  assert.deepEqual(provider.seen.map((seen) => seen.headers['x-road-id']), ids, "the provider gets Civitas's X-Road-Id, signed by Civitas");
  const records = await waitForLogRecords(kernel.db, ids.length);
  assert.deepEqual(records.map((record) => record.x_road_id), ids, 'the log records the X-Road-Id each call was answered with');
});

/** The same signature with s replaced by n - s: as valid for ECDSA, other bytes. */
function highSOf(signature: string): string {
  const bytes = Buffer.from(signature, 'base64');
  const order = 0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551n;
  const s = BigInt(`0x${bytes.subarray(32).toString('hex')}`);
  return Buffer.concat([bytes.subarray(0, 32), Buffer.from((order - s).toString(16).padStart(64, '0'), 'hex')]).toString('base64');
}

test('replay: what was signed is used once, whatever its label, Signature parameters or signature bytes', async (t) => {
  const { provider, call } = await setUp(t);
  let captured: TamperableRequest | undefined;
  assert.equal((await call({ tamper: (request) => (captured = structuredClone(request)) })).statusCode, 200);
  const signatureBytes = /^sig=:([^:]+):$/.exec(captured!.headers.signature ?? '')?.[1] ?? '';
  const replays: Record<string, (headers: Record<string, string>) => void> = {
    'a renamed label': (headers) => {
      headers['signature-input'] = headers['signature-input']!.replace(/^sig=/, 'zz=');
      headers.signature = `zz=:${signatureBytes}:`;
    },
    'a parameter on Signature': (headers) => (headers.signature = `sig=:${signatureBytes}:;x=1`),
    'the high-S twin of an ECDSA signature': (headers) => (headers.signature = `sig=:${highSOf(signatureBytes)}:`),
    'spaces in Signature-Input': (headers) => (headers['signature-input'] = headers['signature-input']!.replace(/" "/g, '"  "').replace('sig=(', 'sig=( ')),
  };
  for (const [what, change] of Object.entries(replays)) {
    const replayed = await call({ tamper: (request) => (Object.assign(request, structuredClone(captured)), change(request.headers)) });
    assertRefused(replayed, 'Client.InvalidRequest', /received before/, what);
  }
  assert.equal(provider.seen.length, 1);
});

test('replay: a nonce makes two identical calls in one second two calls; two signatures are refused', async (t) => {
  const { provider, call } = await setUp(t);
  const created = new Date();
  assert.equal((await call({ created, nonce: 'first' })).statusCode, 200);
  assert.equal((await call({ created, nonce: 'second' })).statusCode, 200);
  assertRefused(await call({ created, nonce: 'second' }), 'Client.InvalidRequest', /received before/);
  assertRefused(await call({ created, nonce: 'x'.repeat(101) }), 'Client.MalformedSignature', /nonce/);
  assertRefused(
    await call({ tamper: (request) => ((request.headers['signature-input'] = `${request.headers['signature-input']}, sig2=${request.headers['signature-input']!.slice(4)}`), (request.headers.signature = `${request.headers.signature}, sig2=${request.headers.signature!.slice(4)}`)) }),
    'Client.MalformedSignature',
    /exactly one signature/,
  );
  assertRefused(await call({ tamper: (request) => (request.headers.signature = request.headers.signature!.replace(/^sig=/, 'other=')) }), 'Client.MalformedSignature', /same label/);
  assert.equal(provider.seen.length, 2);
});

test('X-Road-UserId: unsigned, changed after signing or given twice, it is refused', async (t) => {
  const { app, provider, call } = await setUp(t);
  const person = { 'x-road-userid': 'GBperson-1' };
  assertRefused(await call({ headers: person, fields: ['@method', '@target-uri', 'x-road-client'] }), 'Client.InvalidSignatureValue', /X-Road-UserId/);
  assertRefused(await call({ tamper: (request) => (request.headers['x-road-userid'] = 'GBperson-1') }), 'Client.InvalidSignatureValue', /X-Road-UserId/);
  assertRefused(await call({ headers: person, tamper: (request) => (request.headers['x-road-userid'] = 'GBperson-2') }), 'Client.InvalidSignatureValue');
  let signed: TamperableRequest | undefined;
  await call({ headers: person, tamper: (request) => (signed = structuredClone(request)) });
  const twice = await app.inject({ method: 'GET', url: signed!.url, headers: { ...signed!.headers, 'x-road-userid': ['GBperson-1', 'GBperson-2'] } });
  assertRefused(twice, 'Client.BadRequest', /once only/);
  assert.equal(provider.seen.length, 1);
  assert.equal(provider.seen[0]?.headers['x-road-userid'], 'GBperson-1');
});

test('X-Road-UserId and X-Road-Issue: past 200 characters, or X-Road-Issue twice, the call is refused and its record keeps at most 200', async (t) => {
  const { app, kernel, provider, call } = await setUp(t);
  assert.equal((await call({ headers: { 'x-road-userid': `GB${'p'.repeat(198)}`, 'x-road-issue': 'c'.repeat(200) } })).statusCode, 200);
  assertRefused(await call({ headers: { 'x-road-userid': `GB${'p'.repeat(199)}` } }), 'Client.BadRequest', /X-Road-UserId is longer than 200 characters/);
  assertRefused(await call({ headers: { 'x-road-issue': 'c'.repeat(15_000) } }), 'Client.BadRequest', /X-Road-Issue is longer than 200 characters/);
  assertRefused(await call({ headers: { 'x-road-issue': 'Caf\u00e9-42' } }), 'Client.BadRequest', /X-Road-Issue must be printable ASCII/);
  assertRefused(await call({ headers: { 'x-road-userid': 'GBperson\u00ff' } }), 'Client.BadRequest', /X-Road-UserId must be printable ASCII/);
  let signed: TamperableRequest | undefined;
  await call({ tamper: (request) => (signed = structuredClone(request)) });
  const twice = await app.inject({ method: 'GET', url: signed!.url, headers: { ...signed!.headers, 'x-road-issue': ['case-1', 'case-2'] } });
  assertRefused(twice, 'Client.BadRequest', /x-road-issue header may be given once only/);
  assert.equal(provider.seen.length, 2);
  const records = await waitForLogRecords(kernel.db, 7);
  records.splice(5, 1);
  assert.deepEqual(records.map((record) => [record.user_id?.length ?? 0, record.issue?.length ?? 0]), [[200, 200], [200, 0], [0, 200], [0, 7], [9, 0], [0, 'case-1, case-2'.length]]);
});

test('access: an endpoint the right does not cover, a right revoked, an unknown service, an unapproved member', async (t) => {
  const { kernel, provider, call, registry, serviceId, client } = await setUp(t);
  assertRefused(await call({ method: 'POST', body: '{}' }), 'Server.ServerProxy.AccessDenied', /may not call POST/);
  assertRefused(await call({ path: '/r1/GB-DEV/GOV/BA001/benefits/pip-award/other' }), 'Server.ServerProxy.AccessDenied');
  // `GET /awards/*` is one more segment, not empty, not two, as X-Road's `*`.
  for (const path of ['/awards/', '/awards//AB123456C', '/awards/AB123456C/x', '/awards/AB123456C/', '/awardsX', '/awards']) {
    assertRefused(await call({ path: `/r1/GB-DEV/GOV/BA001/benefits/pip-award${path}` }), 'Server.ServerProxy.AccessDenied', undefined, path);
  }
  assert.equal((await call()).statusCode, 200);
  await registry.revokeAccess({ serviceId, client, endpoint: 'GET /awards/*', actor: OPERATOR });
  assertRefused(await call(), 'Server.ServerProxy.AccessDenied');
  for (const path of ['/r1/GB-DEV/GOV/BA001/benefits/no-such-service/x', '/r1/GB-DEV/GOV/NOBODY/benefits/pip-award/x', '/r1/ELSEWHERE/GOV/BA001/benefits/pip-award/x']) {
    assertRefused(await call({ path }), 'Server.ServerProxy.UnknownService');
  }
  // A member that asked to join but is not yet approved cannot call, whatever its keys.
  const pending = await registry.addMember({ organisationId: await addOrganisation(kernel, 'Pending Trust'), memberClass: 'NGO', memberCode: 'PT', actor: { audit: 'console-person:p', isOperator: false } });
  const pendingKey = generateTestKeyPair('ec');
  const pendingClient = await registry.addSubsystem({ memberId: pending.id, subsystemCode: 'app', publicKeys: pendingKey.publicPem, actor: OPERATOR });
  assertRefused(await call({ client: pendingClient, key: pendingKey }), 'Client.UnknownMember');
  assert.equal(provider.seen.length, 1);
});

test('protocol: malformed identifiers, no X-Road-Client, path tricks, an oversized URI, an oversized body', async (t) => {
  const { app, provider, call } = await setUp(t);
  for (const path of [
    '/r1/GB-DEV/GOV/BA001/benefits',
    '/r1/GB-DEV/gov/BA001/benefits/pip-award/x',
    '/r1/GB-DEV/GOV/BA%ZZ001/benefits/pip-award/x',
    '/r1/GB-DEV/GOV/BA001/benefits/pip-award/awards%2F..%2Fadmin',
    `/r1/GB-DEV/GOV/BA001/benefits/pip-award/awards/${'a'.repeat(2100)}`,
  ]) {
    assertRefused(await call({ path }), 'Client.BadRequest', undefined, path);
  }
  assertRefused(await call({ client: 'GB-DEV/GOV/RC002' }), 'Client.InvalidClientIdentifier');
  assertRefused(await call({ tamper: (request) => delete request.headers['x-road-client'] }), 'Client.BadRequest', /X-Road-Client/);
  const oversized = await app.inject({ method: 'POST', url: '/r1/GB-DEV/GOV/BA001/benefits/pip-award/awards/1', headers: { 'content-type': 'application/octet-stream' }, payload: Buffer.alloc(10 * 1024 * 1024 + 1) });
  assertRefused(oversized, 'Client.BadRequest', /larger than 10 MB/);
  // Dot segments, sent as they are over a real connection (app.inject would resolve them first).
  await app.listen({ port: 0, host: '127.0.0.1' });
  const { port } = app.server.address() as AddressInfo;
  // And a fragment, which no client sends (RFC 9110): refused before the signature is looked at.
  for (const path of ['/r1/GB-DEV/GOV/BA001/benefits/pip-award/awards/%2e%2e/admin', '/r1/GB-DEV/GOV/BA001/benefits/pip-award/../../admin', '/r1/GB-DEV/GOV/BA001/benefits/pip-award/awards/./x', '/r1/GB-DEV/GOV/BA001/benefits/pip-award/awards/AB123456C#frag']) {
    const answer = await new Promise<{ status: number; type: string }>((resolve, reject) => {
      const outgoing = request({ host: '127.0.0.1', port, path, method: 'GET' }, (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () => resolve({ status: response.statusCode ?? 0, type: String(response.headers['x-road-error']) }));
      });
      outgoing.on('error', reject);
      outgoing.end();
    });
    assert.deepEqual(answer, { status: 400, type: 'Client.BadRequest' }, path);
  }
  assert.equal(provider.seen.length, 0);
});

test('provider failures: down, too slow, and an answer over 10 MB', async (t) => {
  const slow = await setUp(t, { EXCHANGE_PROVIDER_TIMEOUT_SECONDS: '1' }, () => undefined);
  assertRefused(await slow.call(), 'Server.ServerProxy.NetworkError', /in time/);

  const down = await setUp(t);
  await new Promise((resolve) => down.provider.server.close(resolve));
  assertRefused(await down.call(), 'Server.ServerProxy.NetworkError', /Could not reach/);

  const huge = await setUp(t, {}, (_request, response) => {
    response.writeHead(200, { 'content-type': 'application/octet-stream' });
    response.end(Buffer.alloc(10 * 1024 * 1024 + 100));
  });
  const cut = await huge.call().catch((error: unknown) => error);
  assert.ok(cut instanceof Error || (cut as LightMyRequestResponse).rawPayload.length <= 10 * 1024 * 1024, 'the answer is cut off at 10 MB');
  const records = await waitForLogRecords(huge.kernel.db, 1);
  assert.equal(records.at(-1)?.error_type, 'Server.ServerProxy.ServiceFailed');
});

test("protocol: a method the exchange does not take, /r1 alone or /R1 is answered in X-Road's envelope, not by the site's CSRF or not-found handlers", async (t) => {
  const { app, kernel, provider, service, client } = await setUp(t);
  const path = `/r1/${service}/awards/AB123456C`;
  for (const method of ['PROPFIND', 'TRACE', 'COPY', 'MKCOL', 'SEARCH']) {
    assertRefused(await app.inject({ method: method as 'GET', url: path, headers: { 'x-road-client': client, 'content-type': 'application/xml' }, payload: '<propfind/>' }), 'Client.BadRequest', new RegExp(`does not take ${method}`), method);
  }
  for (const [method, url] of [['GET', '/r1'], ['POST', '/r1'], ['GET', `/R1/${service}/awards/AB123456C`], ['POST', '/R1'], ['PROPFIND', '/R1/x']] as const) {
    assertRefused(await app.inject({ method: method as 'GET', url, headers: { 'x-road-client': client } }), 'Client.BadRequest', undefined, `${method} ${url}`);
  }
  assert.equal(provider.seen.length, 0);
  const records = await waitForLogRecords(kernel.db, 10);
  assert.ok(records.every((record) => record.error_type === 'Client.BadRequest' && record.client_proved === 0));
});
