import assert from 'node:assert/strict';
import { test } from 'node:test';
import { getOverHttp as get, listenTestApp } from '../../../testing/real-http.ts';

test('a URL or headers past 16 KiB under /v2 are refused in Notify\'s envelope with gunicorn\'s 400, before any key is checked', async (t) => {
  const { port } = await listenTestApp(t);

  const longUrl = await get(port, `/v2/notifications?reference=${'r'.repeat(20 * 1024)}`);
  assert.equal(longUrl.status, 400);
  assert.deepEqual(JSON.parse(longUrl.body), { status_code: 400, errors: [{ error: 'BadRequestError', message: 'Request Line is too large' }] });

  const longToken = await get(port, '/v2/notifications', { authorization: `Bearer ${'t'.repeat(20 * 1024)}` });
  assert.equal(longToken.status, 400);
  assert.deepEqual(JSON.parse(longToken.body), { status_code: 400, errors: [{ error: 'BadRequestError', message: 'Request Header Fields Too Large' }] });
});
