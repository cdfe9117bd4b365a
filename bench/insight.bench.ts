/**
 * Insight's first figure from ../shared/TARGETS.md: what recording service events costs Notify's
 * accept path. The same send (render, limits, one group-committed transaction storing and
 * queueing it) is driven in this process by 50 concurrent senders, through two Notify cores on one
 * SQLite database that differ only in whether they record `notify.notification.sent`; rounds
 * alternate so drift on the machine falls on both. In-process, without HTTP around it, the
 * recording's share of the work is larger than through the API: the figure is an upper bound.
 *
 * And its second: a service's performance page (the dashboard: a month and the month before, from
 * the daily counts) over a year of counts for 200 services, each with a One Login client, a Notify
 * service and a Pay account, beside the performance list page rendered in the same run.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { buildApp, modules } from '../src/app.ts';
import { createConsoleTeam } from '../src/modules/console/teams/console-teams-testing.contract.ts';
import { createInsight } from '../src/modules/insight/insight.ts';
import { loadConfig } from '../src/platform/config/load-config.ts';
import { openKernel } from '../src/platform/kernel.ts';
import { createNotifyCore, type NotifyCore } from '../src/modules/notify/notify.core.ts';
import { percentile, report } from './bench-support.ts';

const ROUND_MS = 3_000;
const ROUNDS = 5;
const CONCURRENCY = 50;

const directory = mkdtempSync(join(tmpdir(), 'civitas-insight-bench-'));
const { config } = loadConfig({ NODE_ENV: 'test', LOG_LEVEL: 'warn', DATABASE_URL: `sqlite:${join(directory, 'civitas.sqlite')}` });
const kernel = openKernel({ config, modules, logger: pino({ level: 'silent' }) });
await kernel.migrate();
const parts = { config, db: kernel.db, audit: kernel.audit, jobs: kernel.jobs };
const withoutEvents = createNotifyCore(parts);
const withEvents = createNotifyCore({ ...parts, serviceEvents: kernel.serviceEvents });
const service = await withoutEvents.serviceAdmin.createService({ name: 'Benchmark', rateLimit: 100_000_000, actor: 'operator:bench' });
await withoutEvents.serviceAdmin.updateSettings({ serviceId: service.id, changes: { email_daily_limit: 100_000_000 }, actor: 'operator:bench' });
const template = await withoutEvents.templates.create({
  serviceId: service.id, type: 'email', name: 'Bench', subject: 'Hello ((name))',
  body: 'Dear ((name)),\n\nWe have your application ((reference)).', createdBy: 'bench@example.gov.uk', actor: 'operator:bench',
});
const senderOf = async (core: NotifyCore) => ({ service: await core.serviceAdmin.requireService(service.id), apiKey: { id: 'bench', key_type: 'normal' as const, name: 'bench' } });

/** Notifications accepted per second by `core` in one round. */
async function measureRound(core: NotifyCore): Promise<number> {
  const sender = await senderOf(core);
  const deadline = performance.now() + ROUND_MS;
  let accepted = 0;
  async function sendUntilDeadline(): Promise<void> {
    while (performance.now() < deadline) {
      await core.sender.send({ sender, type: 'email', templateId: template.id, recipient: 'ffion@example.com', personalisation: { name: 'Ffion', reference: 'ABC-123' } });
      accepted += 1;
    }
  }
  await Promise.all(Array.from({ length: CONCURRENCY }, sendUntilDeadline));
  await kernel.serviceEvents.flush();
  return (accepted * 1000) / ROUND_MS;
}

process.stdout.write('Insight\n');
await measureRound(withoutEvents);
await measureRound(withEvents);
const rates = { without: [] as number[], with: [] as number[] };
for (let round = 0; round < ROUNDS; round += 1) {
  rates.without.push(await measureRound(withoutEvents));
  rates.with.push(await measureRound(withEvents));
}
const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] as number;
const rateWithout = median(rates.without);
const rateWith = median(rates.with);
const cost = 1 - rateWith / rateWithout;
report({
  what: 'Notify sends accepted with service events recorded (in-process, SQLite)',
  value: `${Math.round(rateWith)}/s, ${(cost * 100).toFixed(1)}% below the same path without (medians of ${ROUNDS} alternating ${ROUND_MS / 1000} s rounds; with ${rates.with.map(Math.round).join(', ')}, without ${rates.without.map(Math.round).join(', ')})`,
  target: 'recording costs < 10% of the accepted-sends rate',
  baseline: `without recording ${Math.round(rateWithout)}/s`,
  met: cost < 0.1,
});
const SERVICES = 200;
const DAYS = 365;
const DASHBOARD_RENDERS = 400;
const app = await buildApp(kernel);
const insight = createInsight({ db: kernel.db, audit: kernel.audit, serviceEvents: kernel.serviceEvents });
const today = new Date();
const slugs: string[] = [];
const rows: Array<{ service: string; type: string; step: string; period: string; count: number }> = [];
for (let index = 0; index < SERVICES; index += 1) {
  const team = await createConsoleTeam(app, { notifyServiceId: `bench-notify-${index}`, payAccountId: `bench-pay-${index}`, name: `Department ${index}` });
  await insight.publish({ serviceId: team.serviceId, slug: `service-${index}`, actor: 'operator:bench' });
  slugs.push(`service-${index}`);
  for (let day = 0; day < DAYS; day += 1) {
    const period = new Date(today.getTime() - day * 86_400_000).toISOString().slice(0, 10);
    const count = 50 + ((index * 7 + day * 13) % 40);
    rows.push(
      { service: `console-service:${team.serviceId}`, type: 'forms.form.started', step: '', period, count },
      { service: `console-service:${team.serviceId}`, type: 'forms.form.submitted', step: '', period, count: count - 10 },
      { service: `notify-service:bench-notify-${index}`, type: 'notify.notification.delivered', step: '', period, count },
      { service: `notify-service:bench-notify-${index}`, type: 'notify.notification.failed', step: '', period, count: 2 },
      { service: `pay-account:bench-pay-${index}`, type: 'pay.payment.succeeded', step: '', period, count: count - 12 },
      { service: `pay-account:bench-pay-${index}`, type: 'pay.payment.failed', step: '', period, count: 3 },
    );
  }
}
for (let start = 0; start < rows.length; start += 500) {
  await kernel.db.withTables<{ service_event_daily: (typeof rows)[number] }>().insertInto('service_event_daily').values(rows.slice(start, start + 500)).execute();
}

/** The p95 of `renders` renders of pages chosen by `urlOf`, and this process's CPU per render. */
async function renderTimes(urlOf: (index: number) => string): Promise<{ p95: number; cpuMs: number }> {
  const cpuBefore = process.cpuUsage();
  const timings: number[] = [];
  for (let index = 0; index < DASHBOARD_RENDERS; index += 1) {
    const url = urlOf(index);
    const started = performance.now();
    const response = await app.inject({ method: 'GET', url, headers: { accept: 'text/html' } });
    timings.push(performance.now() - started);
    if (response.statusCode !== 200) throw new Error(`${url} answered ${response.statusCode}`);
  }
  const cpu = process.cpuUsage(cpuBefore);
  return { p95: percentile(timings, 0.95), cpuMs: (cpu.user + cpu.system) / 1000 / DASHBOARD_RENDERS };
}
const months = Array.from({ length: 12 }, (_, back) => new Date(Date.UTC(today.getUTCFullYear(), today.getUTCMonth() - back, 1)).toISOString().slice(0, 7));
const dashboardUrl = (index: number) => `/performance/${slugs[(index * 37) % SERVICES]}?month=${months[index % months.length]}`;
await renderTimes(dashboardUrl);
const shell = await renderTimes(() => '/performance/roadmap');
const dashboard = await renderTimes(dashboardUrl);
report({
  what: `A service's performance page over a year of daily counts for ${SERVICES} services (${rows.length.toLocaleString('en-GB')} rows), in process, SQLite`,
  value: `p95 ${dashboard.p95.toFixed(2)} ms (${dashboard.cpuMs.toFixed(2)} ms CPU a page)`,
  target: 'p95 < 50 ms',
  baseline: `the roadmap page with no roadmap, same layout: p95 ${shell.p95.toFixed(2)} ms`,
  met: dashboard.p95 < 50,
});
await app.close();
await kernel.close();
rmSync(directory, { recursive: true, force: true });
