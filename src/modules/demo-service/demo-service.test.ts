import assert from 'node:assert/strict';
import { createServer } from 'node:net';
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

test('signing out of the demo service takes its form with the CSRF token: a planted link or a cross-site post ends nothing', async (t) => {
  // Listening at its BASE_URL: the sign-out reads One Login's discovery document from there.
  const port = await freePort();
  const { app, kernel } = await createTestApp(t, { environment: { BASE_URL: `http://127.0.0.1:${port}`, PORT: String(port) } });
  await app.listen({ port, host: '127.0.0.1' });
  const sessions = createDemoSessions({ db: kernel.db });
  const token = await sessions.start({ accountSubject: 'subject-1', email: 'ffion@example.com', idToken: 'id-token', level: 'Cl.Cm', authenticationMethods: ['pwd'] });
  const session = { demo_service_session: token };
  const signedIn = async () => (await app.inject({ method: 'GET', url: '/demo-service', cookies: session })).body.includes('ffion@example.com');

  const page = await app.inject({ method: 'GET', url: '/demo-service', cookies: session });
  assert.match(page.body, /<form method="post" action="\/demo-service\/sign-out"/);
  assert.doesNotMatch(page.body, /href="\/demo-service\/sign-out"/, 'no link signs out');
  const link = await app.inject({ method: 'GET', url: '/demo-service/sign-out', cookies: session });
  assert.equal(link.headers.location, '/demo-service');
  const forged = await app.inject({ method: 'POST', url: '/demo-service/sign-out', cookies: session, payload: {} });
  assert.equal(forged.statusCode, 403, 'a post without the token is refused');
  assert.ok(await signedIn(), 'the link and the forged post ended nothing');

  const csrf = /name="_csrf" value="([^"]+)"/.exec(page.body)?.[1] as string;
  const csrfCookies = Object.fromEntries(page.cookies.map((cookie) => [cookie.name, cookie.value]));
  const signOut = await app.inject({ method: 'POST', url: '/demo-service/sign-out', cookies: { ...session, ...csrfCookies }, payload: { _csrf: csrf } });
  assert.equal(signOut.statusCode, 303);
  assert.match(String(signOut.headers.location), /\/logout\?/, 'on to One Login to end its session too');
  assert.equal(await signedIn(), false, 'the session has ended');
});

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
    server.on('error', reject);
  });
}
