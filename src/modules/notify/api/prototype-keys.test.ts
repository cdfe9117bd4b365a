import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createTestApp } from '../../../testing/test-kernel.ts';
import { authorizationFor, createTestService } from '../fixtures/notify-fixtures.ts';
import { notifyCoreOf } from '../notify.core-cache.ts';

test('attacker: __proto__, constructor and toString are ordinary keys to Notify, never a prototype; Notify\'s schema names them as unexpected', async (t) => {
  const { app, kernel } = await createTestApp(t);
  const service = await createTestService(notifyCoreOf(kernel));
  const authorization = await authorizationFor(service.keys.test);
  const send = (payload: string) =>
    app.inject({ method: 'POST', url: '/v2/notifications/sms', headers: { authorization, 'content-type': 'application/json' }, payload });
  const start = `{"template_id":"${service.templates.sms.id}","phone_number":"07700900123","personalisation":{"code":"1"}`;
  for (const key of ['__proto__', '\\u005f_proto__', 'constructor', 'toString', 'hasOwnProperty']) {
    const response = await send(`${start},"${key}":{"prototype":{"polluted":true}}}`);
    assert.equal(response.statusCode, 400, key);
    const shown = key.replace('\\u005f', '_');
    assert.deepEqual(response.json().errors, [{ error: 'ValidationError', message: `Additional properties are not allowed (${shown} was unexpected)` }], key);
  }
  assert.equal(({} as Record<string, unknown>).polluted, undefined);

  // In personalisation: constructor and __proto__ are keys like any other, and fill a placeholder of that name.
  const withConstructor = await send(`{"template_id":"${service.templates.sms.id}","phone_number":"07700900123","personalisation":{"code":"1","constructor":{"prototype":1}}}`);
  assert.equal(withConstructor.statusCode, 201);
  const withProto = await send(`{"template_id":"${service.templates.sms.id}","phone_number":"07700900123","personalisation":{"code":"1","__proto__":{"code":"2"}}}`);
  assert.equal(withProto.statusCode, 201);
  assert.equal(withProto.json().content.body, 'Your code is 1.', 'the __proto__ key set no prototype that would give another code');
  const core = notifyCoreOf(kernel);
  const template = await core.templates.create({ serviceId: service.serviceId, type: 'email', name: 'Proto', subject: 'Hi', body: 'Value: ((__proto__))', createdBy: 'test@example.gov.uk', actor: 'operator:test' });
  const email = await app.inject({
    method: 'POST', url: '/v2/notifications/email', headers: { authorization, 'content-type': 'application/json' },
    payload: `{"template_id":"${template.id}","email_address":"a@example.com","personalisation":{"__proto__":"shown"},"sanitise_content_for":["__proto__"]}`,
  });
  assert.equal(email.statusCode, 201, email.body);
  assert.equal(email.json().content.body, 'Value: shown');
  assert.equal(({} as Record<string, unknown>).code, undefined);

  // A body with escapes or the word "proto" in a value keeps its numbers' texts.
  const escaped = await send(`{"template_id":"${service.templates.sms.id}","phone_number":"07700900123","personalisation":{"code":1.0,"note":"proto \\u00e9"}}`);
  assert.equal(escaped.statusCode, 201);
  assert.equal(escaped.json().content.body, 'Your code is 1.0.');
});
