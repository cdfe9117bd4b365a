import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import type { CivitasModule } from '../module.ts';
import { createTestApp } from '../../testing/test-kernel.ts';
import { findUnstorableText, isUnstorableText } from './unstorable-text.ts';

const echoModule: CivitasModule = {
  name: 'unstorable-echo-fixture',
  async plugin(app: FastifyInstance) {
    const echo = async (request: { body: unknown; query: unknown; params: unknown }) => ({
      body: request.body ?? null,
      query: request.query,
      params: request.params,
    });
    app.post('/fixture/unstorable/:id', { config: { csrf: false } }, echo);
    app.get('/fixture/unstorable/:id', echo);
  },
};

test('NUL characters and unpaired surrogates are unstorable; every other character, emoji included, is not', () => {
  assert.equal(isUnstorableText('plain'), false);
  assert.equal(isUnstorableText('Dŵr 🐉 ☃ \t\n'), false);
  assert.equal(isUnstorableText('a\0b'), true);
  assert.equal(isUnstorableText('\ud83d'), true, 'a high surrogate alone');
  assert.equal(isUnstorableText('x\ude00y'), true, 'a low surrogate alone');
  assert.equal(isUnstorableText('\ude00\ud83d'), true, 'a pair in the wrong order');
});

test('the first unstorable string is named by its path, keys included', () => {
  assert.equal(findUnstorableText({ a: 'ok', b: [1, 'ok', { c: 'x\0' }] }), 'b[2].c');
  assert.equal(findUnstorableText({ metadata: { 'ke\0y': 'fine' } }), 'metadata.ke\0y');
  assert.equal(findUnstorableText('\0'), '(body)');
  assert.equal(findUnstorableText({ a: 1, b: null, c: true, d: ['ok'] }), undefined);
  assert.equal(findUnstorableText(undefined), undefined);
});

test('a request holding unstorable text in its body, query or path is refused with a 400 before its route runs', async (t) => {
  const { app } = await createTestApp(t, { modules: [echoModule] });
  const json = { 'content-type': 'application/json' };

  const fine = await app.inject({ method: 'POST', url: '/fixture/unstorable/1?q=Caerdydd', headers: json, payload: '{"name":"Siân 🐉"}' });
  assert.equal(fine.statusCode, 200);
  assert.deepEqual(fine.json().body, { name: 'Siân 🐉' });

  const refusals = [
    await app.inject({ method: 'POST', url: '/fixture/unstorable/1', headers: json, payload: '{"name":"a\\u0000b"}' }),
    await app.inject({ method: 'POST', url: '/fixture/unstorable/1', headers: json, payload: '{"name":"\\ud800"}' }),
    await app.inject({ method: 'POST', url: '/fixture/unstorable/1', headers: json, payload: '{"a\\u0000":1}' }),
    await app.inject({ method: 'GET', url: '/fixture/unstorable/1?q=a%00b' }),
    await app.inject({ method: 'GET', url: '/fixture/unstorable/a%00b' }),
    await app.inject({
      method: 'POST',
      url: '/fixture/unstorable/1',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: 'name=a%00b',
    }),
  ];
  for (const response of refusals) {
    assert.equal(response.statusCode, 400, response.body);
    assert.equal(response.json().error, 'UNSTORABLE_TEXT');
  }
  assert.match(refusals[0]!.json().message, /^name must not contain/);
});
