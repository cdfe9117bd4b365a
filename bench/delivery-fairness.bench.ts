/**
 * Delivery fairness: how long one service's email waits behind another service's backlog. Service
 * A queues 200 letters (each rendered to a PDF when delivered) or 100 emails of 1.95 MB; then
 * service B queues one email; one worker (WORKER_CONCURRENCY, default 4) starts on the lot. The
 * figure is the time from the worker's start to B's email delivered, beside the time A's whole
 * backlog takes (what B waited when jobs were claimed first in, first out across services).
 * SQLite by default; DATABASE_URL=postgres://... to run it on PostgreSQL (a schema of its own).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { pino } from 'pino';
import { modules } from '../src/app.ts';
import { loadConfig } from '../src/platform/config/load-config.ts';
import { openKernel } from '../src/platform/kernel.ts';
import { createTestDatabase } from '../src/platform/testing/test-database.ts';
import { notifyCoreOf } from '../src/modules/notify/notify.core-cache.ts';
import type { NotifyCore } from '../src/modules/notify/notify.core.ts';
import { report } from './bench-support.ts';

type Backlog = { name: string; count: number; send(core: NotifyCore, serviceId: string, templateId: string): Promise<unknown> };

const LARGE_BODY = 'x'.repeat(1_950_000);
const BACKLOGS: Backlog[] = [
  {
    name: '200 letters',
    count: 200,
    send: (core, serviceId, templateId) => sendAs(core, serviceId, {
      type: 'letter', templateId, recipient: 'A N Other',
      personalisation: { address_line_1: 'A N Other', address_line_2: '1 High Street', postcode: 'SW1A 1AA', name: 'A N Other' },
    }),
  },
  {
    name: '100 emails of 1.95 MB',
    count: 100,
    send: (core, serviceId, templateId) => sendAs(core, serviceId, {
      type: 'email', templateId, recipient: 'bulk@example.com', personalisation: { name: 'Bulk', body: LARGE_BODY },
    }),
  },
];

async function sendAs(core: NotifyCore, serviceId: string, request: Omit<Parameters<NotifyCore['sender']['send']>[0], 'sender'>) {
  const service = await core.serviceAdmin.requireService(serviceId);
  return (await core.sender.send({ sender: { service, apiKey: { id: 'bench', key_type: 'normal', name: 'bench' } }, ...request })).notification;
}

async function measure(backlog: Backlog): Promise<{ emailMs: number; backlogMs: number }> {
  const directory = mkdtempSync(join(tmpdir(), 'civitas-fairness-'));
  const database = process.env.DATABASE_URL?.startsWith('postgres') ? await createTestDatabase() : { url: `sqlite:${join(directory, 'civitas.sqlite')}`, drop: async () => {} };
  const { config } = loadConfig({ NODE_ENV: 'test', DATABASE_URL: database.url, NOTIFY_LETTER_FOLDER: join(directory, 'letters'), WORKER_CONCURRENCY: process.env.WORKER_CONCURRENCY ?? '4' });
  const kernel = openKernel({ config, modules, logger: pino({ level: 'silent' }) });
  try {
    await kernel.migrate();
    const core = notifyCoreOf(kernel);
    const create = async (name: string) => {
      const service = await core.serviceAdmin.createService({ name, rateLimit: 1_000_000, actor: 'operator:bench' });
      await core.serviceAdmin.updateSettings({ serviceId: service.id, changes: { email_daily_limit: 1_000_000, letter_daily_limit: 1_000_000 }, actor: 'operator:bench' }).catch(() => {});
      const template = (type: 'email' | 'letter', body: string) =>
        core.templates.create({ serviceId: service.id, type, name, subject: 'Your application', body, createdBy: 'bench@example.gov.uk', actor: 'operator:bench' });
      return { id: service.id, email: await template('email', 'Dear ((name)),\n\n((body))'), letter: await template('letter', 'Dear ((name)),\n\n# Next steps\n\n* Call us\n* Write to us') };
    };
    const serviceA = await create('Service A');
    const serviceB = await create('Service B');
    const backlogIds: string[] = [];
    for (let n = 0; n < backlog.count; n++) {
      const templateId = backlog.name.includes('letter') ? serviceA.letter.id : serviceA.email.id;
      backlogIds.push(((await backlog.send(core, serviceA.id, templateId)) as { id: string }).id);
    }
    const email = await sendAs(core, serviceB.id, { type: 'email', templateId: serviceB.email.id, recipient: 'ffion@example.com', personalisation: { name: 'Ffion', body: 'Your code is 123456' } });

    const delivered = async (id: string) => (await core.stores.notifications.find(core.db, id))?.status === 'delivered';
    const worker = kernel.createWorker({ pollIntervalMs: 50 });
    const started = performance.now();
    worker.start();
    let emailMs = Number.NaN;
    const lastOfBacklog = backlogIds.at(-1) ?? email.id;
    while (Number.isNaN(emailMs) || !(await delivered(lastOfBacklog))) {
      if (Number.isNaN(emailMs) && (await delivered(email.id))) emailMs = performance.now() - started;
      if (performance.now() - started > 300_000) throw new Error('the backlog was not delivered in 5 minutes');
      await sleep(20);
    }
    const backlogMs = performance.now() - started;
    await worker.stop();
    return { emailMs, backlogMs };
  } finally {
    await kernel.close();
    await database.drop();
    rmSync(directory, { recursive: true, force: true });
  }
}

const alone = await measure({ name: 'nothing', count: 0, send: async () => undefined });
process.stdout.write(`Delivery fairness (${process.env.DATABASE_URL?.startsWith('postgres') ? 'PostgreSQL' : 'SQLite'})\n`);
for (const backlog of BACKLOGS) {
  const { emailMs, backlogMs } = await measure(backlog);
  report({
    what: `service B's email delivered behind service A's ${backlog.name}`,
    value: `${(emailMs / 1000).toFixed(2)} s after the worker started`,
    target: '< 1 s',
    baseline: `the same email alone ${(alone.emailMs / 1000).toFixed(2)} s; service A's whole backlog ${(backlogMs / 1000).toFixed(1)} s, what B waited with first in, first out`,
    met: emailMs < 1000,
  });
}
