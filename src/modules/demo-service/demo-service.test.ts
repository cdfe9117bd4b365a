import assert from 'node:assert/strict';
import { test } from 'node:test';
import { loadConfig } from '../../platform/config/load-config.ts';
import { createTestApp } from '../../testing/test-kernel.ts';
import { createDemoSessions } from './sessions/demo-sessions.ts';

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

test('the demo service says in words how the person signed in, never the vector of trust, in English and Welsh', async (t) => {
  const { app, kernel } = await createTestApp(t);
  const sessions = createDemoSessions({ db: kernel.db });
  const cases: Array<[string, string, string]> = [
    ['Cl.Cm', 'Your password and a security code', 'Eich cyfrinair a chod diogelwch'],
    ['Cl', 'Your password only', 'Eich cyfrinair yn unig'],
  ];
  for (const [level, english, welsh] of cases) {
    const token = await sessions.start({ accountSubject: `subject-${level}`, email: 'ffion@example.com', idToken: 'id-token', level, authenticationMethods: ['pwd'] });
    for (const [lang, words] of [['en', english], ['cy', welsh]] as const) {
      const page = await app.inject({ method: 'GET', url: `/demo-service?lang=${lang}`, cookies: { demo_service_session: token } });
      assert.ok(page.body.includes(words), `${level} in ${lang}`);
      assert.doesNotMatch(page.body.replace(/<script[\s\S]*?<\/script>/g, ''), /\bCl(\.Cm)?\b/, `${level} in ${lang}: no vector of trust shown`);
    }
  }
});
