/**
 * Insight's first figure from ../shared/TARGETS.md: what recording service events costs Notify's
 * accept path. The same send (render, limits, one group-committed transaction storing and
 * queueing it) is driven in this process by 50 concurrent senders, through two Notify cores on one
 * SQLite database that differ only in whether they record `notify.notification.sent`; rounds
 * alternate so drift on the machine falls on both. In-process, without HTTP around it, the
 * recording's share of the work is larger than through the API: the figure is an upper bound.
 * (The dashboard's p95 over a year of aggregates needs Insight's pages, not built yet.)
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { modules } from '../src/app.ts';
import { loadConfig } from '../src/platform/config/load-config.ts';
import { openKernel } from '../src/platform/kernel.ts';
import { createNotifyCore, type NotifyCore } from '../src/modules/notify/notify.core.ts';
import { report } from './bench-support.ts';

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
await kernel.close();
rmSync(directory, { recursive: true, force: true });
