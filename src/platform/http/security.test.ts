import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import type { CivitasModule } from '../module.ts';
import { createTestApp } from '../../testing/test-kernel.ts';
import { apiSecurityHeaders, JSON_API_ROUTE_CONFIG } from './security.ts';

/** A page with a form, and an API route that opts out of CSRF as bearer-token APIs do. */
const formModule: CivitasModule = {
  name: 'form-fixture',
  async plugin(app: FastifyInstance) {
    app.get('/fixture/form', async (request, reply) =>
      reply.type('text/html').send(`<input name="_csrf" value="${reply.generateCsrf()}">`),
    );
    app.post('/fixture/form', async () => ({ saved: true }));
    app.get('/fixture/cookies', async (_request, reply) =>
      reply.setCookie('fixture_plain', 'value', { path: '/fixture' }).clearCookie('fixture_cleared', { path: '/fixture' }).send('ok'),
    );
    app.post('/fixture/api', { config: { csrf: false } }, async () => ({ accepted: true }));
    app.register(async (api) => {
      api.addHook('onRoute', (route) => {
        route.config = { ...route.config, ...JSON_API_ROUTE_CONFIG };
      });
      api.addHook('onRequest', async (_request, reply) => {
        reply.headers(apiSecurityHeaders({ BASE_URL: 'https://civitas.example.gov.uk' }));
      });
      api.get('/fixture/json-api', async () => ({ ok: true }));
    });
  },
};

function cookieHeader(setCookie: string | string[] | undefined): string {
  return [setCookie ?? []].flat().map((cookie) => cookie.split(';')[0]).join('; ');
}

test('pages carry a nonce-only Content-Security-Policy and strict security headers', async (t) => {
  const { app } = await createTestApp(t);
  const response = await app.inject({ method: 'GET', url: '/' });
  const policy = response.headers['content-security-policy'] as string;
  const nonce = /script-src 'self' 'nonce-([^']+)'/.exec(policy)?.[1];
  assert.ok(nonce, `script-src has a nonce: ${policy}`);
  assert.doesNotMatch(policy, /unsafe-inline|unsafe-eval/);
  assert.match(policy, /frame-ancestors 'none'/);
  assert.match(policy, /object-src 'none'/);
  // Every inline script on the page carries this response's nonce, and no other.
  const inlineScripts = [...response.body.matchAll(/<script(?![^>]*\bsrc=)([^>]*)>/g)];
  assert.ok(inlineScripts.length > 0);
  for (const [, attributes] of inlineScripts) assert.match(attributes as string, new RegExp(`nonce="${nonce}"`));
  assert.equal(response.headers['referrer-policy'], 'no-referrer');
  assert.equal(response.headers['x-frame-options'], 'DENY');
  assert.equal(response.headers['x-content-type-options'], 'nosniff');
  assert.equal(response.headers['strict-transport-security'], undefined, 'no HSTS over http');
  assert.equal(response.headers['cross-origin-opener-policy'], 'same-origin');
  assert.equal(response.headers['cross-origin-resource-policy'], 'same-origin');
  assert.equal(response.headers['origin-agent-cluster'], '?1');
  assert.equal(response.headers['x-dns-prefetch-control'], 'off');
  assert.equal(response.headers['x-download-options'], 'noopen');
  assert.equal(response.headers['x-permitted-cross-domain-policies'], 'none');
  assert.equal(response.headers['x-xss-protection'], '0');

  const again = await app.inject({ method: 'GET', url: '/' });
  assert.notEqual(again.headers['content-security-policy'], policy, 'a fresh nonce per response');
});

test('HSTS and secure cookies when BASE_URL is https', async (t) => {
  const { app } = await createTestApp(t, {
    environment: { BASE_URL: 'https://civitas.example.gov.uk' },
    modules: [formModule],
  });
  const response = await app.inject({ method: 'GET', url: '/fixture/form?lang=cy' });
  assert.match(response.headers['strict-transport-security'] as string, /max-age=31536000/);
  const cookies = [response.headers['set-cookie'] ?? []].flat();
  assert.ok(cookies.length >= 2);
  for (const cookie of cookies) {
    assert.match(cookie, /; Secure/);
    assert.match(cookie, /; HttpOnly/);
    assert.match(cookie, /; SameSite=Lax/);
  }
  assert.ok(cookies.some((cookie) => cookie.startsWith('__Host-civitas_csrf=')));

  const setByModule = [(await app.inject({ method: 'GET', url: '/fixture/cookies' })).headers['set-cookie'] ?? []].flat();
  assert.equal(setByModule.length, 2);
  for (const cookie of setByModule) assert.match(cookie, /; Secure/, `a cookie a module sets or clears without saying: ${cookie}`);
});

test('a form post needs the CSRF token from the page that showed the form', async (t) => {
  const { app } = await createTestApp(t, { modules: [formModule] });

  const withoutAnything = await app.inject({
    method: 'POST',
    url: '/fixture/form',
    headers: { accept: 'text/html' },
    payload: { name: 'x' },
  });
  assert.equal(withoutAnything.statusCode, 403);
  assert.match(withoutAnything.body, /Sorry, this form has expired/);

  const form = await app.inject({ method: 'GET', url: '/fixture/form' });
  const token = /value="([^"]+)"/.exec(form.body)?.[1] as string;
  const cookie = cookieHeader(form.headers['set-cookie']);

  const wrongToken = await app.inject({
    method: 'POST',
    url: '/fixture/form',
    headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' },
    payload: `_csrf=${encodeURIComponent(`${token}x`)}`,
  });
  assert.equal(wrongToken.statusCode, 403);

  const tokenWithoutCookie = await app.inject({
    method: 'POST',
    url: '/fixture/form',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    payload: `_csrf=${encodeURIComponent(token)}`,
  });
  assert.equal(tokenWithoutCookie.statusCode, 403);

  const valid = await app.inject({
    method: 'POST',
    url: '/fixture/form',
    headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' },
    payload: `_csrf=${encodeURIComponent(token)}`,
  });
  assert.equal(valid.statusCode, 200);
  assert.deepEqual(valid.json(), { saved: true });
});

test('routes that opt out of CSRF (bearer-token APIs) accept posts without a token', async (t) => {
  const { app } = await createTestApp(t, { modules: [formModule] });
  const response = await app.inject({ method: 'POST', url: '/fixture/api', payload: { a: 1 } });
  assert.equal(response.statusCode, 200);
  assert.deepEqual(response.json(), { accepted: true });
});

test('JSON API routes send their fixed headers instead of the pages\' ones, and make no nonces', async (t) => {
  const { app } = await createTestApp(t, { modules: [formModule] });
  const response = await app.inject({ method: 'GET', url: '/fixture/json-api' });
  assert.equal(response.statusCode, 200);
  assert.equal(response.headers['content-security-policy'], "default-src 'none'; frame-ancestors 'none'");
  assert.equal(response.headers['x-content-type-options'], 'nosniff');
  assert.equal(response.headers['x-frame-options'], 'DENY');
  assert.equal(response.headers['referrer-policy'], 'no-referrer');
  assert.equal(response.headers['cache-control'], 'no-store');
  assert.match(response.headers['strict-transport-security'] as string, /max-age=31536000/);
  assert.equal(response.headers['cross-origin-opener-policy'], undefined, 'none of the pages\' headers');
  assert.ok(response.headers['x-request-id'], 'the request id all the same');
});
