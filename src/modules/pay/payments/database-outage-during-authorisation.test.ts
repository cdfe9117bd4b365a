import assert from 'node:assert/strict';
import { once } from 'node:events';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { test, type TestContext } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { pino } from 'pino';
import { buildApp } from '../../../app.ts';
import { openKernel } from '../../../platform/kernel.ts';
import { createTestDatabase, testDatabaseKind } from '../../../platform/testing/test-database.ts';
import { createTestConfig } from '../../../testing/test-kernel.ts';
import { createPayModule } from '../pay.module.ts';
import { payServicesOf } from '../pay-services.ts';
import type { PaymentProvider } from '../providers/payment-provider.ts';
import { createSandboxProvider } from '../providers/sandbox.provider.ts';
import {
  callApi,
  CARD_FORM,
  createAccountWithKey,
  createInjectBrowser,
  createPaymentByApi,
  createTestClock,
  openNextUrl,
} from '../testing/pay-test-support.ts';

/**
 * A TCP path to PostgreSQL that the test cuts and restores: cut, it drops every connection and
 * refuses new ones, as a server that restarts or fails over does, to this process only.
 */
async function startDatabaseProxy(t: TestContext, target: { host: string; port: number }) {
  const sockets = new Set<Socket>();
  let server: Server | undefined;
  let port = 0;
  const proxy = {
    get port() {
      return port;
    },
    async up() {
      const started = createServer((client) => {
        const upstream = connect(target.port, target.host);
        for (const socket of [client, upstream]) {
          sockets.add(socket);
          socket.on('close', () => sockets.delete(socket));
          socket.on('error', () => {});
        }
        client.pipe(upstream).pipe(client);
        client.on('close', () => upstream.destroy());
        upstream.on('close', () => client.destroy());
      });
      started.listen(port, '127.0.0.1');
      await once(started, 'listening');
      port = (started.address() as { port: number }).port;
      server = started;
    },
    async cut() {
      const stopping = server;
      server = undefined;
      for (const socket of sockets) socket.destroy();
      if (stopping) await new Promise<void>((resolve) => stopping.close(() => resolve()));
    },
  };
  await proxy.up();
  t.after(() => proxy.cut());
  return proxy;
}

/**
 * Pay on PostgreSQL through the proxy, with a sandbox that cuts the path to the database while
 * it authorises a card and restores it half a second later.
 */
async function startPayWithOutageDuringAuthorisation(t: TestContext) {
  const testDatabase = await createTestDatabase();
  const direct = new URL(testDatabase.url);
  const proxy = await startDatabaseProxy(t, { host: direct.hostname, port: Number(direct.port) || 5432 });
  const proxied = new URL(testDatabase.url);
  proxied.hostname = '127.0.0.1';
  proxied.port = String(proxy.port);

  const sandbox = createSandboxProvider();
  const outages: Promise<void>[] = [];
  let authorisations = 0;
  const provider: PaymentProvider = {
    ...sandbox,
    async authorise(request) {
      authorisations += 1;
      const answer = await sandbox.authorise(request);
      await proxy.cut();
      outages.push(sleep(500).then(() => proxy.up()));
      return answer;
    },
  };
  const clock = createTestClock();
  const module = createPayModule({ clock: clock.now, providers: [provider] });
  const kernel = openKernel({
    config: createTestConfig(testDatabase, { DATABASE_URL: proxied.toString() }),
    modules: [module],
    logger: pino({ level: 'silent' }),
  });
  await kernel.migrate();
  const app = await buildApp(kernel);
  t.after(async () => {
    await Promise.all(outages);
    await app.close();
    await kernel.close();
    await testDatabase.drop();
  });
  const services = payServicesOf(kernel, { clock: clock.now, providers: [provider] });
  return { app, services, authorisations: () => authorisations, outages };
}

test('PostgreSQL cut as the provider authorises a MOTO API card: the authorisation is recorded once the database is back, and the payment succeeds', { timeout: 30_000 }, async (t) => {
  if (testDatabaseKind() !== 'postgres') {
    t.skip('needs PostgreSQL (run with a postgres:// DATABASE_URL): the test cuts the network path to the server');
    return;
  }
  const { app, services, authorisations, outages } = await startPayWithOutageDuringAuthorisation(t);
  const { accountId, key } = await createAccountWithKey(services);
  await services.accounts.setMoto({ accountId, allowAuthorisationApi: true, actor: 'operator:test' });
  const created = await callApi(app, {
    method: 'POST',
    url: '/v1/payments',
    key,
    body: { amount: 2500, reference: 'PHONE-0001', description: 'Licence taken by phone', authorisation_mode: 'moto_api' },
  });
  assert.equal(created.statusCode, 201, created.body);
  const payment = created.json();
  const authorised = await callApi(app, {
    method: 'POST',
    url: '/v1/auth',
    key,
    body: {
      one_time_token: payment._links.auth_url_post.params.one_time_token,
      card_number: '4242424242424242',
      cvc: '123',
      expiry_date: '09/30',
      cardholder_name: 'Rhys Jones',
    },
  });
  assert.equal(outages.length, 1, 'the database was cut while the provider answered');
  assert.equal(authorised.statusCode, 204, authorised.body);
  assert.equal(authorisations(), 1);
  const paid = (await callApi(app, { method: 'GET', url: `/v1/payments/${payment.payment_id}`, key })).json();
  assert.deepEqual(paid.state, { status: 'success', finished: true });
  assert.equal(paid.card_details.last_digits_card_number, '4242');
});

test('PostgreSQL cut as the provider authorises a card from the card page: the authorisation is recorded once it is back, and the user confirms', { timeout: 30_000 }, async (t) => {
  if (testDatabaseKind() !== 'postgres') {
    t.skip('needs PostgreSQL (run with a postgres:// DATABASE_URL): the test cuts the network path to the server');
    return;
  }
  const { app, services, authorisations, outages } = await startPayWithOutageDuringAuthorisation(t);
  const { key } = await createAccountWithKey(services);
  const payment = await createPaymentByApi(app, key);
  const browser = createInjectBrowser(app);
  const cardPage = await openNextUrl(browser, payment._links.next_url.href);
  const submitted = await browser.post(cardPage, CARD_FORM);
  assert.equal(outages.length, 1, 'the database was cut while the provider answered');
  assert.equal(submitted.statusCode, 303, submitted.body);
  assert.equal(submitted.headers.location, `${cardPage}/confirm`);
  assert.equal(authorisations(), 1);
  await browser.get(`${cardPage}/confirm`);
  const confirmed = await browser.post(`${cardPage}/confirm`, {});
  assert.equal(confirmed.headers.location, 'https://fishing.example.gov.uk/return/0001');
  const paid = (await callApi(app, { method: 'GET', url: `/v1/payments/${payment.payment_id}`, key })).json();
  assert.deepEqual(paid.state, { status: 'success', finished: true });
});
