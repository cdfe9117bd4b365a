/**
 * Exchange's figures from issue 14: the latency a mediated call adds (p50, p99) at 200 calls/s,
 * and mediated calls per second against the same call made directly to the provider, both
 * measured in this run over real HTTP on this machine (Civitas listening, SQLite on disk, a
 * provider information system on 127.0.0.1). Each mediated call is signed (ES256) beforehand,
 * as its client would, so the figures are the gateway's own work: checks, forwarding, the answer
 * cut to the agreement's fields, and the signed message log record.
 */
import { Agent, createServer, get } from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { createSigner, httpbis } from 'http-message-signatures';
import { pino } from 'pino';
import { buildApp, modules } from '../src/app.ts';
import { loadConfig } from '../src/platform/config/load-config.ts';
import { openKernel } from '../src/platform/kernel.ts';
import { setUpProviderAndClient } from '../src/modules/exchange/testing/exchange-fixtures.ts';
import { thumbprintOf } from '../src/modules/exchange/testing/signed-calls.ts';
import { findFreePort, percentile, report } from './bench-support.ts';

const RATE_PER_SECOND = 200;
const PACED_SECONDS = 10;
const CONCURRENCY = 16;
const THROUGHPUT_SECONDS = 8;

const directory = mkdtempSync(join(tmpdir(), 'civitas-exchange-bench-'));
const port = await findFreePort();
const baseUrl = `http://127.0.0.1:${port}`;
const { config } = loadConfig({ NODE_ENV: 'test', LOG_LEVEL: 'warn', DATABASE_URL: `sqlite:${join(directory, 'civitas.sqlite')}`, BASE_URL: baseUrl, PORT: String(port), OUTBOUND_ALLOW_PRIVATE_NETWORK: 'true' });
const kernel = openKernel({ config, modules, logger: pino({ level: 'silent' }) });
await kernel.migrate();
const app = await buildApp(kernel);
await app.listen({ port, host: '127.0.0.1' });

const answer = JSON.stringify({ status: 'awarded', rate: 'enhanced', name: 'Ann Example' });
const provider = createServer((_request, response) => response.writeHead(200, { 'content-type': 'application/json' }).end(answer));
await new Promise<void>((resolve) => provider.listen(0, '127.0.0.1', resolve));
const providerBase = `http://127.0.0.1:${(provider.address() as { port: number }).port}/pip`;
const world = await setUpProviderAndClient(kernel, { baseUrl: providerBase, grant: 'GET /awards/*' });
const key = world.clientKeys[0]!;
const signer = createSigner(key.privateKey, key.algorithm, await thumbprintOf(key));

let sequence = 0;
async function signedRequest(): Promise<{ url: string; headers: Record<string, string> }> {
  sequence += 1;
  const url = `${baseUrl}/r1/${world.service}/awards/AB${String(sequence).padStart(6, '0')}C`;
  const signed = await httpbis.signMessage(
    { key: signer, fields: ['@method', '@target-uri', 'x-road-client'], params: ['created', 'keyid', 'alg'] },
    { method: 'GET', url, headers: { 'x-road-client': world.client } },
  );
  return { url, headers: signed.headers as Record<string, string> };
}
const direct = async () => ({ url: `${providerBase}/awards/AB${String((sequence += 1)).padStart(6, '0')}C`, headers: {} });

/** Kept-alive connections, as a client information system would hold them, for both kinds of call. */
const agent = new Agent({ keepAlive: true, maxSockets: 64 });

function send(request: { url: string; headers: Record<string, string> }): Promise<number> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    get(request.url, { headers: request.headers, agent }, (response) => {
      response.resume();
      response.on('end', () => (response.statusCode === 200 ? resolve(performance.now() - started) : reject(new Error(`answered ${response.statusCode}: ${response.headers['x-road-error']}`))));
    }).on('error', reject);
  });
}

/** One call every 1/RATE seconds, whatever the answers' pace; each call's own latency. */
async function paced(prepare: () => Promise<{ url: string; headers: Record<string, string> }>): Promise<number[]> {
  const requests = [];
  for (let index = 0; index < RATE_PER_SECOND * PACED_SECONDS; index += 1) requests.push(await prepare());
  const latencies: Promise<number>[] = [];
  const start = performance.now();
  for (const [index, request] of requests.entries()) {
    const due = start + (index * 1000) / RATE_PER_SECOND;
    const wait = due - performance.now();
    if (wait > 0) await sleep(wait);
    latencies.push(send(request));
  }
  return Promise.all(latencies);
}

/**
 * As many calls as CONCURRENCY clients make back to back; calls per second. Each request is
 * prepared (signed) before the clock starts, as in the paced runs: the client's signing is the
 * client's work, not the gateway's. `expected` calls per second sizes the stock prepared.
 */
async function throughput(prepare: () => Promise<{ url: string; headers: Record<string, string> }>, expected: number): Promise<number> {
  const stock: Array<{ url: string; headers: Record<string, string> }> = [];
  for (let index = 0; index < expected * THROUGHPUT_SECONDS; index += 1) stock.push(await prepare());
  const until = performance.now() + THROUGHPUT_SECONDS * 1000;
  let done = 0;
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (performance.now() < until) {
        await send(stock.pop() ?? (await prepare()));
        done += 1;
      }
    }),
  );
  return done / THROUGHPUT_SECONDS;
}

try {
  await paced(direct);
  await paced(signedRequest);
  const directLatencies = await paced(direct);
  const mediatedLatencies = await paced(signedRequest);
  const addedP50 = percentile(mediatedLatencies, 0.5) - percentile(directLatencies, 0.5);
  const addedP99 = percentile(mediatedLatencies, 0.99) - percentile(directLatencies, 0.99);
  const directRate = await throughput(direct, 15_000);
  const mediatedRate = await throughput(signedRequest, 5_000);
  report({ what: `exchange: latency added at ${RATE_PER_SECOND} calls/s, p50`, value: `${addedP50.toFixed(2)} ms`, target: 'under 2 ms', baseline: `direct p50 ${percentile(directLatencies, 0.5).toFixed(2)} ms, mediated ${percentile(mediatedLatencies, 0.5).toFixed(2)} ms`, met: addedP50 < 2 });
  report({ what: `exchange: latency added at ${RATE_PER_SECOND} calls/s, p99`, value: `${addedP99.toFixed(2)} ms`, target: 'reported', baseline: `direct p99 ${percentile(directLatencies, 0.99).toFixed(2)} ms, mediated ${percentile(mediatedLatencies, 0.99).toFixed(2)} ms`, met: true });
  report({ what: 'exchange: mediated calls per second', value: `${mediatedRate.toFixed(0)}/s (${((mediatedRate / directRate) * 100).toFixed(0)}% of direct)`, target: 'at least 25% of direct', baseline: `direct ${directRate.toFixed(0)}/s, ${CONCURRENCY} clients`, met: mediatedRate >= directRate * 0.25 });
} finally {
  await app.close();
  provider.close();
  agent.destroy();
  await kernel.close();
  rmSync(directory, { recursive: true, force: true });
}
