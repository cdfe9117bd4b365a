import assert from 'node:assert/strict';
import { test, type TestContext } from 'node:test';
import type { LightMyRequestResponse } from 'fastify';
import { createTestApp } from '../../../testing/test-kernel.ts';
import { createMessageLogStore } from '../message-log/message-log.store.ts';
import { generateTestKeyPair, setUpProviderAndClient } from '../testing/exchange-fixtures.ts';
import { sendSignedCall, startTestProvider, waitForLogRecords } from '../testing/signed-calls.ts';
import { UNPROVED_REFUSALS_PER_MINUTE } from './refusal-limit.ts';

async function setUp(t: TestContext) {
  const provider = await startTestProvider((_request, response) => response.writeHead(200, { 'content-type': 'application/json' }).end('{"status":"awarded"}'));
  t.after(() => provider.server.close());
  const { app, kernel } = await createTestApp(t);
  const world = await setUpProviderAndClient(kernel, { baseUrl: provider.baseUrl, grant: 'GET /awards/*' });
  const call = (overrides: Partial<Parameters<typeof sendSignedCall>[1]> = {}) => sendSignedCall(app, { path: `/r1/${world.service}/awards/AB123456C`, client: world.client, key: world.clientKeys[0]!, ...overrides });
  const unsigned = (remoteAddress: string, url = `/r1/${world.service}/awards/AB123456C`) => app.inject({ method: 'GET', url, remoteAddress, headers: { 'x-road-client': world.client } });
  const records = async () => (await createMessageLogStore(kernel.db).listPage({ from: '2000-01-01', to: '3000-01-01', afterSequence: 0, limit: 10_000 })).length;
  return { app, kernel, world, call, unsigned, records };
}

function assertLimited(response: LightMyRequestResponse) {
  assert.equal(response.statusCode, 429, response.body);
  assert.equal(response.headers['x-road-error'], 'Client.TooManyRequests');
  const retryAfter = Number(response.headers['retry-after']);
  assert.ok(retryAfter >= 1 && retryAfter <= 60, `Retry-After ${retryAfter}`);
  const body = response.json() as Record<string, string>;
  assert.deepEqual(Object.keys(body), ['type', 'message', 'detail']);
  assert.equal(body.type, 'Client.TooManyRequests');
}

test('a client that proves who it is is never limited: more calls than the limit, answered or refused after the proof (no access right), all answered as usual', async (t) => {
  const { call, world } = await setUp(t);
  for (let index = 0; index < UNPROVED_REFUSALS_PER_MINUTE + 5; index += 1) {
    assert.equal((await call()).statusCode, 200);
    const denied = await call({ path: `/r1/${world.service}/not-granted` });
    assert.equal(denied.headers['x-road-error'], 'Server.ServerProxy.AccessDenied', 'refused after the client was proved: not counted');
  }
});

test('attacker: refusals before the client is proved (unsigned, unknown key, bad signature, malformed identifiers) are limited per address, answered 429 in X-Road\'s envelope without a log record; a proved client from that address, and other addresses, are still answered', async (t) => {
  const { app, world, call, unsigned, records } = await setUp(t);
  const flood = '203.0.113.7';
  const attempts = [
    () => unsigned(flood),
    () => call({ key: generateTestKeyPair('ec'), remoteAddress: flood }),
    () => call({ remoteAddress: flood, tamper: (request) => void (request.headers.signature = 'sig1=:AAAA:') }),
    () => unsigned(flood, '/r1/GB-DEV/GOV/%ZZ/benefits/pip-award/x'),
    () => app.inject({ method: 'GET', url: `/r1/${world.service}/awards/1`, remoteAddress: flood, headers: { 'x-road-client': 'not/an/identifier/at/all/really' } }),
  ];
  for (let index = 0; index < UNPROVED_REFUSALS_PER_MINUTE; index += 1) {
    const refused = await attempts[index % attempts.length]!();
    assert.equal(refused.statusCode, 400, `refusal ${index}: ${refused.body}`);
    assert.match(String(refused.headers['x-road-error']), /^Client\./);
  }
  await waitForLogRecords(app.db, UNPROVED_REFUSALS_PER_MINUTE);
  const recorded = await records();
  for (const attempt of attempts) assertLimited(await attempt());
  assertLimited(await app.inject({ method: 'POST', url: `/r1/${world.service}/awards/1`, remoteAddress: flood, headers: { 'x-road-client': world.client, 'content-type': 'application/json' }, payload: '{"a":1}' }));
  assert.equal(await records(), recorded, 'past the limit, no message log record for each refusal');

  assert.equal((await call({ remoteAddress: flood })).statusCode, 200, 'a proved client from the same address is answered');
  const other = await unsigned('198.51.100.2');
  assert.equal(other.statusCode, 400);
  assert.equal(other.headers['x-road-error'], 'Client.MissingSignature', 'another address is refused as usual');
});

test('attacker: addresses taken in turn from one IPv6 /64 count as one; refusals sent all at once never pass the limit', async (t) => {
  const { unsigned } = await setUp(t);
  const answers = await Promise.all(Array.from({ length: UNPROVED_REFUSALS_PER_MINUTE + 20 }, (_, index) => unsigned(`2001:db8:5:6::${(index + 1).toString(16)}`)));
  assert.equal(answers.filter((answer) => answer.statusCode === 400).length, UNPROVED_REFUSALS_PER_MINUTE);
  assert.equal(answers.filter((answer) => answer.statusCode === 429).length, 20);
  assert.ok(answers.every((answer) => answer.statusCode < 500));
});
