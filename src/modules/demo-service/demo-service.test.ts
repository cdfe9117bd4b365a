import assert from 'node:assert/strict';
import { test } from 'node:test';
import { loadConfig } from '../../platform/config/load-config.ts';
import { createTestApp } from '../../testing/test-kernel.ts';

test('the demo service runs unless DEMO_SERVICE=false, and is off by default in production', async (t) => {
  const on = await createTestApp(t);
  const page = await on.app.inject({ method: 'GET', url: '/demo-service' });
  assert.equal(page.statusCode, 200);
  assert.match(page.body, /Apply for a fishing licence/);

  const off = await createTestApp(t, { environment: { DEMO_SERVICE: 'false' } });
  assert.equal((await off.app.inject({ method: 'GET', url: '/demo-service', headers: { accept: 'text/html' } })).statusCode, 404);

  const production = loadConfig({
    NODE_ENV: 'production',
    BASE_URL: 'https://civitas.example.gov.uk',
    COOKIE_SECRET: 'a-production-cookie-secret-of-enough-length',
    ENCRYPTION_KEY: 'a-production-encryption-key-of-enough-length',
    SMTP_URL: 'smtps://mail.example.gov.uk',
    MAIL_FROM: 'Civitas <no-reply@example.gov.uk>',
  });
  assert.equal(production.config.DEMO_SERVICE, false);
});

test("the demo service's page is the first of its journey: no back link, in either language", async (t) => {
  const { app } = await createTestApp(t);
  for (const lang of ['en', 'cy']) {
    const page = await app.inject({ method: 'GET', url: `/demo-service?lang=${lang}` });
    assert.equal(page.statusCode, 200);
    assert.ok(!page.body.includes('govuk-back-link'), lang);
  }
});
