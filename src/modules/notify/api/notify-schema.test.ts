import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createTestApp } from '../../../testing/test-kernel.ts';
import { authorizationFor, createTestService } from '../fixtures/notify-fixtures.ts';
import { notifyCoreOf } from '../notify.core-cache.ts';
import { compileNotifySchema, orEmptyObject } from './notify-schema.ts';

test("a body Python reads as false is {} to Notify (request_json or {}), to the schema and the handler alike", () => {
  for (const falsy of [undefined, null, false, 0, '', []]) assert.deepEqual(orEmptyObject(falsy), {}, JSON.stringify(falsy));
  for (const kept of [{ a: 1 }, [0], true, 1, 'x']) assert.deepEqual(orEmptyObject(kept), kept);
  const validate = compileNotifySchema({ schema: { type: 'object' } });
  assert.deepEqual(validate(null), { value: {} }, 'the handler is given the value that was checked');
});

test('POST /v2/notifications/letter with the body null (found by the fuzz tests: it answered 500) is a 400 in Notify\'s words', async (t) => {
  const { app, kernel } = await createTestApp(t);
  const service = await createTestService(notifyCoreOf(kernel));
  const authorization = await authorizationFor(service.keys.live);
  const send = (url: string, payload: string) =>
    app.inject({ method: 'POST', url, headers: { authorization, 'content-type': 'application/json' }, payload });

  for (const payload of ['null', 'false', '0', '""', '[]']) {
    const letter = await send('/v2/notifications/letter', payload);
    assert.equal(letter.statusCode, 400, `${payload}: ${letter.body}`);
    assert.deepEqual(letter.json(), {
      status_code: 400,
      errors: [
        { error: 'ValidationError', message: 'template_id is a required property' },
        { error: 'ValidationError', message: 'personalisation is a required property' },
      ],
    });
    const email = await send('/v2/notifications/email', payload);
    assert.equal(email.statusCode, 400, `${payload}: ${email.body}`);
    assert.deepEqual(email.json().errors.map((entry: { message: string }) => entry.message), [
      'email_address is a required property',
      'template_id is a required property',
    ]);
    const preview = await send(`/v2/template/${service.templates.sms.id}/preview`, payload);
    assert.equal(preview.statusCode, 400, `${payload}: ${preview.body}`);
    assert.deepEqual(preview.json().errors, [{ error: 'BadRequestError', message: 'Missing personalisation: code' }]);
  }
  const truthy = await send('/v2/notifications/letter', 'true');
  assert.equal(truthy.statusCode, 400);
  assert.deepEqual(truthy.json(), { status_code: 400, errors: [{ error: 'ValidationError', message: 'True is not of type object' }] });
});

test('attacker: a body of very many unexpected properties names twenty of them, not every one', () => {
  const validate = compileNotifySchema({ schema: { type: 'object', properties: { template_id: { type: 'string' } }, additionalProperties: false } });
  const body = Object.fromEntries(Array.from({ length: 100_000 }, (_, index) => [`k${index}`, 1]));
  const { error } = validate(body) as unknown as { error: { errors: Array<{ message: string }> } };
  const [message] = error.errors.map((entry) => entry.message);
  assert.ok(message && message.length < 400, `${message?.length} characters`);
  assert.match(message ?? '', /^Additional properties are not allowed \(k0, k1, .*, k19 and 99980 more were unexpected\)$/);
  const two = validate({ a: 1, b: 2 }) as unknown as { error: { errors: Array<{ message: string }> } };
  assert.equal(two.error.errors[0]?.message, 'Additional properties are not allowed (a, b were unexpected)');
});

test('attacker: one error per item of a huge array, or a huge value quoted back, cannot make a huge answer', () => {
  const validate = compileNotifySchema({ schema: { type: 'object', properties: { sanitise_content_for: { type: 'array', items: { type: 'string' } }, reference: { type: 'string', maxLength: 1000 } } } });
  const items = validate({ sanitise_content_for: Array.from({ length: 1_000_000 }, (_, index) => index) }) as unknown as { error: { errors: Array<{ message: string }> } };
  assert.equal(items.error.errors.length, 20);
  const long = validate({ reference: 'r'.repeat(7_000_000) }) as unknown as { error: { errors: Array<{ message: string }> } };
  assert.ok((long.error.errors[0]?.message.length ?? 0) < 10_100, 'the value is quoted cut short');
});
