/**
 * The platform kernel's figures from ../shared/TARGETS.md: page render time, time from start to
 * /readyz, and the memory of an idle process, each beside bare Fastify measured in this run.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { pino } from 'pino';
import { buildApp, modules } from '../src/app.ts';
import { loadConfig } from '../src/platform/config/load-config.ts';
import { openKernel } from '../src/platform/kernel.ts';
import {
  findFreePort,
  percentile,
  report,
  residentMemoryMb,
  startProcess,
  stopProcess,
  waitUntilAnswering,
} from './bench-support.ts';

const root = join(import.meta.dirname, '..');
const PAGES = ['/', '/accessibility-statement', '/cookies', '/privacy', '/?lang=cy'];
const RENDERS_PER_PAGE = 400;

async function measurePageRenders(): Promise<void> {
  const directory = mkdtempSync(join(tmpdir(), 'civitas-bench-'));
  const { config } = loadConfig({ NODE_ENV: 'test', DATABASE_URL: `sqlite:${join(directory, 'bench.sqlite')}` });
  const kernel = openKernel({ config, modules, logger: pino({ level: 'silent' }) });
  await kernel.migrate();
  const app = await buildApp(kernel);
  const timings: number[] = [];
  for (const url of PAGES) {
    for (let index = 0; index < RENDERS_PER_PAGE; index += 1) {
      const started = performance.now();
      const response = await app.inject({ method: 'GET', url });
      timings.push(performance.now() - started);
      if (response.statusCode !== 200) throw new Error(`${url} answered ${response.statusCode}`);
    }
  }
  const baselineApp = (await import('fastify')).default({ logger: false });
  baselineApp.get('/page', async (_request, reply) => reply.type('text/html').send('<p>Hello</p>'));
  const baseline: number[] = [];
  for (let index = 0; index < RENDERS_PER_PAGE; index += 1) {
    const started = performance.now();
    await baselineApp.inject({ method: 'GET', url: '/page' });
    baseline.push(performance.now() - started);
  }
  const p95 = percentile(timings, 0.95);
  report({
    what: 'page server-side render, p95 over every page in English and Welsh',
    value: `${p95.toFixed(2)} ms`,
    target: '< 10 ms',
    baseline: `bare Fastify static page p95 ${percentile(baseline, 0.95).toFixed(2)} ms`,
    met: p95 < 10,
  });
  await app.close();
  await baselineApp.close();
  await kernel.close();
  rmSync(directory, { recursive: true, force: true });
}

async function measureStartAndMemory(): Promise<void> {
  const directory = mkdtempSync(join(tmpdir(), 'civitas-bench-'));
  const civitasPort = await findFreePort();
  const started = performance.now();
  const civitas = startProcess(join(root, 'src', 'main.ts'), {
    PORT: String(civitasPort),
    HOST: '127.0.0.1',
    LOG_LEVEL: 'warn',
    NODE_ENV: 'test',
    DATABASE_URL: `sqlite:${join(directory, 'civitas.sqlite')}`,
  });
  const civitasStartMs = await waitUntilAnswering(`http://127.0.0.1:${civitasPort}/readyz`, started);

  const barePort = await findFreePort();
  const bareStarted = performance.now();
  const bare = startProcess(join(import.meta.dirname, 'fixtures', 'bare-fastify.ts'), { PORT: String(barePort) });
  const bareStartMs = await waitUntilAnswering(`http://127.0.0.1:${barePort}/readyz`, bareStarted);

  report({
    what: 'start on a fresh SQLite database until /readyz answers',
    value: `${Math.round(civitasStartMs)} ms`,
    target: '< 3000 ms',
    baseline: `bare Fastify ${Math.round(bareStartMs)} ms`,
    met: civitasStartMs < 3000,
  });

  // Let start-up garbage be collected and the worker settle into its idle poll.
  await fetch(`http://127.0.0.1:${civitasPort}/`);
  await sleep(3000);
  const civitasRss = residentMemoryMb(civitas.pid as number);
  const bareRss = residentMemoryMb(bare.pid as number);
  report({
    what: 'memory of one idle process (RSS)',
    value: `${civitasRss.toFixed(0)} MB`,
    target: '< 200 MB',
    baseline: `bare Fastify ${bareRss.toFixed(0)} MB`,
    met: civitasRss < 200,
  });
  await Promise.all([stopProcess(civitas), stopProcess(bare)]);
  rmSync(directory, { recursive: true, force: true });
}

process.stdout.write('Platform kernel\n');
await measurePageRenders();
await measureStartAndMemory();
