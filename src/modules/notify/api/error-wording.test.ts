import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SignJWT } from 'jose';
import { createTestApp } from '../../../testing/test-kernel.ts';
import { createTestService } from '../fixtures/notify-fixtures.ts';
import { notifyCoreOf } from '../notify.core-cache.ts';

/**
 * Issue 11, item 10: an API client never sees the framework's words. Every v2 route is sent wrong
 * types, missing and extra fields, and bad path and query parameters; no message may hold
 * Fastify's codes, a schema path or ajv's phrasing, and each known one is Notify's own.
 */

async function authorizationFor(key: string): Promise<string> {
  const token = await new SignJWT({ iss: key.slice(-73, -37) })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setIssuedAt()
    .sign(new TextEncoder().encode(key.slice(-36)));
  return `Bearer ${token}`;
}

/** What only a framework would write: its codes, its schema paths, ajv's "must ..." phrases. */
const FRAMEWORK_WORDING = [
  /FST_/,
  /\bbody\//,
  /querystring\//,
  /\bparams\//,
  /\bheaders\//,
  /must (be (string|number|integer|boolean|object|array|null|equal to|>=|<=|>|<)|have required property|NOT have|match (pattern|format)|be a valid)/,
  /instancePath|schemaPath|should (be|have|match)\b/,
];

type Probe = { name: string; method: 'GET' | 'POST'; url: string; body?: unknown; raw?: string; contentType?: string; expect?: { status: number; messages?: string[] } };

test("every v2 route, sent wrong types, missing and extra fields and bad path and query parameters, answers in Notify's envelope and words, never the framework's", async (t) => {
  const { app, kernel } = await createTestApp(t);
  const service = await createTestService(notifyCoreOf(kernel));
  const authorization = await authorizationFor(service.keys.live);
  const email = service.templates.email.id;
  const sms = service.templates.sms.id;
  const letter = service.templates.letter.id;
  const notificationId = '6ba0bd1b-6f4f-4b41-a1c8-1bfbfd7b7b52';

  const probes: Probe[] = [
    // POST /v2/notifications/email
    { name: 'email: no body', method: 'POST', url: '/v2/notifications/email', raw: '' },
    { name: 'email: empty object', method: 'POST', url: '/v2/notifications/email', body: {}, expect: { status: 400, messages: ['email_address is a required property', 'template_id is a required property'] } },
    { name: 'email: array body', method: 'POST', url: '/v2/notifications/email', body: [1, 2] },
    { name: 'email: string body', method: 'POST', url: '/v2/notifications/email', body: 'hello' },
    { name: 'email: number body', method: 'POST', url: '/v2/notifications/email', body: 5 },
    { name: 'email: template_id of the wrong type', method: 'POST', url: '/v2/notifications/email', body: { template_id: 5, email_address: 'a@example.com' } },
    { name: 'email: template_id not a uuid', method: 'POST', url: '/v2/notifications/email', body: { template_id: 'nope', email_address: 'a@example.com' }, expect: { status: 400, messages: ['template_id is not a valid UUID'] } },
    { name: 'email: reference a number', method: 'POST', url: '/v2/notifications/email', body: { template_id: email, email_address: 'a@example.com', reference: 5 }, expect: { status: 400, messages: ['reference 5 is not of type string'] } },
    { name: 'email: personalisation a string', method: 'POST', url: '/v2/notifications/email', body: { template_id: email, email_address: 'a@example.com', personalisation: 'x' } },
    { name: 'email: personalisation an array', method: 'POST', url: '/v2/notifications/email', body: { template_id: email, email_address: 'a@example.com', personalisation: ['x'] } },
    { name: 'email: email_address an object', method: 'POST', url: '/v2/notifications/email', body: { template_id: email, email_address: { a: 1 } } },
    { name: 'email: extra field', method: 'POST', url: '/v2/notifications/email', body: { template_id: email, email_address: 'a@example.com', colour: 'blue' } },
    { name: 'email: email_reply_to_id not a uuid', method: 'POST', url: '/v2/notifications/email', body: { template_id: email, email_address: 'a@example.com', email_reply_to_id: 'x' } },
    { name: 'email: sanitise_content_for a string', method: 'POST', url: '/v2/notifications/email', body: { template_id: email, email_address: 'a@example.com', sanitise_content_for: 'x' } },
    { name: 'email: one_click_unsubscribe_url not https', method: 'POST', url: '/v2/notifications/email', body: { template_id: email, email_address: 'a@example.com', one_click_unsubscribe_url: 'http://x' } },
    { name: 'email: one_click_unsubscribe_url too long', method: 'POST', url: '/v2/notifications/email', body: { template_id: email, email_address: 'a@example.com', one_click_unsubscribe_url: `https://example.com/${'a'.repeat(2100)}` } },
    { name: 'email: invalid JSON', method: 'POST', url: '/v2/notifications/email', raw: '{"template_id":', expect: { status: 400, messages: ['Invalid JSON supplied in POST data'] } },
    // Notify reads any body as JSON, whatever its Content-Type (get_json(force=True)).
    { name: 'email: form-encoded', method: 'POST', url: '/v2/notifications/email', raw: 'a=b', contentType: 'application/x-www-form-urlencoded', expect: { status: 400, messages: ['Invalid JSON supplied in POST data'] } },
    { name: 'email: JSON sent as text/plain', method: 'POST', url: '/v2/notifications/email', raw: '{}', contentType: 'text/plain', expect: { status: 400, messages: ['email_address is a required property', 'template_id is a required property'] } },
    { name: 'email: JSON with no Content-Type', method: 'POST', url: '/v2/notifications/email', raw: '{}', contentType: '', expect: { status: 400, messages: ['email_address is a required property', 'template_id is a required property'] } },
    { name: 'email: multipart', method: 'POST', url: '/v2/notifications/email', raw: '--x\r\n\r\n--x--', contentType: 'multipart/form-data; boundary=x', expect: { status: 400, messages: ['Invalid JSON supplied in POST data'] } },
    { name: 'email: query string', method: 'POST', url: '/v2/notifications/email?x=1&x=2', body: {} },
    // POST /v2/notifications/sms
    { name: 'sms: empty object', method: 'POST', url: '/v2/notifications/sms', body: {}, expect: { status: 400, messages: ['phone_number is a required property', 'template_id is a required property'] } },
    { name: 'sms: phone_number a number', method: 'POST', url: '/v2/notifications/sms', body: { template_id: sms, phone_number: 7700900123 } },
    { name: 'sms: personalisation a number', method: 'POST', url: '/v2/notifications/sms', body: { template_id: sms, phone_number: '07700900123', personalisation: 5 } },
    { name: 'sms: sms_sender_id not a uuid', method: 'POST', url: '/v2/notifications/sms', body: { template_id: sms, phone_number: '07700900123', sms_sender_id: 'x' } },
    { name: 'sms: extra field', method: 'POST', url: '/v2/notifications/sms', body: { template_id: sms, phone_number: '07700900123', extra: true } },
    // POST /v2/notifications/letter
    { name: 'letter: empty object', method: 'POST', url: '/v2/notifications/letter', body: {} },
    { name: 'letter: personalisation missing', method: 'POST', url: '/v2/notifications/letter', body: { template_id: letter } },
    { name: 'letter: personalisation an array', method: 'POST', url: '/v2/notifications/letter', body: { template_id: letter, personalisation: [] } },
    { name: 'letter: template_id a boolean', method: 'POST', url: '/v2/notifications/letter', body: { template_id: true, personalisation: {} } },
    { name: 'letter: precompiled content a number', method: 'POST', url: '/v2/notifications/letter', body: { reference: 'r', content: 5 } },
    { name: 'letter: precompiled without reference', method: 'POST', url: '/v2/notifications/letter', body: { content: 'JVBERi0=' } },
    { name: 'letter: extra field', method: 'POST', url: '/v2/notifications/letter', body: { template_id: letter, personalisation: { address_line_1: 'A', address_line_2: 'B', postcode: 'SW1A 1AA' }, extra: 1 } },
    { name: 'letter: postage a number', method: 'POST', url: '/v2/notifications/letter', body: { reference: 'r', content: 'JVBERi0=', postage: 1 } },
    // GET /v2/notifications/:id and its PDF
    { name: 'notification: id not a uuid', method: 'GET', url: '/v2/notifications/nope' },
    { name: 'notification: id too long', method: 'GET', url: `/v2/notifications/${'a'.repeat(300)}` },
    { name: 'notification: unknown id', method: 'GET', url: `/v2/notifications/${notificationId}` },
    { name: 'notification pdf: id not a uuid', method: 'GET', url: '/v2/notifications/nope/pdf' },
    // GET /v2/notifications
    { name: 'notifications: template_type unknown', method: 'GET', url: '/v2/notifications?template_type=fax' },
    { name: 'notifications: status unknown', method: 'GET', url: '/v2/notifications?status=lost' },
    { name: 'notifications: older_than not a uuid', method: 'GET', url: '/v2/notifications?older_than=yesterday' },
    { name: 'notifications: unknown parameter', method: 'GET', url: '/v2/notifications?colour=blue' },
    { name: 'notifications: template_type twice', method: 'GET', url: '/v2/notifications?template_type=sms&template_type=email' },
    { name: 'notifications: reference too long', method: 'GET', url: `/v2/notifications?reference=${'r'.repeat(5000)}` },
    // GET /v2/template/:id, /v2/template/:id/version/:version, /v2/templates, POST preview
    { name: 'template: id not a uuid', method: 'GET', url: '/v2/template/nope' },
    { name: 'template: unknown id', method: 'GET', url: `/v2/template/${notificationId}` },
    { name: 'template version: not a number', method: 'GET', url: `/v2/template/${email}/version/x` },
    { name: 'template version: zero', method: 'GET', url: `/v2/template/${email}/version/0` },
    { name: 'template version: negative', method: 'GET', url: `/v2/template/${email}/version/-1` },
    { name: 'template version: huge', method: 'GET', url: `/v2/template/${email}/version/99999999999999999999` },
    { name: 'templates: type unknown', method: 'GET', url: '/v2/templates?type=fax' },
    { name: 'templates: unknown parameter', method: 'GET', url: '/v2/templates?colour=blue' },
    { name: 'preview: id not a uuid', method: 'POST', url: '/v2/template/nope/preview', body: {} },
    { name: 'preview: personalisation a string', method: 'POST', url: `/v2/template/${email}/preview`, body: { personalisation: 'x' } },
    { name: 'preview: extra field', method: 'POST', url: `/v2/template/${email}/preview`, body: { personalisation: {}, extra: 1 } },
    { name: 'preview: array body', method: 'POST', url: `/v2/template/${email}/preview`, body: [1] },
    // GET /v2/received-text-messages
    { name: 'received texts: older_than not a uuid', method: 'GET', url: '/v2/received-text-messages?older_than=x' },
    { name: 'received texts: unknown parameter', method: 'GET', url: '/v2/received-text-messages?colour=blue' },
  ];

  const seen: string[] = [];
  for (const probe of probes) {
    const response = await app.inject({
      method: probe.method,
      url: probe.url,
      headers: { authorization, ...(probe.method === 'POST' && probe.contentType !== '' ? { 'content-type': probe.contentType ?? 'application/json' } : {}) },
      ...(probe.method === 'POST' ? { payload: probe.raw ?? JSON.stringify(probe.body) } : {}),
    });
    assert.ok(response.statusCode < 500, `${probe.name}: ${response.statusCode} ${response.body.slice(0, 200)}`);
    const envelope = response.json() as { status_code?: number; errors?: Array<{ error: string; message: string }>; result?: string; message?: string };
    const messages = envelope.errors?.map((error) => error.message) ?? (envelope.message ? [envelope.message] : []);
    if (response.statusCode >= 400) {
      assert.ok(messages.length > 0, `${probe.name}: an error says what is wrong (${response.body.slice(0, 200)})`);
      if (envelope.errors) assert.equal(envelope.status_code, response.statusCode, `${probe.name}: Notify's envelope`);
    }
    for (const message of messages) {
      for (const pattern of FRAMEWORK_WORDING) assert.doesNotMatch(message, pattern, `${probe.name}: ${message}`);
      assert.ok(message.length <= 2000, `${probe.name}: a message never echoes a huge value`);
    }
    if (probe.expect) {
      assert.equal(response.statusCode, probe.expect.status, probe.name);
      if (probe.expect.messages) assert.deepEqual([...messages].sort(), [...probe.expect.messages].sort(), probe.name);
    }
    seen.push(`${probe.name} -> ${response.statusCode} ${JSON.stringify(messages)}`);
  }
  if (process.env.SHOW_PROBES) console.log(seen.join('\n'));
});
