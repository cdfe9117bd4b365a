import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createTestApp } from '../../../testing/test-kernel.ts';
import { authorizationFor, createTestService } from '../fixtures/notify-fixtures.ts';
import { notifyCoreOf } from '../notify.core-cache.ts';
import { canonicaliseUuid } from './notify-schema.ts';

/** The forms Python's uuid.UUID reads as the same id. */
function formsOf(id: string): string[] {
  const hex = id.replaceAll('-', '');
  return [id, id.toUpperCase(), hex, hex.toUpperCase(), `{${id}}`, `{${hex}}`, `urn:uuid:${id}`, `urn:uuid:${hex.toUpperCase()}`];
}

test('a UUID is read as Python reads one: without hyphens, in braces, with urn:uuid:, in any case', () => {
  const id = '4f1a9c3e-2b7d-4e8f-9a0b-1c2d3e4f5a6b';
  for (const form of formsOf(id)) assert.equal(canonicaliseUuid(form), id, form);
  for (const wrong of ['', 'x', id.slice(0, -1), `${id}0`, `urn:uuid:${id}0`, `${id.replaceAll('-', '').slice(0, 31)}g`, `[${id}]`]) {
    assert.equal(canonicaliseUuid(wrong), undefined, wrong);
  }
});

test('every form of an id finds the same template and notification; a form that is no UUID is refused as before', async (t) => {
  const { app, kernel } = await createTestApp(t);
  const service = await createTestService(notifyCoreOf(kernel));
  const authorization = await authorizationFor(service.keys.test);
  const templateId = service.templates.sms.id;
  let notificationId = '';
  for (const form of formsOf(templateId)) {
    const sent = await app.inject({
      method: 'POST',
      url: '/v2/notifications/sms',
      headers: { authorization, 'content-type': 'application/json' },
      payload: { template_id: form, phone_number: '07700900123', personalisation: { code: '1' } },
    });
    assert.equal(sent.statusCode, 201, `${form}: ${sent.body}`);
    assert.equal(sent.json().template.id, templateId, form);
    notificationId = sent.json().id as string;
    const template = await app.inject({ method: 'GET', url: `/v2/template/${encodeURIComponent(form)}`, headers: { authorization } });
    assert.equal(template.statusCode, 200, form);
    assert.equal(template.json().id, templateId);
  }
  for (const form of formsOf(notificationId)) {
    const found = await app.inject({ method: 'GET', url: `/v2/notifications/${encodeURIComponent(form)}`, headers: { authorization } });
    assert.equal(found.statusCode, 200, form);
    assert.equal(found.json().id, notificationId);
  }
  const listed = await app.inject({ method: 'GET', url: `/v2/notifications?older_than=${encodeURIComponent(`{${notificationId.toUpperCase()}}`)}`, headers: { authorization } });
  assert.equal(listed.statusCode, 200);

  const refused = await app.inject({
    method: 'POST',
    url: '/v2/notifications/sms',
    headers: { authorization, 'content-type': 'application/json' },
    payload: { template_id: `${templateId}0`, phone_number: '07700900123' },
  });
  assert.equal(refused.statusCode, 400);
  assert.deepEqual(refused.json().errors, [{ error: 'ValidationError', message: 'template_id is not a valid UUID' }]);
});
