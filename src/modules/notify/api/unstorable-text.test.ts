import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SignJWT } from 'jose';
import { createTestApp } from '../../../testing/test-kernel.ts';
import { createTestService } from '../fixtures/notify-fixtures.ts';
import { notifyCoreOf } from '../notify.core-cache.ts';
import { nameUnstorableField } from './api.plugin.ts';

async function authorizationFor(key: string): Promise<string> {
  const token = await new SignJWT({ iss: key.slice(-73, -37) })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setIssuedAt()
    .sign(new TextEncoder().encode(key.slice(-36)));
  return `Bearer ${token}`;
}

const refusal = (field: string) => ({
  status_code: 400,
  errors: [{ error: 'ValidationError', message: `${field} must not contain NUL characters or unpaired surrogates` }],
});

test("a field holding a NUL character or half a surrogate pair is refused in Notify's envelope, named as Notify names fields, and nothing is stored", async (t) => {
  const { app, kernel } = await createTestApp(t);
  const service = await createTestService(notifyCoreOf(kernel));
  const authorization = await authorizationFor(service.keys.live);
  // Written as JSON text: "\u0000" and a lone "\ud800" are valid JSON escapes that JSON.parse turns into the characters.
  const post = (url: string, json: string) =>
    app.inject({ method: 'POST', url, headers: { authorization, 'content-type': 'application/json' }, payload: json });
  const get = (url: string) => app.inject({ method: 'GET', url, headers: { authorization } });
  const email = service.templates.email.id;
  const personalisation = '"first name":"Ffion","reference number":"1","urgent":"no"';

  // The user's view first: the same requests without the bad characters are taken.
  const good = await post('/v2/notifications/email', `{"template_id":"${email}","email_address":"ffion@example.com","personalisation":{${personalisation}},"reference":"r-1"}`);
  assert.equal(good.statusCode, 201, good.body);
  const goodId = good.json().id as string;

  for (const bad of ['\\u0000', '\\ud800', '\\udfff', 'a\\u0000b', '\\udc00\\ud800']) {
    const posts: Array<[string, string, string]> = [
      ['/v2/notifications/email', `{"template_id":"${email}","email_address":"ffion${bad}@example.com","personalisation":{${personalisation}}}`, 'email_address'],
      ['/v2/notifications/email', `{"template_id":"${email}","email_address":"ffion@example.com","personalisation":{"first name":"Ff${bad}ion","reference number":"1","urgent":"no"}}`, 'personalisation'],
      ['/v2/notifications/email', `{"template_id":"${email}","email_address":"ffion@example.com","personalisation":{${personalisation},"extra${bad}":"x"}}`, 'personalisation'],
      ['/v2/notifications/email', `{"template_id":"${email}","email_address":"ffion@example.com","personalisation":{${personalisation}},"reference":"r${bad}"}`, 'reference'],
      ['/v2/notifications/email', `{"template_id":"${email}","email_address":"ffion@example.com","personalisation":{${personalisation}},"one_click_unsubscribe_url":"https://example.com/${bad}"}`, 'one_click_unsubscribe_url'],
      ['/v2/notifications/email', `{"template_id":"${email}","email_address":"ffion@example.com","personalisation":{${personalisation}},"sanitise_content_for":["first name${bad}"]}`, 'sanitise_content_for'],
      ['/v2/notifications/sms', `{"template_id":"${service.templates.sms.id}","phone_number":"07700900${bad}123","personalisation":{"code":"1"}}`, 'phone_number'],
      ['/v2/notifications/letter', `{"template_id":"${service.templates.letter.id}","personalisation":{"address_line_1":"A${bad}","address_line_2":"B","postcode":"SW1A 1AA","name":"A"}}`, 'personalisation'],
      ['/v2/notifications/letter', `{"reference":"r${bad}","content":"JVBERi0="}`, 'reference'],
      [`/v2/template/${email}/preview`, `{"personalisation":{"first name":"${bad}","reference number":"1","urgent":"no"}}`, 'personalisation'],
    ];
    for (const [url, json, field] of posts) {
      const response = await post(url, json);
      assert.equal(response.statusCode, 400, `${url} ${json}`);
      assert.deepEqual(response.json(), refusal(field), `${url} ${json}`);
    }
  }

  // A top-level key that is itself unstorable is named with JSON escapes, never echoed raw.
  const badKey = await post('/v2/notifications/email', `{"template_id":"${email}","email_address":"ffion@example.com","x\\u0000y":1}`);
  assert.deepEqual(badKey.json(), refusal('x\\u0000y'));

  // Query strings and path ids: NUL arrives percent-encoded.
  const gets: Array<[string, string]> = [
    ['/v2/notifications?reference=r%00', 'reference'],
    ['/v2/notifications?template_type=email%00', 'template_type'],
    ['/v2/notifications?older_than=%00', 'older_than'],
    ['/v2/notifications?status=delivered&status=%00', 'status'],
    ['/v2/notifications?x%00=1', 'x\\u0000'],
    ['/v2/notifications/%00', 'notification_id'],
    [`/v2/notifications/${goodId}%00/pdf`, 'notification_id'],
    ['/v2/template/%00', 'template_id'],
    [`/v2/template/${email}/version/1%00`, 'version'],
    ['/v2/templates?type=email%00', 'type'],
    ['/v2/received-text-messages?older_than=%00', 'older_than'],
  ];
  for (const [url, field] of gets) {
    const response = await get(url);
    assert.equal(response.statusCode, 400, url);
    assert.deepEqual(response.json(), refusal(field), url);
  }
  // Half a surrogate pair cannot be percent-encoded as UTF-8: such bytes are read as U+FFFD,
  // which can be stored, so the request is answered as any other.
  assert.equal((await get('/v2/notifications?reference=%ED%A0%80')).statusCode, 200);

  // Nothing but the good notification was stored.
  const listed = (await get('/v2/notifications')).json().notifications as Array<{ id: string }>;
  assert.deepEqual(listed.map((notification) => notification.id), [goodId]);
});

test('a field name is shown as Notify shows it: the top-level property, escaped when it cannot be stored', () => {
  assert.equal(nameUnstorableField('personalisation.first name'), 'personalisation');
  assert.equal(nameUnstorableField('sanitise_content_for[0]'), 'sanitise_content_for');
  assert.equal(nameUnstorableField('reference'), 'reference');
  assert.equal(nameUnstorableField('a\0b.c'), 'a\\u0000b');
  assert.equal(nameUnstorableField('\ud800'), '\\ud800');
});
