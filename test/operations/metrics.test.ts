import assert from 'node:assert/strict';
import { test } from 'node:test';
import { NotifyClient } from 'notifications-node-client';
import { pino } from 'pino';
import { startMetricsServer } from '../../src/platform/metrics/metrics-server.ts';
import { createTestDatabase } from '../../src/platform/testing/test-database.ts';
import { createFormClient } from '../../src/modules/identity/testing/form-client.ts';
import { authorizeUrl, signInOnce } from '../../src/modules/identity/provider/relying-party.test-kit.ts';
import { seedCivitas, startCivitasOn } from './restore-check.ts';

const TOKEN = 'a-metrics-token-of-more-than-32-characters-0002';

function valueOf(text: string, series: string): number | undefined {
  const line = text.split('\n').find((candidate) => candidate.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

test("the modules' figures: One Login sign-ins and failed attempts, Notify deliveries by status, each route by its pattern, and no personal data anywhere", async (t) => {
  const database = await createTestDatabase();
  t.after(() => database.drop());
  const { baseUrl, kernel } = await startCivitasOn(t, database.url);
  const metrics = await startMetricsServer({ metrics: kernel.metrics, host: '127.0.0.1', port: 0, token: TOKEN, logger: pino({ level: 'silent' }) });
  t.after(() => metrics.close());
  const scrape = async () => {
    const response = await fetch(metrics.url, { headers: { authorization: `Bearer ${TOKEN}` } });
    assert.equal(response.status, 200);
    return response.text();
  };
  const seeded = await seedCivitas(kernel);

  // A wrong password, then a sign-in.
  const stranger = createFormClient(baseUrl);
  const start = await stranger.get(authorizeUrl(baseUrl, seeded.service));
  const passwordPage = await stranger.submit(await stranger.get(`${start.url}/email`), { email: seeded.account.email });
  await stranger.submit(passwordPage, { password: 'not the password' });
  await signInOnce(baseUrl, seeded.account, authorizeUrl(baseUrl, seeded.service));

  // Emails through Notify, delivered by the workers.
  const notify = new NotifyClient(baseUrl, seeded.notify.key);
  const sent = await notify.sendEmail(seeded.notify.templateId, 'ffion@example.com', { personalisation: { reference: 'A-1' } });
  await notify.sendEmail(seeded.notify.templateId, 'perm-fail@simulator.notify', { personalisation: { reference: 'A-2' } });
  await kernel.createWorker().runUntilIdle();

  const text = await scrape();
  assert.equal(valueOf(text, 'civitas_sign_ins_total{module="identity",outcome="success"}'), 1);
  assert.equal(valueOf(text, 'civitas_sign_ins_total{module="identity",outcome="failure"}'), 1);
  const delivered = valueOf(text, 'civitas_notify_deliveries_total{type="email",status="delivered"}') ?? 0;
  assert.ok(delivered >= 1, 'the email (and One Login\'s own emails, through Notify) counted as delivered');
  assert.equal(valueOf(text, 'civitas_notify_deliveries_total{type="email",status="permanent-failure"}'), 1);
  assert.equal(valueOf(text, 'civitas_http_request_duration_seconds_count{route="/v2/notifications/email",method="POST",status_code="201"}'), 2);
  assert.ok((valueOf(text, 'civitas_job_runs_total{type="notify.deliver",outcome="completed"}') ?? 0) >= 2);

  await notify.getNotificationById(sent.data.id);
  const after = await scrape();
  assert.equal(valueOf(after, 'civitas_http_request_duration_seconds_count{route="/v2/notifications/:notification_id",method="GET",status_code="200"}'), 1);

  for (const leaked of [sent.data.id, seeded.account.id, 'ffion', 'example.com', 'simulator', seeded.service.clientId, 'A-1', start.url.split('/').at(-1) as string]) {
    assert.ok(!after.includes(leaked), `${leaked} appears in no label`);
  }
  for (const line of after.split('\n').filter((candidate) => candidate.startsWith('civitas_http_request_duration_seconds_count{'))) {
    const route = /route="([^"]*)"/.exec(line)?.[1] ?? '';
    assert.doesNotMatch(route, /[0-9a-f]{8}-[0-9a-f]{4}|\d{5,}|@/i, `${route} is a pattern, not a URL`);
  }
});
