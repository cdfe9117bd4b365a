import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { test, type TestContext } from 'node:test';
import { pino } from 'pino';
import { createTestApp, createTestKernel } from '../../testing/test-kernel.ts';
import { createHttpApp } from '../http/create-http-app.ts';
import type { Kernel } from '../kernel.ts';
import { createMetrics, describeRoute, OTHER_LABEL, toSafeLabel } from './metrics.ts';
import { startMetricsServer } from './metrics-server.ts';

const TOKEN = 'a-metrics-token-of-more-than-32-characters-0001';

async function startServer(t: TestContext, kernel: Kernel, token = TOKEN) {
  const server = await startMetricsServer({ metrics: kernel.metrics, host: '127.0.0.1', port: 0, token, logger: pino({ level: 'silent' }) });
  t.after(() => server.close());
  return server;
}

async function scrape(url: string, token = TOKEN): Promise<string> {
  const response = await fetch(url, { headers: { authorization: `Bearer ${token}` } });
  assert.equal(response.status, 200, await response.clone().text());
  assert.match(response.headers.get('content-type') ?? '', /^text\/plain; version=0\.0\.4/);
  return response.text();
}

/** The value of one series, such as `civitas_jobs{type="x",state="due"}`; undefined if absent. */
function valueOf(text: string, series: string): number | undefined {
  const line = text.split('\n').find((candidate) => candidate.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

test('the metrics server answers only GET /metrics, and only with the token', async (t) => {
  const { app, kernel } = await createTestApp(t);
  const server = await startServer(t, kernel);

  const without = await fetch(server.url);
  assert.equal(without.status, 401);
  assert.equal(without.headers.get('www-authenticate'), 'Bearer realm="metrics"');
  assert.doesNotMatch(await without.text(), /civitas_/, 'no figure leaks with the refusal');
  for (const authorization of [`Bearer ${TOKEN}x`, `Bearer ${TOKEN.slice(0, -1)}`, `Basic ${Buffer.from(`x:${TOKEN}`).toString('base64')}`, TOKEN, 'Bearer ', `Bearer ${'a'.repeat(8000)}`]) {
    const refused = await fetch(server.url, { headers: { authorization } });
    assert.equal(refused.status, 401, authorization.slice(0, 40));
  }
  const inQuery = await fetch(`${server.url}?token=${TOKEN}`);
  assert.equal(inQuery.status, 401, 'a token in the URL (where logs keep it) is not accepted');

  assert.match(await scrape(server.url), /# TYPE civitas_http_request_duration_seconds histogram/);
  const head = await fetch(server.url, { method: 'HEAD', headers: { authorization: `Bearer ${TOKEN}` } });
  assert.equal(head.status, 200);
  const post = await fetch(server.url, { method: 'POST', headers: { authorization: `Bearer ${TOKEN}` }, body: 'x' });
  assert.equal(post.status, 405);
  const elsewhere = await fetch(new URL('/healthz', server.url), { headers: { authorization: `Bearer ${TOKEN}` } });
  assert.equal(elsewhere.status, 404);

  const publicPort = await app.inject({ method: 'GET', url: '/metrics', headers: { authorization: `Bearer ${TOKEN}` } });
  assert.equal(publicPort.statusCode, 404, 'the public server has no /metrics');
  assert.doesNotMatch(publicPort.body, /civitas_http/);
});

test('without a token (METRICS_HOST on loopback) the metrics server answers without one', async (t) => {
  const { kernel } = await createTestApp(t);
  const server = await startServer(t, kernel, '');
  assert.equal((await fetch(server.url)).status, 200);
});

test('requests are counted and timed by route pattern, with no ids, addresses or paths asked for in any label', async (t) => {
  const { app, kernel } = await createTestApp(t);
  const server = await startServer(t, kernel);
  const before = await scrape(server.url);
  const healthz = 'civitas_http_request_duration_seconds_count{route="/healthz",method="GET",status_code="200"}';
  assert.equal(valueOf(before, healthz), undefined);

  for (let i = 0; i < 3; i++) assert.equal((await app.inject({ method: 'GET', url: '/healthz' })).statusCode, 200);
  const notificationId = randomUUID();
  const lookup = await app.inject({ method: 'GET', url: `/v2/notifications/${notificationId}`, headers: { authorization: 'Bearer not-a-jwt' } });
  assert.ok(lookup.statusCode >= 400 && lookup.statusCode < 500);
  const secretPath = '/no/such/page/ffion.jones@example.com/4929000000006';
  assert.equal((await app.inject({ method: 'GET', url: secretPath })).statusCode, 404);
  const oddMethod = await app.inject({ method: 'PROPFIND' as 'GET', url: '/healthz' });

  const after = await scrape(server.url);
  assert.equal(valueOf(after, healthz), 3);
  assert.ok((valueOf(after, 'civitas_http_request_duration_seconds_sum{route="/healthz",method="GET",status_code="200"}') ?? -1) >= 0);
  assert.equal(valueOf(after, `civitas_http_request_duration_seconds_count{route="/v2/notifications/:notification_id",method="GET",status_code="${lookup.statusCode}"}`), 1);
  assert.equal(valueOf(after, 'civitas_http_request_duration_seconds_count{route="(no route)",method="GET",status_code="404"}'), 1);
  assert.equal(valueOf(after, `civitas_http_request_duration_seconds_count{route="(no route)",method="other",status_code="${oddMethod.statusCode}"}`), 1);
  for (const leaked of [notificationId, 'ffion', 'example.com', '4929000000006', '/no/such', 'PROPFIND', 'not-a-jwt']) {
    assert.ok(!after.includes(leaked), `${leaked} is in no label`);
  }
});

test('the job queue: depth by type and state, the age of the oldest due job, runs and failures', async (t) => {
  const { kernel } = await createTestApp(t);
  const server = await startServer(t, kernel);
  const minuteAgo = new Date(Date.now() - 60_000);
  await kernel.jobs.enqueue(kernel.db, { type: 'test.metrics-ok', payload: { email: 'ffion@example.com' }, runAt: minuteAgo });
  await kernel.jobs.enqueue(kernel.db, { type: 'test.metrics-ok', payload: {} });
  await kernel.jobs.enqueue(kernel.db, { type: 'test.metrics-ok', payload: {}, runAt: new Date(Date.now() + 3_600_000) });
  await kernel.jobs.enqueue(kernel.db, { type: 'test.metrics-fail', payload: {}, maxAttempts: 2 });
  await kernel.jobs.enqueue(kernel.db, { type: 'test.metrics-fail', payload: {}, maxAttempts: 1 });

  const queued = await scrape(server.url);
  assert.equal(valueOf(queued, 'civitas_database_up'), 1);
  assert.equal(valueOf(queued, 'civitas_jobs{type="test.metrics-ok",state="due"}'), 2);
  assert.equal(valueOf(queued, 'civitas_jobs{type="test.metrics-ok",state="scheduled"}'), 1);
  assert.equal(valueOf(queued, 'civitas_jobs{type="test.metrics-fail",state="due"}'), 2);
  assert.ok((valueOf(queued, 'civitas_job_oldest_due_age_seconds{type="test.metrics-ok"}') ?? 0) >= 60, 'the job due a minute ago has waited at least that long');
  assert.ok(!queued.includes('ffion'), 'no payload in any label');

  const worker = kernel.createWorker({
    handlers: {
      'test.metrics-ok': { run: async () => {} },
      'test.metrics-fail': { run: async () => { throw new Error('refused'); }, retryDelayMs: () => 3_600_000 },
    },
  });
  await worker.runUntilIdle();

  const ran = await scrape(server.url);
  assert.equal(valueOf(ran, 'civitas_job_runs_total{type="test.metrics-ok",outcome="completed"}'), 2);
  assert.equal(valueOf(ran, 'civitas_job_failures_total{type="test.metrics-fail",outcome="retrying"}'), 1);
  assert.equal(valueOf(ran, 'civitas_job_failures_total{type="test.metrics-fail",outcome="failed"}'), 1);
  assert.equal(valueOf(ran, 'civitas_jobs{type="test.metrics-ok",state="due"}'), undefined, 'no due job left');
  assert.equal(valueOf(ran, 'civitas_jobs{type="test.metrics-fail",state="failed"}'), 1);
  assert.equal(valueOf(ran, 'civitas_jobs{type="test.metrics-fail",state="scheduled"}'), 1);
  assert.equal(valueOf(ran, 'civitas_job_oldest_due_age_seconds{type="test.metrics-ok"}'), undefined);
});

test('sign-ins and failed attempts are counted from the audit trail, with no account in any label', async (t) => {
  const { kernel } = await createTestApp(t);
  const server = await startServer(t, kernel);
  const accountId = randomUUID();
  const event = (action: string, outcome: 'success' | 'failure') =>
    kernel.audit.record({ actor: `account:${accountId}`, action, subject: `account:${accountId}`, outcome, details: { email: 'ffion@example.com' } });
  await event('identity.sign-in.password-wrong', 'failure');
  await event('identity.sign-in.security-code-wrong', 'failure');
  await event('identity.sign-in.completed', 'success');
  await event('identity.password.changed', 'success');

  const text = await scrape(server.url);
  assert.equal(valueOf(text, 'civitas_sign_ins_total{module="identity",outcome="success"}'), 1);
  assert.equal(valueOf(text, 'civitas_sign_ins_total{module="identity",outcome="failure"}'), 2);
  assert.equal(valueOf(text, 'civitas_audit_events_total{action="identity.password.changed",outcome="success"}'), 1);
  assert.ok(!text.includes(accountId) && !text.includes('ffion'));
});

test('a module counts through the kernel, and whatever it passes as a label cannot carry an id', async (t) => {
  const { kernel } = await createTestApp(t);
  const server = await startServer(t, kernel);
  const deliveries = kernel.metrics.counter({ name: 'civitas_test_deliveries_total', help: 'Test deliveries.', labelNames: ['status'] });
  assert.equal(kernel.metrics.counter({ name: 'civitas_test_deliveries_total', help: 'Test deliveries.', labelNames: ['status'] }).inc !== undefined, true, 'asking again is no error');
  deliveries.inc({ status: 'delivered' });
  deliveries.inc({ status: 'delivered' });
  deliveries.inc({ status: randomUUID() });
  const text = await scrape(server.url);
  assert.equal(valueOf(text, 'civitas_test_deliveries_total{status="delivered"}'), 2);
  assert.equal(valueOf(text, `civitas_test_deliveries_total{status="${OTHER_LABEL}"}`), 1);
  assert.throws(() => kernel.metrics.counter({ name: 'deliveries', help: 'x', labelNames: [] }), /civitas_/);
});

test('labels keep the names code chose and turn anything like data into "other"', () => {
  for (const kept of ['/v2/notifications/:notification_id', '/v1/payments/:paymentId/refunds', 'notify.deliver', 'identity.sign-in.completed', '/assets/*', '/oidc/*']) {
    assert.equal(toSafeLabel(kept), kept);
  }
  for (const refused of [randomUUID(), 'ffion@example.com', '/users/12345', 'a b', '', 'x'.repeat(200), '/tokens/0123456789abcdef0123', 'line\nbreak']) {
    assert.equal(toSafeLabel(refused), OTHER_LABEL, refused);
  }
});

test('with the database closed a scrape still answers, with civitas_database_up 0 and no queue figures', async (t) => {
  const { kernel } = await createTestApp(t);
  const server = await startServer(t, kernel);
  await kernel.jobs.enqueue(kernel.db, { type: 'test.metrics-ok', payload: {} });
  assert.equal(valueOf(await scrape(server.url), 'civitas_jobs{type="test.metrics-ok",state="due"}'), 1);
  await kernel.database.close();
  const text = await scrape(server.url);
  assert.equal(valueOf(text, 'civitas_database_up'), 0);
  assert.equal(valueOf(text, 'civitas_jobs{type="test.metrics-ok",state="due"}'), undefined);
});

test('the pool: connections in use, idle, waiting and the limit (PostgreSQL); none on SQLite', async (t) => {
  const { kernel } = await createTestApp(t);
  const server = await startServer(t, kernel);
  const text = await scrape(server.url);
  if (kernel.database.kind === 'sqlite') {
    assert.doesNotMatch(text, /^civitas_database_pool_connections\{/m);
    return;
  }
  assert.equal(valueOf(text, 'civitas_database_pool_connections{state="max"}'), 10);
  assert.ok((valueOf(text, 'civitas_database_pool_connections{state="idle"}') ?? 0) >= 1, 'the scrape\'s own connection went back idle');
  assert.equal(valueOf(text, 'civitas_database_pool_connections{state="waiting"}'), 0);
});

test('a registry of its own per kernel: two in one process do not mix their figures', () => {
  const first = createMetrics();
  const second = createMetrics();
  first.observeRequest({ route: '/healthz', method: 'GET', statusCode: 200, seconds: 0.001 });
  assert.notEqual(first.registry, second.registry);
});

test("every route the app's modules register keeps its pattern as its label (none is recorded as other)", async (t) => {
  const kernel = await createTestKernel(t);
  const app = await createHttpApp(kernel);
  const patterns = new Set<string>();
  app.addHook('onRoute', (route) => {
    patterns.add(route.url);
  });
  for (const module of kernel.modules) if (module.plugin) await app.register(module.plugin);
  await app.ready();
  t.after(() => app.close());
  assert.ok(patterns.size > 50, `${patterns.size} routes`);
  const relabelled = [...patterns].filter((pattern) => describeRoute(pattern) === OTHER_LABEL);
  assert.deepEqual(relabelled, []);
  assert.equal(describeRoute('/notify/services/:serviceId([0-9a-fA-F-]{36})/templates/new/:type(email|sms|letter)'), '/notify/services/:serviceId/templates/new/:type');
});
