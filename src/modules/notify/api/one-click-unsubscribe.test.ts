import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SignJWT } from 'jose';
import { createTestApp } from '../../../testing/test-kernel.ts';
import { createTestService } from '../fixtures/notify-fixtures.ts';
import { notifyCoreOf } from '../notify.core-cache.ts';
import { HTTPS_URL_MAX_LENGTH } from './notify-schema.ts';

async function authorizationFor(key: string): Promise<string> {
  const token = await new SignJWT({ iss: key.slice(-73, -37) })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setIssuedAt()
    .sign(new TextEncoder().encode(key.slice(-36)));
  return `Bearer ${token}`;
}

test("one_click_unsubscribe_url: an https URL as RFC 3986 writes one, at most 2,000 characters, else refused in Notify's envelope and nothing stored", async (t) => {
  const { app, kernel } = await createTestApp(t);
  const service = await createTestService(notifyCoreOf(kernel));
  const authorization = await authorizationFor(service.keys.live);
  const send = (url: unknown) =>
    app.inject({
      method: 'POST',
      url: '/v2/notifications/email',
      headers: { authorization, 'content-type': 'application/json' },
      payload: {
        template_id: service.templates.email.id,
        email_address: 'ffion@example.com',
        personalisation: { 'first name': 'Ffion', 'reference number': '1', urgent: 'no' },
        one_click_unsubscribe_url: url,
      },
    });

  const accepted = [
    'https://service.example.gov.uk/unsubscribe',
    'https://service.example.gov.uk/unsubscribe?id=a%20b&token=x~y_z.1-2#top',
    "https://user@example.com:8443/a/(b)/c;d=e,f!$'*+",
    `https://example.com/${'a'.repeat(HTTPS_URL_MAX_LENGTH - 'https://example.com/'.length)}`,
  ];
  for (const url of accepted) {
    const response = await send(url);
    assert.equal(response.statusCode, 201, `${url}: ${response.body}`);
    assert.equal(response.json().content.one_click_unsubscribe_url, url);
  }

  const invalid = { status_code: 400, errors: [{ error: 'ValidationError', message: 'one_click_unsubscribe_url is not a valid https url' }] };
  const refused = [
    'http://example.com/unsubscribe',
    'https:example.com/unsubscribe',
    'https:///path',
    'javascript:alert(1)',
    'https://example.com/a b',
    'https://example.com/a\tb',
    'https://example.com/a\r\nBcc: victim@example.com',
    'https://example.com/\u0007',
    'https://example.com/\u007f',
    'https://example.com/><script>alert(1)</script>',
    'https://example.com/"quoted"',
    'https://example.com/{x}|^`\\',
    'https://example.com/caf\u00e9',
    'https://example.com/%zz',
    'https://example.com/%',
    '',
  ];
  for (const url of refused) {
    const response = await send(url);
    assert.equal(response.statusCode, 400, JSON.stringify(url));
    assert.deepEqual(response.json(), invalid, JSON.stringify(url));
  }

  const tooLong = { status_code: 400, errors: [{ error: 'ValidationError', message: `one_click_unsubscribe_url must be ${HTTPS_URL_MAX_LENGTH} characters or fewer` }] };
  for (const url of [`https://example.com/${'a'.repeat(HTTPS_URL_MAX_LENGTH)}`, `https://example.com/${'a'.repeat(3 * 1024 * 1024)}`]) {
    const response = await send(url);
    assert.equal(response.statusCode, 400);
    assert.deepEqual(response.json(), tooLong);
    assert.ok(response.body.length < 500, 'the value is not quoted back');
  }
  assert.equal((await send(42)).json().errors[0].message, 'one_click_unsubscribe_url 42 is not of type string');

  const listed = (await app.inject({ method: 'GET', url: '/v2/notifications', headers: { authorization } })).json().notifications as unknown[];
  assert.equal(listed.length, accepted.length);
});
