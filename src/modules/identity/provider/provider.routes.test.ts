import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createTestApp } from '../../../testing/test-kernel.ts';

test("the token and userinfo endpoints answer errors in OAuth's JSON to a client that prefers HTML (found by the fuzz tests: an HTML page)", async (t) => {
  const { app } = await createTestApp(t);
  for (const accept of ['text/html', 'text/html,application/xhtml+xml,*/*;q=0.8', '*/*', undefined]) {
    const headers = accept === undefined ? {} : { accept };
    const token = await app.inject({
      method: 'POST',
      url: '/token',
      headers: { ...headers, 'content-type': 'application/x-www-form-urlencoded' },
      payload: 'grant_type=authorization_code&code=x&client_assertion_type=&client_assertion=',
    });
    assert.equal(token.statusCode, 400, `${accept}: ${token.body.slice(0, 100)}`);
    assert.match(String(token.headers['content-type']), /^application\/json/);
    assert.equal(typeof token.json().error, 'string');
    const userinfo = await app.inject({ method: 'GET', url: '/userinfo', headers: { ...headers, authorization: 'Bearer not-a-token' } });
    assert.equal(userinfo.statusCode, 401, `${accept}: ${userinfo.body.slice(0, 100)}`);
    assert.deepEqual(Object.keys(userinfo.json()).sort(), ['error', 'error_description']);
  }
  const page = await app.inject({ method: 'GET', url: '/authorize?client_id=nobody', headers: { accept: 'text/html' } });
  assert.match(String(page.headers['content-type']), /^text\/html/, 'the pages people see stay pages');
});
