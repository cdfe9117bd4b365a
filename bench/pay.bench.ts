/**
 * Pay's figure from ../shared/TARGETS.md: payments created per second (`POST /v1/payments` with
 * a test API key, the request a service sends), against `npm start` on SQLite with its workers
 * running, beside bare Fastify's JSON POST rate measured in the same run with the same load
 * generator and body. Every request is authenticated, counted against the account's rate
 * limit in the database, validated, and stored with its next_url token and its ledger entry in
 * one transaction.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import autocannon from 'autocannon';
import { pino } from 'pino';
import { modules } from '../src/app.ts';
import { loadConfig } from '../src/platform/config/load-config.ts';
import { openKernel } from '../src/platform/kernel.ts';
import { payServicesOf } from '../src/modules/pay/pay-services.ts';
import type { ChildProcess } from 'node:child_process';
import { cpuTimeMs, findFreePort, report, startProcess, stopProcess, waitUntilAnswering } from './bench-support.ts';

const root = join(import.meta.dirname, '..');
const DURATION_SECONDS = 10;
const WARM_UP_SECONDS = 2;
const CONNECTIONS = 50;

/** Requests per second and, from the server process's CPU time, its CPU microseconds per request. */
async function measure(
  server: ChildProcess,
  options: autocannon.Options,
): Promise<{ rate: number; ok: number; non2xx: number; errors: number; p99: number; cpuUsPerRequest: number }> {
  await autocannon({ connections: CONNECTIONS, duration: WARM_UP_SECONDS, ...options });
  const cpuBefore = cpuTimeMs(server.pid as number);
  const result = await autocannon({ connections: CONNECTIONS, duration: DURATION_SECONDS, ...options });
  const cpuUsed = cpuTimeMs(server.pid as number) - cpuBefore;
  const ok = result['2xx'];
  const answered = ok + result.non2xx;
  return {
    rate: ok / DURATION_SECONDS,
    ok,
    non2xx: result.non2xx,
    errors: result.errors,
    p99: result.latency.p99,
    cpuUsPerRequest: answered > 0 ? Math.round((cpuUsed * 1000) / answered) : Number.NaN,
  };
}

const directory = mkdtempSync(join(tmpdir(), 'civitas-pay-bench-'));
const databaseUrl = `sqlite:${join(directory, 'civitas.sqlite')}`;
const environment = { NODE_ENV: 'test', LOG_LEVEL: 'warn', DATABASE_URL: databaseUrl };

// The account and its key, made as an operator would; its rate limit raised for the run
// (`civitas pay account add --rate-limit-post N`), as GOV.UK Pay raises it for busy services.
const { config } = loadConfig(environment);
const setupKernel = openKernel({ config, modules, logger: pino({ level: 'silent' }) });
await setupKernel.migrate();
const services = payServicesOf(setupKernel);
const account = await services.accounts.createAccount({ name: 'Benchmark', rateLimitPost: 1_000_000, rateLimitOther: 1_000_000, actor: 'operator:bench' });
const { key } = await services.accounts.createKey({ accountId: account.id, type: 'test', actor: 'operator:bench' });
await setupKernel.close();

process.stdout.write('Pay\n');
const body = JSON.stringify({
  amount: 14500,
  reference: 'BENCH-0001',
  description: 'Annual rod licence',
  return_url: 'https://fishing.example.gov.uk/return/0001',
  language: 'en',
  email: 'angler@example.com',
  metadata: { ledger_code: 'AB100' },
});

const barePort = await findFreePort();
const bare = startProcess(join(import.meta.dirname, 'fixtures', 'bare-fastify.ts'), { PORT: String(barePort) });
await waitUntilAnswering(`http://127.0.0.1:${barePort}/readyz`, performance.now());
const bareResult = await measure(bare, { url: `http://127.0.0.1:${barePort}/json`, method: 'POST', headers: { 'content-type': 'application/json' }, body });
await stopProcess(bare);

const port = await findFreePort();
const civitas = startProcess(join(root, 'src', 'main.ts'), { ...environment, PORT: String(port), HOST: '127.0.0.1' });
await waitUntilAnswering(`http://127.0.0.1:${port}/readyz`, performance.now());
const created = await measure(civitas, {
  url: `http://127.0.0.1:${port}/v1/payments`,
  method: 'POST',
  headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
  body,
});
await stopProcess(civitas);

const share = created.rate / bareResult.rate;
report({
  what: 'payments created (POST /v1/payments, SQLite, workers on)',
  value: `${Math.round(created.rate)}/s (${created.ok} in ${DURATION_SECONDS} s, ${created.non2xx} refused, ${created.errors} errors, p99 ${created.p99} ms, server CPU ${created.cpuUsPerRequest} µs a request; ${Math.round(share * 100)}% of bare Fastify)`,
  target: '>= 3000/s and >= 25% of bare Fastify',
  baseline: `bare Fastify JSON POST ${Math.round(bareResult.rate)}/s, server CPU ${bareResult.cpuUsPerRequest} µs a request`,
  met: created.rate >= 3000 && share >= 0.25,
});
rmSync(directory, { recursive: true, force: true });
