import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import { test, type TestContext } from 'node:test';
import { SignJWT } from 'jose';
import { createTestApp } from '../../../testing/test-kernel.ts';
import { createTestAccount, registerTestClient, type TestAccount, type TestRelyingParty } from '../testing/identity-test-kit.ts';

const PUBLIC_ORIGIN = 'https://civitas.example.gov.uk';

const PRODUCTION = {
  NODE_ENV: 'production',
  BASE_URL: PUBLIC_ORIGIN,
  COOKIE_SECRET: 'a-production-cookie-secret-of-enough-length',
  ENCRYPTION_KEY: 'a-production-encryption-key-of-enough-length',
  SMTP_URL: 'smtps://mail.example.gov.uk',
  MAIL_FROM: 'Civitas <no-reply@example.gov.uk>',
};

type ProxiedResponse = { status: number; location?: string; setCookies: string[]; body: string };

/**
 * A browser behind a load balancer that ends TLS: it asks for https://civitas.example.gov.uk/...,
 * and the app receives plain HTTP with the public Host header, and X-Forwarded-Proto only when
 * the load balancer sends it. Keeps cookies as a browser would, and every Set-Cookie it was sent.
 */
function createBrowserBehindTlsProxy(app: { port: number }, proxy: { forwardedProto?: string; host?: string }) {
  const cookies = new Map<string, string>();
  const setCookies: string[] = [];

  function send(path: string, init: { method?: string; form?: Record<string, string> } = {}): Promise<ProxiedResponse> {
    const body = init.form ? new URLSearchParams(init.form).toString() : undefined;
    const headers: Record<string, string> = {
      host: proxy.host ?? new URL(PUBLIC_ORIGIN).host,
      accept: 'text/html',
      'x-forwarded-for': '203.0.113.7',
      ...(proxy.forwardedProto ? { 'x-forwarded-proto': proxy.forwardedProto } : {}),
      ...(cookies.size ? { cookie: [...cookies].map(([name, value]) => `${name}=${value}`).join('; ') } : {}),
      ...(body ? { 'content-type': 'application/x-www-form-urlencoded', 'content-length': String(Buffer.byteLength(body)) } : {}),
    };
    return new Promise((resolve, reject) => {
      const outgoing = httpRequest({ host: '127.0.0.1', port: app.port, path, method: init.method ?? 'GET', headers }, (response) => {
        let text = '';
        response.setEncoding('utf8');
        response.on('data', (chunk: string) => (text += chunk));
        response.on('end', () => {
          const sent = response.headers['set-cookie'] ?? [];
          setCookies.push(...sent);
          for (const cookie of sent) {
            const [pair = ''] = cookie.split(';');
            const [name = '', ...value] = pair.split('=');
            if (/max-age=0|expires=thu, 01 jan 1970/i.test(cookie)) cookies.delete(name.trim());
            else cookies.set(name.trim(), value.join('='));
          }
          resolve({ status: response.statusCode ?? 0, location: response.headers.location, setCookies: sent, body: text });
        });
      });
      outgoing.on('error', reject);
      outgoing.end(body);
    });
  }

  /** Follows redirects on this site; returns the last page, or the first address elsewhere. */
  async function follow(path: string, init: { method?: string; form?: Record<string, string> } = {}) {
    let current = new URL(path, PUBLIC_ORIGIN);
    let response = await send(`${current.pathname}${current.search}`, init);
    while (response.location) {
      current = new URL(response.location, current);
      if (current.origin !== PUBLIC_ORIGIN) return { url: current, response };
      response = await send(`${current.pathname}${current.search}`);
    }
    return { url: current, response };
  }

  /** Posts the page's form (its action, hidden fields and CSRF token) with `fields`. */
  function submit(page: { url: URL; response: ProxiedResponse }, fields: Record<string, string>) {
    const action = /<form[^>]*action="([^"]+)"/.exec(page.response.body)?.[1]?.replaceAll('&amp;', '&');
    const hidden = Object.fromEntries([...page.response.body.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)"/g)].map((match) => [match[1], match[2]]));
    const target = new URL(action ?? page.url.toString(), page.url);
    return follow(`${target.pathname}${target.search}`, { method: 'POST', form: { ...hidden, ...fields } });
  }

  return { send, follow, submit, setCookies };
}

async function startProductionApp(t: TestContext, environment: Record<string, string> = {}) {
  const { app, kernel } = await createTestApp(t, { environment: { ...PRODUCTION, ...environment } });
  await app.listen({ port: 0, host: '127.0.0.1' });
  return { kernel, port: (app.server.address() as { port: number }).port };
}

function clientAssertion(rp: TestRelyingParty) {
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({ jti: randomUUID() })
    .setProtectedHeader({ alg: 'ES256' })
    .setIssuer(rp.clientId)
    .setSubject(rp.clientId)
    .setAudience(PUBLIC_ORIGIN)
    .setIssuedAt(now)
    .setExpirationTime(now + 60)
    .sign(rp.privateKey);
}

/** Authorization request, sign-in pages, callback, token, then RP-initiated logout: every step that sets a cookie. */
async function signInAndOut(browser: ReturnType<typeof createBrowserBehindTlsProxy>, rp: TestRelyingParty, account: TestAccount) {
  const authorize = new URL('/authorize', PUBLIC_ORIGIN);
  for (const [name, value] of Object.entries({ response_type: 'code', client_id: rp.clientId, redirect_uri: rp.redirectUri, scope: 'openid', state: 'state-1', nonce: 'nonce-1' })) {
    authorize.searchParams.set(name, value);
  }
  const start = await browser.follow(`${authorize.pathname}${authorize.search}`);
  assert.match(start.url.pathname, /^\/sign-in\//, 'the authorization request reached the sign-in pages');
  const emailPage = await browser.follow(`${start.url.pathname}/email`);
  const passwordPage = await browser.submit(emailPage, { email: account.email });
  const codePage = await browser.submit(passwordPage, { password: account.password });
  const callback = await browser.submit(codePage, { code: await account.nextCode() });
  assert.equal(`${callback.url.origin}${callback.url.pathname}`, rp.redirectUri, 'the sign-in came back to the service');
  const code = callback.url.searchParams.get('code');
  assert.ok(code);

  const token = await browser.send('/token', {
    method: 'POST',
    form: {
      grant_type: 'authorization_code',
      code,
      redirect_uri: rp.redirectUri,
      client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
      client_assertion: await clientAssertion(rp),
    },
  });
  assert.equal(token.status, 200, token.body);
  const { id_token: idToken } = JSON.parse(token.body) as { id_token: string };

  const logout = new URL('/logout', PUBLIC_ORIGIN);
  logout.searchParams.set('id_token_hint', idToken);
  const confirm = await browser.follow(`${logout.pathname}${logout.search}`);
  const done = await browser.submit(confirm, {});
  assert.equal(done.response.status, 200);
}

function assertEveryCookieSecure(setCookies: readonly string[], setting: string) {
  assert.ok(setCookies.length > 0, `${setting}: cookies were set`);
  for (const cookie of setCookies) {
    const attributes = cookie.split(';').slice(1).map((attribute) => attribute.trim().toLowerCase());
    assert.ok(attributes.includes('secure'), `${setting}: ${cookie.split('=')[0]} is sent without Secure: ${cookie}`);
    if (cookie.startsWith('__Host-')) {
      assert.ok(attributes.includes('path=/') && !attributes.some((attribute) => attribute.startsWith('domain=')), `${setting}: ${cookie}`);
    }
  }
}

test('behind a TLS proxy, with or without X-Forwarded-Proto and TRUST_PROXY, every cookie of a sign-in is Secure', async (t) => {
  for (const trustProxy of [undefined, 'true']) {
    const { kernel, port } = await startProductionApp(t, trustProxy ? { TRUST_PROXY: trustProxy } : {});
    const rp = await registerTestClient(kernel, { postLogoutRedirectUris: ['https://service.example.gov.uk/signed-out'] });
    for (const forwardedProto of [undefined, 'https', 'http']) {
      const setting = `TRUST_PROXY=${trustProxy ?? 'unset'}, X-Forwarded-Proto=${forwardedProto ?? 'none'}`;
      const account = await createTestAccount(kernel, `${forwardedProto ?? 'none'}@example.com`);
      const browser = createBrowserBehindTlsProxy({ port }, { forwardedProto });
      await signInAndOut(browser, rp, account);
      assertEveryCookieSecure(browser.setCookies, setting);
      const names = new Set(browser.setCookies.map((cookie) => cookie.split('=')[0]));
      for (const name of ['__Host-civitas_oidc_session', '__Secure-civitas_oidc_interaction', '__Secure-civitas_oidc_resume']) {
        assert.ok(names.has(name), `${setting}: ${name} was set (${[...names].join(', ')})`);
      }
    }
  }
});

test('the provider names its https issuer in discovery, whatever Host header and scheme a request arrives with', async (t) => {
  const { port } = await startProductionApp(t);
  for (const host of ['civitas.example.gov.uk', 'attacker.example']) {
    const browser = createBrowserBehindTlsProxy({ port }, { host });
    const discovery = JSON.parse((await browser.send('/.well-known/openid-configuration')).body) as Record<string, string>;
    assert.equal(discovery.issuer, PUBLIC_ORIGIN);
    for (const endpoint of ['authorization_endpoint', 'token_endpoint', 'userinfo_endpoint', 'jwks_uri', 'end_session_endpoint']) {
      assert.ok(discovery[endpoint]?.startsWith(`${PUBLIC_ORIGIN}/`), `${host}: ${endpoint} is ${discovery[endpoint]}`);
    }
  }
});
