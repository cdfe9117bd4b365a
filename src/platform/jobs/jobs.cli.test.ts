import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join, resolve } from 'node:path';
import { test } from 'node:test';
import { createTestDatabase } from '../testing/test-database.ts';
import { createTestKernel } from '../../testing/test-kernel.ts';
import { runCivitas } from '../../testing/civitas-cli.ts';
import type { JobSummary } from './job-queue.ts';

const ROOT = resolve(import.meta.dirname, '../../..');
const NODE = join(ROOT, 'node_modules/.bin/node');
const CIVITAS = join(ROOT, 'bin/civitas.js');

type CivitasRun = { code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string };

/** Runs `civitas ...` as a separate process, as an operator would. */
function startCivitas(args: string[], environment: Record<string, string>) {
  const env: Record<string, string | undefined> = { ...process.env, ...environment };
  delete env.NODE_TEST_CONTEXT;
  const child = spawn(NODE, [CIVITAS, ...args], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  const run: CivitasRun = { code: null, signal: null, stdout: '', stderr: '' };
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    run.stdout += chunk;
  });
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
    run.stderr += chunk;
  });
  const finished = new Promise<CivitasRun>((resolveRun, rejectRun) => {
    child.once('error', rejectRun);
    child.once('close', (code, signal) => {
      run.code = code;
      run.signal = signal;
      resolveRun(run);
    });
  });
  return { child, run, finished };
}

/** `civitas ...` in this process, as the bin runs it: the worker below is the one that needs a process of its own. */
async function civitasInProcess(environment: Record<string, string>, ...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const { exitCode, stdout, stderr } = await runCivitas(environment, ...args);
  return { code: exitCode, stdout, stderr };
}

async function createKernelWithFailedJob(t: Parameters<typeof createTestKernel>[0]) {
  // Every module of the app, as the command opens them all: the database must have all their migrations.
  const kernel = await createTestKernel(t);
  const failedId = await kernel.jobs.enqueue(kernel.db, { type: 'test.refund', payload: { amount: 100 }, maxAttempts: 1 });
  const [job] = await kernel.jobs.claim({ types: ['test.refund'], workerId: 'test-worker', limit: 1, leaseMs: 60_000 });
  assert.equal(job?.id, failedId);
  assert.equal(
    await kernel.jobs.fail({ job: job!, error: 'the bank said no', retryInMs: 0 }),
    'failed',
  );
  const pendingId = await kernel.jobs.enqueue(kernel.db, { type: 'test.refund', payload: { amount: 5 } });
  const civitas = (...args: string[]) => civitasInProcess({ DATABASE_URL: kernel.testDatabase.url }, ...args);
  return { kernel, failedId, pendingId, civitas };
}

test('civitas jobs list --failed --json lists only the failed jobs, with their last error', { timeout: 60_000 }, async (t) => {
  const { failedId, pendingId, civitas } = await createKernelWithFailedJob(t);

  const [failed, all, text, badLimit] = await Promise.all([
    civitas('jobs', 'list', '--failed', '--json'),
    civitas('jobs', 'list', '--json'),
    civitas('jobs', 'list', '--failed'),
    civitas('jobs', 'list', '--limit', 'lots'),
  ]);
  assert.equal(failed.code, 0, failed.stderr);
  const jobs = JSON.parse(failed.stdout) as JobSummary[];
  assert.equal(jobs.length, 1);
  const { runAt, createdAt, ...rest } = jobs[0]!;
  assert.deepEqual(rest, {
    id: failedId,
    type: 'test.refund',
    status: 'failed',
    attempts: 1,
    maxAttempts: 1,
    lastError: 'the bank said no',
  });
  assert.equal(new Date(runAt).toISOString(), runAt, 'an ISO-8601 time');
  assert.equal(new Date(createdAt).toISOString(), createdAt, 'an ISO-8601 time');

  assert.equal(all.code, 0, all.stderr);
  assert.deepEqual((JSON.parse(all.stdout) as JobSummary[]).map((job) => job.id).sort(), [failedId, pendingId].sort());

  assert.equal(text.code, 0, text.stderr);
  assert.match(text.stdout, new RegExp(`${failedId}\\s+test\\.refund\\s+failed\\s+attempts 1/1\\s+last error: the bank said no`));
  assert.doesNotMatch(text.stdout, new RegExp(pendingId));

  assert.equal(badLimit.code, 2);
  assert.match(badLimit.stderr, /--limit must be a whole number/);
});

test('civitas jobs retry puts a failed job back in the queue; an unknown id is an error', { timeout: 60_000 }, async (t) => {
  const { kernel, failedId, pendingId, civitas } = await createKernelWithFailedJob(t);

  const [unknown, notFailed, missingId] = await Promise.all([
    civitas('jobs', 'retry', 'no-such-job'),
    civitas('jobs', 'retry', pendingId),
    civitas('jobs', 'retry'),
  ]);
  assert.equal(unknown.code, 1);
  assert.equal(unknown.stdout, '');
  assert.match(unknown.stderr, /There is no failed job with id no-such-job/);

  assert.equal(notFailed.code, 1, 'a pending job cannot be retried');
  assert.match(notFailed.stderr, new RegExp(`There is no failed job with id ${pendingId}`));

  assert.equal(missingId.code, 2);
  assert.match(missingId.stderr, /Give the id of the failed job/);

  const retried = await civitas('jobs', 'retry', failedId, '--json');
  assert.equal(retried.code, 0, retried.stderr);
  assert.deepEqual(JSON.parse(retried.stdout), { id: failedId, status: 'pending' });

  const job = (await kernel.jobs.list()).find((candidate) => candidate.id === failedId);
  assert.equal(job?.status, 'pending');
  assert.equal(job?.attempts, 0);
  assert.deepEqual(await kernel.jobs.list({ status: 'failed' }), []);

  const [listed, again] = await Promise.all([
    civitas('jobs', 'list', '--failed', '--json'),
    civitas('jobs', 'retry', failedId),
  ]);
  assert.deepEqual(JSON.parse(listed.stdout), []);
  assert.equal(again.code, 1, 'it is no longer failed');
});

test('on a database that is not migrated yet, the jobs commands say to run migrate', { timeout: 60_000 }, async (t) => {
  const database = await createTestDatabase();
  t.after(() => database.drop());
  const environment = { DATABASE_URL: database.url };

  const runs = await Promise.all([civitasInProcess(environment, 'jobs', 'list', '--failed', '--json'), civitasInProcess(environment, 'jobs', 'retry', 'some-id')]);
  for (const run of runs) {
    assert.equal(run.code, 1, run.stderr);
    assert.equal(run.stdout, '');
    assert.match(run.stderr, /run `civitas migrate` first/);
    assert.doesNotMatch(run.stderr, /\n\s+at /, 'no stack trace');
  }
});

test('civitas worker runs until SIGTERM, then stops cleanly', { timeout: 60_000 }, async (t) => {
  const kernel = await createTestKernel(t, { modules: [] });
  const worker = startCivitas(['worker'], {
    DATABASE_URL: kernel.testDatabase.url,
    NODE_ENV: 'test',
    LOG_LEVEL: 'info',
  });
  t.after(() => {
    if (worker.child.exitCode === null && worker.child.signalCode === null) worker.child.kill('SIGKILL');
  });

  while (!worker.run.stderr.includes('job worker started')) {
    if (worker.child.exitCode !== null) assert.fail(`civitas worker exited early:\n${worker.run.stderr}`);
    await new Promise((resolveWait) => setTimeout(resolveWait, 10));
  }
  worker.child.kill('SIGTERM');
  const run = await worker.finished;

  assert.equal(run.code, 0, `exit code ${run.code}, signal ${run.signal}:\n${run.stderr}`);
  assert.match(run.stderr, /job worker stopped/);
});
