import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { startCivitas } from '../../main.ts';
import type { CivitasModule } from '../module.ts';
import { createTestDatabase, testDatabaseKind } from '../testing/test-database.ts';
import { createTestConfig, createTestKernel } from '../../testing/test-kernel.ts';

const ROOT = resolve(import.meta.dirname, '../../..');
const NODE = join(ROOT, 'node_modules/.bin/node');
const WORKER_PROCESS = join(import.meta.dirname, 'fixtures/run-worker-process.ts');
const JOB_COUNT = 1000;

type ChildProcess = {
  pid: number;
  ready: Promise<void>;
  exited: Promise<number | null>;
  closeStdin(): void;
  /** Ends the process if it is still running. */
  kill(): void;
  output(): string;
};

/** Starts the fixture worker process; `ready` resolves once it has opened the database. */
function startWorkerProcess(environment: Record<string, string>): ChildProcess {
  const env: Record<string, string | undefined> = { ...process.env, ...environment };
  delete env.NODE_TEST_CONTEXT;
  const child = spawn(NODE, [WORKER_PROCESS], { cwd: ROOT, env, stdio: ['pipe', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  const exited = new Promise<number | null>((resolveExit, rejectExit) => {
    child.once('error', rejectExit);
    child.once('close', (code) => resolveExit(code));
  });
  const ready = new Promise<void>((resolveReady, rejectReady) => {
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
      if (stdout.includes('ready\n')) resolveReady();
    });
    void exited.then((code) => rejectReady(new Error(`worker process exited (${code}) before it was ready:\n${stderr}`)));
  });
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
    stderr += chunk;
  });
  return {
    pid: child.pid!,
    ready,
    exited,
    closeStdin: () => child.stdin.end(),
    kill: () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    },
    output: () => `stdout:\n${stdout}\nstderr:\n${stderr}`,
  };
}

test(
  `two Civitas processes sharing one PostgreSQL queue of ${JOB_COUNT} jobs run each job exactly once`,
  { timeout: 120_000 },
  async (t) => {
    if (testDatabaseKind() !== 'postgres') {
      t.skip('needs PostgreSQL: SQLite is for one process by design (run with a postgres:// DATABASE_URL)');
      return;
    }
    const kernel = await createTestKernel(t, { modules: [] });
    const enqueued = await kernel.db.transaction().execute(async (transaction) => {
      const ids: string[] = [];
      for (let n = 0; n < JOB_COUNT; n++) {
        ids.push(await kernel.jobs.enqueue(transaction, { type: 'fixture.record-run', payload: { n } }));
      }
      return ids;
    });
    const logDirectory = mkdtempSync(join(tmpdir(), 'civitas-job-runs-'));
    t.after(() => rmSync(logDirectory, { recursive: true, force: true }));

    const environment = {
      DATABASE_URL: kernel.testDatabase.url,
      NODE_ENV: 'test',
      LOG_LEVEL: 'warn',
      WORKER_CONCURRENCY: '8',
      JOB_RUN_LOG_DIRECTORY: logDirectory,
    };
    const processes = [startWorkerProcess(environment), startWorkerProcess(environment)];
    t.after(() => {
      for (const child of processes) child.kill();
    });
    await Promise.all(processes.map((child) => child.ready));
    for (const child of processes) child.closeStdin();
    const exitCodes = await Promise.all(processes.map((child) => child.exited));
    for (const [index, code] of exitCodes.entries()) {
      assert.equal(code, 0, `worker process ${index + 1} failed:\n${processes[index]!.output()}`);
    }

    const runsByProcess = new Map<number, string[]>();
    for (const file of readdirSync(logDirectory)) {
      const pid = Number(/^runs-(\d+)\.txt$/.exec(file)?.[1]);
      runsByProcess.set(pid, readFileSync(join(logDirectory, file), 'utf8').split('\n').filter(Boolean));
    }
    const allRuns = [...runsByProcess.values()].flat();
    assert.equal(allRuns.length, JOB_COUNT, `${JOB_COUNT} runs in all`);
    assert.equal(new Set(allRuns).size, JOB_COUNT, 'no job ran twice');
    assert.deepEqual([...allRuns].sort(), [...enqueued].sort(), 'every enqueued job ran');
    for (const child of processes) {
      const runs = runsByProcess.get(child.pid) ?? [];
      assert.ok(runs.length > 0, `process ${child.pid} ran some of the jobs (${runs.length})`);
      t.diagnostic(`process ${child.pid} ran ${runs.length} jobs`);
    }
    assert.deepEqual(await kernel.jobs.list({ limit: 10_000 }), [], 'nothing is left in the queue');
  },
);

async function findFreePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolveListen) => server.listen(0, '127.0.0.1', resolveListen));
  const address = server.address();
  await new Promise<void>((resolveClose) => server.close(() => resolveClose()));
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}

function createPingModule(ran: unknown[]): CivitasModule {
  return {
    name: 'ping',
    createJobHandlers: () => ({
      'ping.record': {
        async run(job) {
          ran.push(job.payload);
        },
      },
    }),
  };
}

test('npm start runs the job workers by default, and not with RUN_WORKERS=false', { timeout: 60_000 }, async (t) => {
  const database = await createTestDatabase();
  t.after(() => database.drop());

  const ran: unknown[] = [];
  const withWorkers = await startCivitas(
    createTestConfig(database, { PORT: String(await findFreePort()), HOST: '127.0.0.1' }),
    { modules: [createPingModule(ran)] },
  );
  try {
    assert.ok(withWorkers.worker, 'a worker runs in the web process');
    await withWorkers.kernel.jobs.enqueue(withWorkers.kernel.db, { type: 'ping.record', payload: { n: 1 } });
    while (ran.length === 0) await sleep(5);
    assert.deepEqual(ran, [{ n: 1 }]);
  } finally {
    await withWorkers.stop();
  }

  const webOnly = await startCivitas(
    createTestConfig(database, { PORT: String(await findFreePort()), HOST: '127.0.0.1', RUN_WORKERS: 'false' }),
    { modules: [createPingModule(ran)] },
  );
  try {
    assert.equal(webOnly.worker, undefined, 'RUN_WORKERS=false: no worker in this process');
    await webOnly.kernel.jobs.enqueue(webOnly.kernel.db, { type: 'ping.record', payload: { n: 2 } });
    assert.deepEqual(
      (await webOnly.kernel.jobs.list()).filter((job) => job.type === 'ping.record').map((job) => job.status),
      ['pending'],
    );
  } finally {
    await webOnly.stop();
  }
});
