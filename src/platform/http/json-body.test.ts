import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import type { CivitasModule } from '../module.ts';
import { createTestApp } from '../../testing/test-kernel.ts';
import { DEFAULT_BODY_LIMIT_BYTES, JSON_BODY_MAX_DEPTH, nestsDeeperThan } from './json-body.ts';

const echoModule: CivitasModule = {
  name: 'json-echo-fixture',
  async plugin(app: FastifyInstance) {
    app.post('/fixture/echo', { config: { csrf: false } }, async (request) => ({ received: request.body }));
  },
};

function nestedObjects(depth: number): string {
  return `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`;
}

function nestedArrays(depth: number): string {
  return `${'['.repeat(depth)}${']'.repeat(depth)}`;
}

test('depth is read from the text: brackets inside strings, escaped quotes and backslashes do not count', () => {
  assert.equal(nestsDeeperThan(nestedArrays(3), 3), false);
  assert.equal(nestsDeeperThan(nestedArrays(4), 3), true);
  assert.equal(nestsDeeperThan(nestedObjects(4), 3), true);
  assert.equal(nestsDeeperThan('{"a":"[[[[[{{{{{"}', 1), false);
  assert.equal(nestsDeeperThan('{"a":"\\"[[[["}', 1), false, 'an escaped quote does not end the string');
  assert.equal(nestsDeeperThan('["\\\\",[[["x"]]]]', 3), true, 'an escaped backslash does end it');
  assert.equal(nestsDeeperThan('[{"a":[1,{"b":[]}]}, [], {}]', 5), false);
  assert.equal(nestsDeeperThan('["unterminated [[[[', 1), false, 'not JSON: left for the parser to refuse');
});

test('every JSON body is bounded in depth and size; past either it is refused with a 4xx, never a 500', async (t) => {
  const { app } = await createTestApp(t, { modules: [echoModule] });
  const post = (payload: string) =>
    app.inject({ method: 'POST', url: '/fixture/echo', headers: { 'content-type': 'application/json' }, payload });

  const deepest = await post(nestedArrays(JSON_BODY_MAX_DEPTH));
  assert.equal(deepest.statusCode, 200, 'the limit itself is accepted');

  for (const payload of [nestedArrays(JSON_BODY_MAX_DEPTH + 1), nestedObjects(5000), nestedArrays(5000), nestedArrays(400_000)]) {
    const refused = await post(payload);
    assert.equal(refused.statusCode, 400);
    assert.deepEqual(refused.json(), {
      statusCode: 400,
      error: 'JSON_BODY_TOO_DEEP',
      message: `The JSON body nests objects and arrays more than ${JSON_BODY_MAX_DEPTH} levels deep`,
    });
  }

  const wide = await post(`[${'0,'.repeat(100_000)}0]`);
  assert.equal(wide.statusCode, 200, 'a long flat array within the size limit is fine');
  const tooLarge = await post(JSON.stringify({ text: 'x'.repeat(DEFAULT_BODY_LIMIT_BYTES) }));
  assert.equal(tooLarge.statusCode, 413);
  assert.equal(tooLarge.json().error, 'FST_ERR_CTP_BODY_TOO_LARGE');

  const poisoned = await post('{"__proto__":{"admin":true}}');
  assert.equal(poisoned.statusCode, 400, "Fastify's prototype-poisoning check still runs");
  const malformed = await post('{"a":');
  assert.equal(malformed.statusCode, 400);
  assert.equal(malformed.json().error, 'FST_ERR_CTP_INVALID_JSON_BODY');
});

test("the OpenID provider's endpoints take no JSON: a deep or huge JSON body gets OAuth's invalid_request", async (t) => {
  const { app } = await createTestApp(t);
  for (const url of ['/token', '/userinfo']) {
    for (const payload of [nestedObjects(5000), nestedArrays(5000), `"${'x'.repeat(2 * DEFAULT_BODY_LIMIT_BYTES)}"`]) {
      const response = await app.inject({ method: 'POST', url, headers: { 'content-type': 'application/json' }, payload });
      assert.equal(response.statusCode, 400, url);
      assert.equal(response.json().error, 'invalid_request');
      assert.equal(typeof response.json().error_description, 'string');
    }
  }
  // Forms, which they do take, are limited by oidc-provider itself.
  const hugeForm = await app.inject({
    method: 'POST',
    url: '/token',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    payload: `grant_type=${'x'.repeat(DEFAULT_BODY_LIMIT_BYTES)}`,
  });
  assert.equal(hugeForm.statusCode, 400);
  assert.equal(hugeForm.json().error, 'invalid_request');
});
