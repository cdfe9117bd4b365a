import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createTestApp } from '../../../testing/test-kernel.ts';
import { authorizationFor, createTestService } from '../fixtures/notify-fixtures.ts';
import { notifyCoreOf } from '../notify.core-cache.ts';

test("bodies nested too deep or too large are refused in Notify's envelope, never with a 500", async (t) => {
  const { app, kernel } = await createTestApp(t);
  const service = await createTestService(notifyCoreOf(kernel));
  const authorization = await authorizationFor(service.keys.live);
  const send = (url: string, payload: string) =>
    app.inject({ method: 'POST', url, headers: { authorization, 'content-type': 'application/json' }, payload });
  const tooDeep = {
    status_code: 400,
    errors: [{ error: 'ValidationError', message: 'The JSON body nests objects and arrays more than 64 levels deep' }],
  };

  const deepObject = `${'{"a":'.repeat(5000)}1${'}'.repeat(5000)}`;
  const deepArray = `${'['.repeat(5000)}${']'.repeat(5000)}`;
  for (const url of ['/v2/notifications/email', '/v2/notifications/sms', '/v2/notifications/letter', `/v2/template/${service.templates.email.id}/preview`]) {
    for (const personalisation of [deepObject, deepArray]) {
      const response = await send(url, `{"template_id":"${service.templates.email.id}","email_address":"a@example.com","personalisation":${personalisation}}`);
      assert.equal(response.statusCode, 400, url);
      assert.deepEqual(response.json(), tooDeep);
    }
    const whole = await send(url, deepArray);
    assert.deepEqual(whole.json(), tooDeep);
  }

  // Email and letters take files and PDFs: 8 MiB. Everything else: 1 MiB.
  const tooLarge = { status_code: 413, errors: [{ error: 'BadRequestError', message: 'Request body is too large' }] };
  const over = (bytes: number) => JSON.stringify({ template_id: service.templates.sms.id, phone_number: '07700900123', reference: 'x'.repeat(bytes) });
  assert.equal((await send('/v2/notifications/sms', over(1024 * 1024))).statusCode, 413);
  assert.deepEqual((await send('/v2/notifications/sms', over(1024 * 1024))).json(), tooLarge);
  const email = (bytes: number) => JSON.stringify({ template_id: service.templates.email.id, email_address: 'a@example.com', reference: 'x'.repeat(bytes) });
  assert.equal((await send('/v2/notifications/email', email(2 * 1024 * 1024))).statusCode, 400, 'within 8 MiB: refused for its reference, not its size');
  assert.deepEqual((await send('/v2/notifications/email', email(8 * 1024 * 1024))).json(), tooLarge);

  // A huge value of the wrong type is quoted back only in part.
  const wide = await send('/v2/notifications/email', `{"template_id":[${'0,'.repeat(1_000_000)}0],"email_address":"a@example.com"}`);
  assert.equal(wide.statusCode, 400);
  const [problem] = wide.json().errors as Array<{ error: string; message: string }>;
  assert.equal(problem?.error, 'ValidationError');
  assert.match(problem?.message ?? '', /^template_id \[0, 0, 0, .*\.\.\. is not of type string$/);
  assert.ok(wide.body.length < 2000, `the answer stays small: ${wide.body.length} bytes`);
});

test('attacker: a personalisation of too many keys is refused before any work per key; a version past any integer is no result, never a 500', async (t) => {
  const { app, kernel } = await createTestApp(t);
  const core = notifyCoreOf(kernel);
  const service = await createTestService(core);
  const personalisation = Object.fromEntries(Array.from({ length: 1_001 }, (_, index) => [`k${index}`, 'v']));
  // Signed after the body is built: a token is good for 30 seconds only.
  const authorization = await authorizationFor(service.keys.test);
  const crowded = await app.inject({
    method: 'POST',
    url: '/v2/notifications/email',
    headers: { authorization, 'content-type': 'application/json' },
    payload: JSON.stringify({ template_id: service.templates.email.id, email_address: 'a@example.com', personalisation }),
  });
  assert.equal(crowded.statusCode, 400);
  assert.deepEqual(crowded.json(), { status_code: 400, errors: [{ error: 'ValidationError', message: 'personalisation has more than 1000 keys' }] });

  for (const version of ['2147483648', '99999999999999999999']) {
    const response = await app.inject({ method: 'GET', url: `/v2/template/${service.templates.email.id}/version/${version}`, headers: { authorization } });
    assert.equal(response.statusCode, 404, version);
    assert.equal(response.json().errors[0].error, 'NoResultFound');
  }
});
