import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createTestApp } from '../../../testing/test-kernel.ts';
import { authorizationFor, createTestService } from '../fixtures/notify-fixtures.ts';
import { notifyCoreOf } from '../notify.core-cache.ts';
import { formatAsPythonFloat, formatAsPythonNumber } from './personalisation-numbers.ts';

test("floats are written as Python's repr writes them", () => {
  const cases: Array<[number, string]> = [
    [1, '1.0'],
    [-1, '-1.0'],
    [0, '0.0'],
    [-0, '-0.0'],
    [0.5, '0.5'],
    [0.1 + 0.2, '0.30000000000000004'],
    [1e16, '1e+16'],
    [1.5e16, '1.5e+16'],
    [1e15, '1000000000000000.0'],
    [123456789012345.6, '123456789012345.6'],
    [1e-7, '1e-07'],
    [0.0001, '0.0001'],
    [0.00001, '1e-05'],
    [1.25e-300, '1.25e-300'],
    [5e-324, '5e-324'],
    [1.7976931348623157e308, '1.7976931348623157e+308'],
    [Infinity, 'inf'],
    [-Infinity, '-inf'],
  ];
  for (const [value, expected] of cases) assert.equal(formatAsPythonFloat(value), expected, String(value));
  assert.equal(formatAsPythonNumber('12345678901234567890', 12345678901234567890), '12345678901234567890');
  assert.equal(formatAsPythonNumber('-0', -0), '0');
  assert.equal(formatAsPythonNumber('1E2', 100), '100.0');
});

test('personalisation numbers fill placeholders as Notify fills them: integers exact, floats as Python writes them, in objects and lists too', async (t) => {
  const { app, kernel } = await createTestApp(t);
  const core = notifyCoreOf(kernel);
  const service = await createTestService(core);
  const list = await core.templates.create({
    serviceId: service.serviceId,
    type: 'sms',
    name: 'Numbers',
    createdBy: 'test@example.gov.uk',
    actor: 'operator:test',
    body: '((items)) ((shown??yes))((hidden??no))',
  });
  const authorization = await authorizationFor(service.keys.test);
  const sendSms = (templateId: string, personalisation: string) =>
    app.inject({
      method: 'POST',
      url: '/v2/notifications/sms',
      headers: { authorization, 'content-type': 'application/json' },
      payload: `{"template_id":"${templateId}","phone_number":"07700900123","personalisation":${personalisation}}`,
    });

  const cases: Array<[string, string]> = [
    ['12345678901234567890', '12345678901234567890'],
    ['9007199254740993', '9007199254740993'],
    ['-12345678901234567890123', '-12345678901234567890123'],
    ['1.0', '1.0'],
    ['1e400', 'inf'],
    ['-1e400', '-inf'],
    ['1e16', '1e+16'],
    ['1E-7', '1e-07'],
    ['100.50', '100.5'],
    ['42', '42'],
    ['-0', '0'],
    ['-0.0', '-0.0'],
    ['0.1', '0.1'],
  ];
  for (const [sent, shown] of cases) {
    const response = await sendSms(service.templates.sms.id, `{"code":${sent}}`);
    assert.equal(response.statusCode, 201, sent);
    assert.equal(response.json().content.body, `Your code is ${shown}.`, sent);
  }

  // List items are each written the same way; a conditional reads the written text (1.0 is not "1").
  const listed = await sendSms(list.id, '{"items":[1.0, 12345678901234567890, "x"],"shown":1,"hidden":1.0}');
  assert.equal(listed.statusCode, 201);
  assert.equal(listed.json().content.body, '1.0, 12345678901234567890 and x yes');

  // Objects, and objects and lists in a list, as Python's str() writes them, numbers as sent.
  const nested: Array<[string, string]> = [
    ['{"a": 1, "b": 1.0, "c": [true, null], "d": "it\'s"}', `{'a': 1, 'b': 1.0, 'c': [True, None], 'd': "it's"}`],
    ['[{"a": 12345678901234567890}, ["x", "y"], "z"]', "{'a': 12345678901234567890}, ['x', 'y'] and z"],
    ['[[], {}]', '[] and {}'],
    ['{"__proto__": {"polluted": true}}', "{'__proto__': {'polluted': True}}"],
  ];
  for (const [sent, shown] of nested) {
    const response = await sendSms(service.templates.sms.id, `{"code":${sent}}`);
    assert.equal(response.statusCode, 201, sent);
    assert.equal(response.json().content.body, `Your code is ${shown}.`, sent);
  }
  assert.equal(({} as Record<string, unknown>).polluted, undefined);
  // Attacker: escaping multiplies text (a control character becomes four); the length limit still holds.
  const controls = await sendSms(service.templates.sms.id, `{"code":{"a":"${'\\u0001'.repeat(300)}"}}`);
  assert.equal(controls.statusCode, 400);
  assert.match(controls.json().errors[0].message, /^Your message is too long\. Text messages cannot be longer than 918 characters\. Your message is 1\d{3} characters long\.$/);

  // The preview fills the same way.
  const preview = await app.inject({
    method: 'POST',
    url: `/v2/template/${service.templates.sms.id}/preview`,
    headers: { authorization, 'content-type': 'application/json' },
    payload: '{"personalisation":{"code":12345678901234567890}}',
  });
  assert.equal(preview.statusCode, 200);
  assert.equal(preview.json().body, 'Your code is 12345678901234567890.');
});

test('attacker: numbers elsewhere are validated as before, and an integer Python cannot read is invalid JSON', async (t) => {
  const { app, kernel } = await createTestApp(t);
  const service = await createTestService(notifyCoreOf(kernel));
  const authorization = await authorizationFor(service.keys.test);
  const send = (payload: string) =>
    app.inject({ method: 'POST', url: '/v2/notifications/sms', headers: { authorization, 'content-type': 'application/json' }, payload });

  const wrongType = await send(`{"template_id":"${service.templates.sms.id}","phone_number":12345678901234567890}`);
  assert.equal(wrongType.statusCode, 400);
  assert.deepEqual(wrongType.json().errors, [{ error: 'ValidationError', message: 'phone_number 12345678901234567000 is not of type string' }]);
  const reference = await send(`{"template_id":"${service.templates.sms.id}","phone_number":"07700900123","reference":1.0}`);
  assert.deepEqual(reference.json().errors, [{ error: 'ValidationError', message: 'reference 1 is not of type string' }]);

  const huge = await send(`{"template_id":"${service.templates.sms.id}","phone_number":"07700900123","personalisation":{"code":${'9'.repeat(4301)}}}`);
  assert.equal(huge.statusCode, 400);
  assert.deepEqual(huge.json(), { status_code: 400, errors: [{ error: 'BadRequestError', message: 'Invalid JSON supplied in POST data' }] });
  const longest = await send(`{"template_id":"${service.templates.sms.id}","phone_number":"07700900123","personalisation":{"code":${'9'.repeat(4300)}}}`);
  assert.equal(longest.statusCode, 400, 'read, then refused only as a text message too long');
  assert.match(longest.json().errors[0].message, /Text messages cannot be longer than/);

  // A million numbers are read without remembering any text (each writes itself back exactly).
  const many = await send(`{"template_id":"${service.templates.sms.id}","phone_number":"07700900123","personalisation":{"code":[${'7,'.repeat(1_000_000)}7]}}`);
  assert.notEqual(many.statusCode, 500);
});
