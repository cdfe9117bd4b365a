import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import type { CivitasModule } from '../module.ts';
import { createTestApp } from '../../testing/test-kernel.ts';
import { decodeLeniently, MAX_PATH_PARAMETER_LENGTH, repairPercentEncoding } from './request-url.ts';

/** A route with a parameter, in a context with an envelope of its own, as each API's is. */
const echoModule: CivitasModule = {
  name: 'url-echo-fixture',
  async plugin(app: FastifyInstance) {
    await app.register(async (api) => {
      api.setNotFoundHandler((_request, reply) => reply.code(404).send({ envelope: 'fixture', found: false }));
      api.get('/items/:id', async (request) => ({ envelope: 'fixture', id: (request.params as { id: string }).id }));
    }, { prefix: '/fixture' });
  },
};

test('paths that decode are left as they are; a segment that does not is decoded as browsers decode it', () => {
  for (const url of ['/', '/v2/templates', '/a%20b', '/a%2Fb/c', '/x?y=%', '/x?y=%ZZ&z=%C3%28', '/%E2%9C%93']) {
    assert.equal(repairPercentEncoding(url), url, url);
  }
  assert.equal(repairPercentEncoding('/v2/template/%/preview'), '/v2/template/%25/preview');
  assert.equal(repairPercentEncoding('/a/%ZZ?q=%'), '/a/%25ZZ?q=%', 'the query string is the query parser\'s');
  assert.equal(repairPercentEncoding('/a/%C3%28'), `/a/${encodeURIComponent('\ufffd(')}`);
  assert.equal(repairPercentEncoding('/a%2Fb/%FF'), `/a%2Fb/${encodeURIComponent('\ufffd')}`, 'an encoded slash stays in its segment');
  assert.equal(decodeLeniently('%ED%A0%80'), '\ufffd\ufffd\ufffd', 'an encoded surrogate is not UTF-8');
  assert.equal(decodeLeniently('%E0%A4%A'), '\ufffd%A');
  assert.equal(decodeLeniently('é%'), 'é%');
});

test('a path that does not decode, or a long parameter, reaches its route and the route answers it (found by the fuzz tests: the router answered 400 or 414 in no envelope)', async (t) => {
  const { app } = await createTestApp(t, { modules: [echoModule] });
  const get = (url: string) => app.inject({ method: 'GET', url });

  for (const [segment, id] of [
    ['%', '%'],
    ['%ZZ', '%ZZ'],
    ['%C3%28', '\ufffd('],
    ['%ED%A0%80', '\ufffd\ufffd\ufffd'],
    ['%E0%A4%A', '\ufffd%A'],
    ['caf%C3%A9', 'café'],
  ] as const) {
    const response = await get(`/fixture/items/${segment}`);
    assert.equal(response.statusCode, 200, `${segment}: ${response.body}`);
    assert.deepEqual(response.json(), { envelope: 'fixture', id }, segment);
  }
  const unknown = await get('/fixture/%/elsewhere');
  assert.equal(unknown.statusCode, 404);
  assert.deepEqual(unknown.json(), { envelope: 'fixture', found: false }, "the API's own not-found");

  const long = 'a'.repeat(MAX_PATH_PARAMETER_LENGTH);
  const response = await get(`/fixture/items/${long}`);
  assert.equal(response.statusCode, 200);
  assert.equal(response.json().id, long);
});
