import assert from 'node:assert/strict';
import { test } from 'node:test';
import { getOverHttp as get, listenTestApp } from '../../../testing/real-http.ts';

test('a URL past 16 KiB under /v1 is refused 414 and headers past it 431, as Jetty does, in Dropwizard\'s { code, message }', async (t) => {
  const { port } = await listenTestApp(t);

  const longUrl = await get(port, `/v1/payments?reference=${'r'.repeat(20 * 1024)}`);
  assert.equal(longUrl.status, 414);
  assert.deepEqual(JSON.parse(longUrl.body), { code: 414, message: 'HTTP 414 URI Too Long' });

  const longKey = await get(port, '/v1/payments', { authorization: `Bearer ${'k'.repeat(20 * 1024)}` });
  assert.equal(longKey.status, 431);
  assert.deepEqual(JSON.parse(longKey.body), { code: 431, message: 'HTTP 431 Request Header Fields Too Large' });
});
