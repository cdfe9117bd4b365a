import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { checkXRoadAnswer, createTally, describeRequest, extraHeaders, FUZZ_SEED, pathSegment, printTally, runsOf, send, startFuzzApp, type FuzzRequest } from './fuzz-kit.ts';

const METHODS = ['GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS'] as const;

/** Identifier parts as a client might send them: real-looking, empty, encoded, hostile. */
function identifierPart(): fc.Arbitrary<string> {
  return fc.oneof(fc.constantFrom('GB-TEST', 'GOV', 'BA001', 'benefits', 'pip-award', 'listMethods', 'allowedMethods', 'getOpenAPI', 'listClients'), pathSegment());
}

test("Exchange's gateway (/r1/...): any request, unsigned or mangled, answers in X-Road's envelope, a Client. fault with 400 (429 past the limit), never a bare 500", async (t) => {
  const { app } = await startFuzzApp(t);
  const tally = createTally();
  t.after(() => printTally('exchange gateway', tally));
  const requests = fc
    .record({
      method: fc.constantFrom(...METHODS),
      parts: fc.array(identifierPart(), { maxLength: 8 }),
      query: fc.constantFrom('', '?serviceCode=pip-award', '?__proto__=', '?a=%ZZ', `?q=${'x'.repeat(5000)}`),
      client: fc.oneof(fc.constant(undefined), fc.constantFrom('GB-TEST/GOV/RC002/blue-badge', '', '////', 'GB-TEST/GOV'), fc.string({ maxLength: 300 })),
      signature: fc.constantFrom(undefined, 'sig1=:AAAA:', 'garbage'),
      body: fc.oneof(fc.constant(undefined), fc.string({ maxLength: 200 }), fc.constant('{"a":1}')),
      extra: extraHeaders(),
    })
    .map(({ method, parts, query, client, signature, body, extra }): FuzzRequest => ({
      method,
      url: `/r1/${parts.join('/')}${query}`,
      how: 'any call',
      headers: {
        ...extra,
        ...(client === undefined ? {} : { 'x-road-client': client.replace(/[\r\n]/g, '') }),
        ...(signature === undefined ? {} : { signature, 'signature-input': 'sig1=("@method");created=1;keyid="k";alg="ed25519"' }),
        ...(body === undefined || method === 'GET' || method === 'OPTIONS' ? {} : { 'content-type': 'application/json' }),
      },
      ...(body === undefined || method === 'GET' || method === 'OPTIONS' ? {} : { payload: body }),
    }));
  // Each request from an address of its own: the gateway limits refused unauthenticated calls per
  // address (30 a minute), and past that limit every request would get the same 429.
  let sent = 0;
  await fc.assert(
    fc.asyncProperty(requests, async (request) => {
      Object.assign(request, { [fc.toStringMethod]: () => describeRequest(request) });
      sent += 1;
      const response = await send(app, tally, 'any /r1/*', request, `198.51.${Math.floor(sent / 250) % 250}.${sent % 250}`);
      checkXRoadAnswer(response, request);
    }),
    { numRuns: runsOf(200), seed: FUZZ_SEED },
  );
});

test("Exchange's gateway: past the limit on refused unauthenticated calls from one address, each answer is still X-Road's envelope, Client.TooManyRequests with 429", async (t) => {
  const { app } = await startFuzzApp(t);
  const tally = createTally();
  const statuses = new Set<number>();
  for (let call = 0; call < 40; call += 1) {
    const request: FuzzRequest = { method: 'GET', url: '/r1/GB-TEST/GOV/BA001/benefits/pip-award/awards/1', how: 'the same address', headers: { 'x-road-client': 'GB-TEST/GOV/RC002/blue-badge' } };
    const response = await send(app, tally, 'any /r1/*', request, '203.0.113.9');
    checkXRoadAnswer(response, request);
    statuses.add(response.statusCode);
  }
  assert.deepEqual([...statuses].sort(), [400, 429]);
});
