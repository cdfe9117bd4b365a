import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createTestApp } from '../../../testing/test-kernel.ts';
import { authorizationFor, createTestService } from '../fixtures/notify-fixtures.ts';
import { notifyCoreOf } from '../notify.core-cache.ts';

const NOT_ALLOWED = { result: 'error', message: 'The method is not allowed for the requested URL.' };

test("a Notify path asked with a method it does not take is Flask's 405 with Allow, before any key is checked", async (t) => {
  const { app, kernel } = await createTestApp(t);
  const service = await createTestService(notifyCoreOf(kernel));
  const authorization = await authorizationFor(service.keys.live);
  const id = service.templates.email.id;
  const cases: Array<{ method: 'PUT' | 'DELETE' | 'PATCH' | 'GET' | 'POST'; url: string; allow: string }> = [
    // Notify's GET /<notification_id> takes any segment, so both its routes are allowed here.
    { method: 'PUT', url: '/v2/notifications/email', allow: 'GET, HEAD, OPTIONS, POST' },
    { method: 'DELETE', url: '/v2/templates', allow: 'GET, HEAD, OPTIONS' },
    { method: 'POST', url: '/v2/notifications?older_than=x', allow: 'GET, HEAD, OPTIONS' },
    { method: 'PATCH', url: `/v2/template/${id}`, allow: 'GET, HEAD, OPTIONS' },
    { method: 'PUT', url: `/v2/template/${id}/preview`, allow: 'OPTIONS, POST' },
  ];
  for (const { method, url, allow } of cases) {
    for (const headers of [{ authorization }, {}, { authorization: 'Bearer forged' }]) {
      const response = await app.inject({ method, url, headers: { ...headers, 'content-type': 'application/json' }, payload: method === 'GET' ? undefined : '{"x":' });
      assert.equal(response.statusCode, 405, `${method} ${url}`);
      assert.deepEqual(response.json(), NOT_ALLOWED);
      assert.equal(response.headers.allow, allow, `${method} ${url}`);
    }
  }

  // A path no route has is still not found, and the methods it does take still need a key.
  const nowhere = await app.inject({ method: 'PUT', url: '/v2/nowhere', headers: { authorization } });
  assert.equal(nowhere.statusCode, 404);
  const unauthenticated = await app.inject({ method: 'GET', url: `/v2/template/${id}` });
  assert.equal(unauthenticated.statusCode, 401);
});
