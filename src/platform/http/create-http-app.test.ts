import assert from 'node:assert/strict';
import { once } from 'node:events';
import { connect, createServer, type Socket } from 'node:net';
import { test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { generate } from 'otplib';
import type { CivitasModule } from '../module.ts';
import { createTestApp, createTestKernel } from '../../testing/test-kernel.ts';
import { createHttpApp, SERVER_TIMEOUTS } from './create-http-app.ts';

test('the server gives clients bounded time for headers and bodies, and keeps idle connections past a load balancer', async (t) => {
  const { app } = await createTestApp(t, { modules: [] });
  assert.equal(app.server.headersTimeout, SERVER_TIMEOUTS.headersMs);
  assert.equal(app.server.requestTimeout, SERVER_TIMEOUTS.requestMs);
  assert.equal(app.server.timeout, SERVER_TIMEOUTS.idleSocketMs);
  assert.equal(app.server.keepAliveTimeout, SERVER_TIMEOUTS.keepAliveMs);
  assert.ok(SERVER_TIMEOUTS.keepAliveMs > 60_000, 'longer than the 60 s a load balancer keeps an idle connection');
  assert.ok(SERVER_TIMEOUTS.headersMs <= SERVER_TIMEOUTS.requestMs);
});

/** Everything the server sends until it closes the connection. */
async function readUntilClosed(socket: Socket): Promise<string> {
  let received = '';
  socket.setEncoding('utf8');
  socket.on('data', (chunk: string) => {
    received += chunk;
  });
  // Writing to a connection the server has just closed fails (EPIPE, ECONNRESET): it is the
  // close we await, which follows (events.once would reject on the error instead).
  socket.on('error', () => {});
  await new Promise((resolve) => socket.on('close', resolve));
  return received;
}

test('a client that sends its body or its headers too slowly is answered 408 and cut off', async (t) => {
  const kernel = await createTestKernel(t, { modules: [] });
  const app = await createHttpApp(kernel, {
    // Short enough to keep the test quick, long enough that a prompt request on a busy CI machine
    // (other test files running beside this one) is not mistaken for a slow one.
    serverTimeouts: { headersMs: 1_000, requestMs: 2_000, idleSocketMs: 10_000, keepAliveMs: 10_000, checkIntervalMs: 50 },
  });
  app.post('/fixture/upload', { config: { csrf: false } }, async () => ({ stored: true }));
  await app.listen({ port: 0, host: '127.0.0.1' });
  t.after(() => app.close());
  const { port } = app.server.address() as { port: number };

  // A body sent a byte at a time, each well within the idle timeout, is still cut off.
  const dripping = connect(port, '127.0.0.1');
  dripping.write('POST /fixture/upload HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n');
  const drip = setInterval(() => dripping.write(' '), 20);
  dripping.on('close', () => clearInterval(drip));
  assert.match(await readUntilClosed(dripping), /^HTTP\/1\.1 408 /);

  // Headers that never end, and a connection that never sends a byte.
  for (const start of ['POST /fixture/upload HTTP/1.1\r\nHost: localhost\r\n', '']) {
    const socket = connect(port, '127.0.0.1');
    socket.write(start);
    assert.match(await readUntilClosed(socket), /^HTTP\/1\.1 408 /, JSON.stringify(start));
  }

  const prompt = await fetch(`http://127.0.0.1:${port}/fixture/upload`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: '{"a":1}',
  });
  assert.equal(prompt.status, 200, 'a client that sends its request promptly is served');
});

const pagesModule: CivitasModule = {
  name: 'cache-fixture',
  async plugin(app: FastifyInstance) {
    app.get('/fixture/page', async (_request, reply) =>
      reply.render('platform/http/views/error.njk', { pageTitle: 'Your details', paragraphs: ['Ffion Jones, 1 High Street'] }),
    );
    app.get('/fixture/public', async (_request, reply) => reply.header('cache-control', 'public, max-age=300').send('the same for everyone'));
    app.post('/fixture/form', async (_request, reply) => reply.redirect('/fixture/page', 303));
  },
};

test('no response may be stored unless its route says so: pages, redirects, errors and JSON are no-store; assets keep their caching', async (t) => {
  const { app } = await createTestApp(t, { modules: [pagesModule] });
  const page = await app.inject({ method: 'GET', url: '/fixture/page' });
  assert.equal(page.statusCode, 200);
  assert.match(page.headers['content-type'] as string, /^text\/html/);
  assert.equal(page.headers['cache-control'], 'no-store');

  for (const response of [
    await app.inject({ method: 'GET', url: '/no/such/page', headers: { accept: 'text/html' } }),
    await app.inject({ method: 'GET', url: '/no/such/api' }),
    await app.inject({ method: 'POST', url: '/fixture/form', payload: {} }),
    await app.inject({ method: 'GET', url: '/readyz' }),
  ]) {
    assert.equal(response.headers['cache-control'], 'no-store', `${response.statusCode} ${response.body.slice(0, 60)}`);
  }

  const chosen = await app.inject({ method: 'GET', url: '/fixture/public' });
  assert.equal(chosen.headers['cache-control'], 'public, max-age=300', 'a route that sets its own caching keeps it');
  const stylesheet = /href="(\/assets\/[^"]+\.css)"/.exec(page.body)?.[1] as string;
  const asset = await app.inject({ method: 'GET', url: stylesheet });
  assert.equal(asset.headers['cache-control'], 'public, max-age=31536000, immutable');
});

async function findFreePort(): Promise<number> {
  const server = createServer().listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as { port: number };
  server.close();
  await once(server, 'close');
  return port;
}

type Visit = { url: string; cacheControl: string | null; status: number; html: string };

test('the sign-in pages (the authenticator secret among them), the account pages and the provider pages are never stored', async (t) => {
  // The account pages sign in through this One Login, so its issuer must be this server.
  const port = await findFreePort();
  const baseUrl = `http://127.0.0.1:${port}`;
  const { app, kernel } = await createTestApp(t, { environment: { BASE_URL: baseUrl, PORT: String(port) } });
  await app.listen({ port, host: '127.0.0.1' });

  const cookies = new Map<string, string>();
  const visits: Visit[] = [];
  async function visit(url: string, form?: URLSearchParams): Promise<Visit> {
    let response = await request(url, form);
    let current = new URL(url, baseUrl).toString();
    while (response.status >= 300 && response.status < 400) {
      current = new URL(response.headers.get('location') as string, current).toString();
      response = await request(current);
    }
    return { url: current, cacheControl: response.headers.get('cache-control'), status: response.status, html: await response.text() };
  }
  async function request(url: string, form?: URLSearchParams): Promise<Response> {
    const response = await fetch(new URL(url, baseUrl), {
      method: form ? 'POST' : 'GET',
      redirect: 'manual',
      headers: {
        accept: 'text/html',
        cookie: [...cookies].map(([name, value]) => `${name}=${value}`).join('; '),
        ...(form ? { 'content-type': 'application/x-www-form-urlencoded' } : {}),
      },
      body: form,
    });
    for (const cookie of response.headers.getSetCookie()) {
      const [name, ...value] = (cookie.split(';')[0] ?? '').split('=');
      if (name) cookies.set(name.trim(), value.join('='));
    }
    visits.push({ url, cacheControl: response.headers.get('cache-control'), status: response.status, html: '' });
    return response;
  }
  /** Answers the page's form as a person creating an account would, whatever the order of the questions. */
  async function answer(page: Visit): Promise<Visit> {
    const fields = new URLSearchParams();
    for (const [, name, value] of page.html.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)"/g)) fields.set(name as string, value as string);
    const secret = /id="secret-key">([A-Z2-7 ]+)</.exec(page.html)?.[1]?.replaceAll(' ', '');
    if (/name="email"/.test(page.html)) fields.set('email', 'dewi@example.com');
    if (/name="password"/.test(page.html)) fields.set('password', 'a long memorable passphrase');
    if (/name="method" type="radio" value="auth-app"/.test(page.html)) fields.set('method', 'auth-app');
    if (/name="code"/.test(page.html)) {
      if (secret) fields.set('code', await generate({ secret }));
      else {
        await kernel.createWorker().runUntilIdle();
        const message = (await kernel.developmentOutbox?.listRecent(10))?.find((sent) => sent.recipient === 'dewi@example.com');
        fields.set('code', /(\d{6})/.exec(message?.text ?? '')?.[1] ?? '');
      }
    }
    const action = /<form[^>]*method="post"[^>]*action="([^"]+)"/.exec(page.html)?.[1]?.replaceAll('&amp;', '&') ?? page.url;
    return visit(new URL(action, page.url).toString(), fields);
  }

  let page = await visit('/account');
  assert.match(page.html, /Create your One Login/);
  page = await visit(/href="([^"]+\/create\/email)"/.exec(page.html)?.[1] as string);
  let secretPage: Visit | undefined;
  for (let step = 0; step < 8 && new URL(page.url).pathname !== '/account'; step += 1) {
    if (/id="secret-key"/.test(page.html)) secretPage = page;
    page = await answer(page);
  }
  assert.ok(secretPage, 'the journey showed the authenticator secret');
  assert.equal(secretPage.cacheControl, 'no-store');
  assert.equal(new URL(page.url).pathname, '/account');
  assert.match(page.html, /dewi@example\.com/);
  assert.equal(page.cacheControl, 'no-store');
  const activity = await visit('/account/activity');
  assert.equal(activity.status, 200);

  // An error page oidc-provider answers, rendered through the kernel's views.
  const providerPage = await visit('/authorize?client_id=no-such-service');
  assert.equal(providerPage.status, 400);
  assert.match(providerPage.html, /<html/);

  const stored = visits.filter((seen) => seen.cacheControl !== 'no-store');
  assert.deepEqual(stored.map((seen) => `${seen.status} ${seen.url}`), [], 'every response of the journey is no-store');
});

test('behind a trusted load balancer the client is the address it added, not the first one the client wrote', async (t) => {
  const clientAddressWith = async (trustProxy: string, forwardedFor: string) => {
    const kernel = await createTestKernel(t, { modules: [], environment: { TRUST_PROXY: trustProxy } });
    const app = await createHttpApp(kernel);
    app.get('/fixture/address', async (request) => ({ ip: request.ip }));
    const response = await app.inject({ method: 'GET', url: '/fixture/address', headers: { 'x-forwarded-for': forwardedFor }, remoteAddress: '10.0.0.2' });
    await app.close();
    return (response.json() as { ip: string }).ip;
  };
  // The client sent "X-Forwarded-For: 192.0.2.66"; the load balancer appended the real address.
  const forged = '192.0.2.66, 203.0.113.7';
  assert.equal(await clientAddressWith('true', forged), '203.0.113.7', 'true believes only the load balancer in front');
  assert.equal(await clientAddressWith('10.0.0.0/8', forged), '203.0.113.7', 'a list believes only those proxies');
  assert.equal(await clientAddressWith('2', '192.0.2.66, 203.0.113.7, 10.0.0.9'), '203.0.113.7', 'N believes N proxies in a row');
  assert.equal(await clientAddressWith('false', forged), '10.0.0.2', 'false believes no header');
});
