/**
 * Exchange's figures from issue 14: the latency a mediated call adds (p50, p99) at 200 calls/s,
 * and mediated calls per second against the same call made directly to the provider, both
 * measured in this run over real HTTP on this machine. Four processes, so like is compared with
 * like: Civitas (this one: listening, SQLite on disk), the provider information system
 * (fixtures/exchange-provider.ts), the load generator (fixtures/exchange-load.ts), which makes
 * the direct and the mediated calls the same way, and the floor (fixtures/exchange-floor.ts): a
 * bare mediator doing only the two signatures and two hops a mediated call needs, so the report
 * shows how much of the direct call's rate any gateway could reach here, beside what Civitas does. Each mediated call is signed (ES256)
 * before the clock starts, as its client would, so the figures are the gateway's own work:
 * checks, replay guard, forwarding signed by Civitas, the answer cut to the agreement's fields,
 * and the signed message log record.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { buildApp, modules } from '../src/app.ts';
import { loadConfig } from '../src/platform/config/load-config.ts';
import { openKernel } from '../src/platform/kernel.ts';
import { setUpProviderAndClient } from '../src/modules/exchange/testing/exchange-fixtures.ts';
import { thumbprintOf } from '../src/modules/exchange/testing/signed-calls.ts';
import { findFreePort, percentile, report } from './bench-support.ts';
import type { FloorSetup } from './fixtures/exchange-floor.ts';
import type { LoadCommand, LoadResult, LoadSetup, LoadTarget } from './fixtures/exchange-load.ts';

const RATE_PER_SECOND = 200;
const PACED_SECONDS = 10;
const CONCURRENCY = 16;
/** The throughput runs: this many rounds of a direct slice then a mediated one. */
const THROUGHPUT_ROUNDS = 4;
const SLICE_SECONDS = 3;

function startChild(name: string): ChildProcess {
  return fork(join(import.meta.dirname, 'fixtures', name), [], { execArgv: [], stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
}

async function nextMessage<T>(child: ChildProcess): Promise<T> {
  // Both listeners go once the message is in: one left per message would pile up on the child.
  const settled = new AbortController();
  try {
    const [message] = (await Promise.race([once(child, 'message', { signal: settled.signal }), once(child, 'exit', { signal: settled.signal }).then(() => Promise.reject(new Error('a bench process ended early')))])) as [T];
    return message;
  } finally {
    settled.abort();
  }
}

const directory = mkdtempSync(join(tmpdir(), 'civitas-exchange-bench-'));
const provider = startChild('exchange-provider.ts');
const load = startChild('exchange-load.ts');
const floor = startChild('exchange-floor.ts');
try {
  const { port: providerPort } = await nextMessage<{ port: number }>(provider);
  const { port: floorPort } = await nextMessage<{ port: number }>(floor);
  const providerBase = `http://127.0.0.1:${providerPort}/pip`;

  const port = await findFreePort();
  const gatewayBase = `http://127.0.0.1:${port}`;
  const { config } = loadConfig({ NODE_ENV: 'test', LOG_LEVEL: 'warn', DATABASE_URL: `sqlite:${join(directory, 'civitas.sqlite')}`, BASE_URL: gatewayBase, PORT: String(port), OUTBOUND_ALLOW_PRIVATE_NETWORK: 'true' });
  const kernel = openKernel({ config, modules, logger: pino({ level: 'silent' }) });
  await kernel.migrate();
  const app = await buildApp(kernel);
  await app.listen({ port, host: '127.0.0.1' });
  try {
    const world = await setUpProviderAndClient(kernel, { baseUrl: providerBase, grant: 'GET /awards/*' });
    const key = world.clientKeys[0]!;
    floor.send({ setup: { providerBase, publicKeyPem: key.publicPem } satisfies FloorSetup });
    await nextMessage(floor);
    const setup: LoadSetup = { gatewayBase, floorBase: `http://127.0.0.1:${floorPort}`, providerBase, service: world.service, client: world.client, privateKeyPem: key.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(), algorithm: key.algorithm, keyId: await thumbprintOf(key) };
    load.send({ setup });
    await nextMessage(load);

    async function run(command: LoadCommand): Promise<LoadResult> {
      load.send({ command });
      const result = await nextMessage<LoadResult>(load);
      if (result.failures > 0) throw new Error(`${result.failures} ${command.target} calls failed`);
      return result;
    }
    const paced = async (target: LoadTarget) => (await run({ kind: 'paced', target, ratePerSecond: RATE_PER_SECOND, seconds: PACED_SECONDS })).latencies!;

    await paced('direct');
    await paced('mediated');
    const directLatencies = await paced('direct');
    const pacedCpuBefore = process.cpuUsage();
    const mediatedLatencies = await paced('mediated');
    const pacedCpu = process.cpuUsage(pacedCpuBefore);
    const pacedCpuPerCall = (pacedCpu.user + pacedCpu.system) / mediatedLatencies.length;
    const addedP50 = percentile(mediatedLatencies, 0.5) - percentile(directLatencies, 0.5);
    const addedP99 = percentile(mediatedLatencies, 0.99) - percentile(directLatencies, 0.99);
    // Direct, floor and mediated in alternating slices, so each meets the same share of a busy machine.
    let directCalls = 0;
    let floorCalls = 0;
    let mediatedCalls = 0;
    let civitasCpuMicroseconds = 0;
    const slice = async (target: LoadTarget, stock: number) => (await run({ kind: 'throughput', target, concurrency: CONCURRENCY, seconds: SLICE_SECONDS, stock: stock * SLICE_SECONDS })).rate! * SLICE_SECONDS;
    for (let round = 0; round < THROUGHPUT_ROUNDS; round += 1) {
      directCalls += await slice('direct', 15_000);
      floorCalls += await slice('floor', 6_000);
      const cpuBefore = process.cpuUsage();
      mediatedCalls += await slice('mediated', 3_000);
      const cpu = process.cpuUsage(cpuBefore);
      civitasCpuMicroseconds += cpu.user + cpu.system;
    }
    const directRate = directCalls / (THROUGHPUT_ROUNDS * SLICE_SECONDS);
    const floorRate = floorCalls / (THROUGHPUT_ROUNDS * SLICE_SECONDS);
    const mediatedRate = mediatedCalls / (THROUGHPUT_ROUNDS * SLICE_SECONDS);
    const civitasCpuPerCall = civitasCpuMicroseconds / mediatedCalls;

    report({ what: `exchange: latency added at ${RATE_PER_SECOND} calls/s, p50`, value: `${addedP50.toFixed(2)} ms`, target: 'under 2 ms', baseline: `direct p50 ${percentile(directLatencies, 0.5).toFixed(2)} ms, mediated ${percentile(mediatedLatencies, 0.5).toFixed(2)} ms; Civitas ${pacedCpuPerCall.toFixed(0)} µs CPU a call`, met: addedP50 < 2 });
    report({ what: `exchange: latency added at ${RATE_PER_SECOND} calls/s, p99`, value: `${addedP99.toFixed(2)} ms`, target: 'reported', baseline: `direct p99 ${percentile(directLatencies, 0.99).toFixed(2)} ms, mediated ${percentile(mediatedLatencies, 0.99).toFixed(2)} ms`, met: true });
    report({
      what: 'exchange: mediated calls per second',
      value: `${mediatedRate.toFixed(0)}/s (${((mediatedRate / directRate) * 100).toFixed(0)}% of direct; Civitas ${civitasCpuPerCall.toFixed(0)} µs CPU a call)`,
      target: 'at least 25% of direct',
      baseline: `direct ${directRate.toFixed(0)}/s, ${CONCURRENCY} clients, same load generator; machine load average ${loadavg()[0]!.toFixed(1)}`,
      met: mediatedRate >= directRate * 0.25,
    });
    report({
      what: 'exchange: the floor, a bare mediator (two signatures, two hops, nothing else)',
      value: `${floorRate.toFixed(0)}/s (${((floorRate / directRate) * 100).toFixed(0)}% of direct; Civitas reaches ${((mediatedRate / floorRate) * 100).toFixed(0)}% of it)`,
      target: 'reported: the most any gateway doing what a mediated call needs reaches here',
      baseline: `direct ${directRate.toFixed(0)}/s, same load generator`,
      met: true,
    });
  } finally {
    await app.close();
    await kernel.close();
  }
} finally {
  provider.disconnect();
  load.disconnect();
  floor.disconnect();
  rmSync(directory, { recursive: true, force: true });
}
