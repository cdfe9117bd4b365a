/**
 * Notify's figures from ../shared/TARGETS.md, each beside bare Fastify's JSON POST rate measured
 * in the same run:
 * - notifications accepted per second: `POST /v2/notifications/email` as the official client
 *   sends it (HS256 bearer token, its User-Agent and JSON), on SQLite, against `npm start`
 *   with the workers off (accepting only: stored and queued, in one transaction each);
 * - emails delivered per second to a local SMTP server by `civitas worker`, from that backlog.
 */
import { createHmac } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawn, type ChildProcess } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import autocannon from 'autocannon';
import { sql } from 'kysely';
import { pino } from 'pino';
import { modules } from '../src/app.ts';
import { loadConfig } from '../src/platform/config/load-config.ts';
import { openKernel } from '../src/platform/kernel.ts';
import { notifyCoreOf } from '../src/modules/notify/notify.core-cache.ts';
import { cpuTimeMs as serverCpuTimeMs, findFreePort, report, startProcess, stopProcess, waitUntilAnswering } from './bench-support.ts';


const root = join(import.meta.dirname, '..');
const DURATION_SECONDS = 10;
const WARM_UP_SECONDS = 2;
const CONNECTIONS = 50;

function base64url(value: object): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}

/** The token the official client makes: header {typ, alg}, claims {iss, iat}, HS256 with the key's secret. */
function makeToken(serviceId: string, secret: string): string {
  const input = `${base64url({ typ: 'JWT', alg: 'HS256' })}.${base64url({ iss: serviceId, iat: Math.floor(Date.now() / 1000) })}`;
  return `${input}.${createHmac('sha256', secret).update(input).digest('base64url')}`;
}

/** After a warm-up, requests per second and the server process's CPU microseconds per request. */
async function measure(
  server: ChildProcess,
  options: autocannon.Options,
): Promise<{ rate: number; ok: number; non2xx: number; errors: number; cpuUsPerRequest: number }> {
  await autocannon({ connections: CONNECTIONS, duration: WARM_UP_SECONDS, ...options });
  const cpuBefore = serverCpuTimeMs(server.pid as number);
  const result = await autocannon({ connections: CONNECTIONS, duration: DURATION_SECONDS, ...options });
  const cpuUsed = serverCpuTimeMs(server.pid as number) - cpuBefore;
  const ok = result['2xx'];
  const answered = ok + result.non2xx;
  const cpuUsPerRequest = answered > 0 ? Math.round((cpuUsed * 1000) / answered) : Number.NaN;
  return { rate: ok / DURATION_SECONDS, ok, non2xx: result.non2xx, errors: result.errors, cpuUsPerRequest };
}

const directory = mkdtempSync(join(tmpdir(), 'civitas-notify-bench-'));
const databaseUrl = `sqlite:${join(directory, 'civitas.sqlite')}`;
const environment = { NODE_ENV: 'test', LOG_LEVEL: 'warn', DATABASE_URL: databaseUrl };

// The service, its template and a live key, made as an operator would (one process, then closed).
const { config } = loadConfig(environment);
const setupKernel = openKernel({ config, modules, logger: pino({ level: 'silent' }) });
await setupKernel.migrate();
const core = notifyCoreOf(setupKernel);
const service = await core.serviceAdmin.createService({ name: 'Benchmark', rateLimit: 10_000_000, actor: 'operator:bench' });
await core.serviceAdmin.updateSettings({ serviceId: service.id, changes: { email_daily_limit: 100_000_000 }, actor: 'operator:bench' });
const template = await core.templates.create({
  serviceId: service.id, type: 'email', name: 'Bench', subject: 'Hello ((name))',
  body: '# Your application\n\nDear ((name)),\n\nWe have your application ((reference)).\n\n* one\n* two\n\nhttps://www.gov.uk/',
  createdBy: 'bench@example.gov.uk', actor: 'operator:bench',
});
const { key } = await core.serviceAdmin.createApiKey({ serviceId: service.id, keyType: 'normal', name: 'bench', actor: 'operator:bench' });
await setupKernel.close();

process.stdout.write('Notify\n');

// Bare Fastify, same machine, same load generator.
const barePort = await findFreePort();
const bare = startProcess(join(import.meta.dirname, 'fixtures', 'bare-fastify.ts'), { PORT: String(barePort) });
await waitUntilAnswering(`http://127.0.0.1:${barePort}/readyz`, performance.now());
const body = JSON.stringify({ template_id: template.id, email_address: 'ffion@example.com', personalisation: { name: 'Ffion', reference: 'ABC-123' } });
const bareResult = await measure(bare, { url: `http://127.0.0.1:${barePort}/json`, method: 'POST', headers: { 'content-type': 'application/json' }, body });
await stopProcess(bare);

// Civitas accepting notifications, workers off.
const port = await findFreePort();
const civitas = startProcess(join(root, 'src', 'main.ts'), { ...environment, PORT: String(port), HOST: '127.0.0.1', RUN_WORKERS: 'false' });
await waitUntilAnswering(`http://127.0.0.1:${port}/readyz`, performance.now());
const accepted = await measure(civitas, {
  url: `http://127.0.0.1:${port}/v2/notifications/email`,
  method: 'POST',
  headers: {
    'content-type': 'application/json',
    authorization: `Bearer ${makeToken(service.id, key.slice(-36))}`,
    'user-agent': 'NOTIFY-API-NODE-CLIENT/8.4.0',
  },
  body,
});
await stopProcess(civitas);
// autocannon stops counting at the deadline; requests still in flight were accepted all the same.
const countKernel = openKernel({ config, modules, logger: pino({ level: 'silent' }) });
const stored = await sql<{ count: number }>`select count(*) as count from notify_notification`.execute(countKernel.db);
const backlog = Number(stored.rows[0]?.count);
await countKernel.close();
const share = accepted.rate / bareResult.rate;
report({
  what: 'notifications accepted (POST /v2/notifications/email, SQLite)',
  value: `${Math.round(accepted.rate)}/s (${accepted.ok} in ${DURATION_SECONDS} s, ${accepted.non2xx} refused, ${accepted.errors} errors, server CPU ${accepted.cpuUsPerRequest} µs a request; ${Math.round(share * 100)}% of bare Fastify)`,
  target: '>= 3000/s and >= 25% of bare Fastify',
  baseline: `bare Fastify JSON POST ${Math.round(bareResult.rate)}/s, server CPU ${bareResult.cpuUsPerRequest} µs a request`,
  met: accepted.rate >= 3000 && share >= 0.25,
});

// Emails delivered from that backlog by one worker process to a local SMTP server.
const smtpPort = await findFreePort();
const sink = spawn(process.execPath, [join(import.meta.dirname, 'fixtures', 'smtp-sink.ts')], {
  env: { ...process.env, PORT: String(smtpPort) },
  stdio: ['ignore', 'pipe', 'inherit'],
});
let received = 0;
await new Promise<void>((resolve) => {
  sink.stdout.on('data', (chunk: Buffer) => {
    for (const line of chunk.toString('utf8').split('\n')) {
      if (line === 'listening') resolve();
      const match = /^received (\d+)$/.exec(line);
      if (match) received = Number(match[1]);
    }
  });
});
const workerConcurrency = process.env.BENCH_WORKER_CONCURRENCY ?? '50';
const deliverer = spawn(process.execPath, [join(root, 'src', 'cli.ts'), 'worker'], {
  env: { ...process.env, ...environment, SMTP_URL: `smtp://127.0.0.1:${smtpPort}?tls=none`, WORKER_CONCURRENCY: workerConcurrency },
  stdio: ['ignore', 'ignore', 'inherit'],
});
/** CPU time (user + system) a process has used so far, in ms, from Linux's /proc (ticks of 10 ms). */
function cpuTimeMs(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
  return (Number(fields[11]) + Number(fields[12])) * 10;
}
// Sustained: the rate while the sink received the middle 80% of the backlog, after warm-up and
// before the tail. The worker's CPU time per email over that window is printed beside it, the
// figure that holds when other work shares the machine.
type Mark = { at: number; received: number; workerCpuMs: number };
const mark = (): Mark => ({ at: performance.now(), received, workerCpuMs: cpuTimeMs(deliverer.pid as number) });
const deliveryStarted = performance.now();
let windowStart: Mark | undefined;
let windowEnd: Mark | undefined;
for (;;) {
  await sleep(100);
  windowStart ??= received >= backlog * 0.1 ? mark() : undefined;
  if (windowStart && !windowEnd && (received >= backlog * 0.9 || performance.now() - deliveryStarted > 300_000)) windowEnd = mark();
  if (received >= backlog || performance.now() - deliveryStarted > 300_000) break;
}
await stopProcess(deliverer);
await stopProcess(sink);
const windowEmails = (windowEnd?.received ?? 0) - (windowStart?.received ?? 0);
const windowSeconds = windowStart && windowEnd ? (windowEnd.at - windowStart.at) / 1000 : Number.NaN;
const deliveredRate = windowEmails / windowSeconds;
const cpuPerEmail = windowStart && windowEnd ? (windowEnd.workerCpuMs - windowStart.workerCpuMs) / windowEmails : Number.NaN;
report({
  what: `emails delivered to a local SMTP server (one \`civitas worker\` process, WORKER_CONCURRENCY=${workerConcurrency})`,
  value: `${Math.round(deliveredRate)}/s sustained (${windowEmails} received in ${windowSeconds.toFixed(1)} s, from 10% to 90% of the backlog; ${received} of ${backlog} in all; worker CPU ${cpuPerEmail.toFixed(2)} ms/email)`,
  target: '>= 1000/s sustained',
  baseline: `bare Fastify JSON POST ${Math.round(bareResult.rate)}/s`,
  met: deliveredRate >= 1000 && received >= backlog,
});
rmSync(directory, { recursive: true, force: true });
