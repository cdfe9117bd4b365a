import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startPayApp } from '../testing/pay-test-support.ts';
import { SWEEP_JOB } from './sweeper.ts';

test('one chain of sweep jobs runs however many processes start, and a lost chain is restarted', async (t) => {
  const payApp = await startPayApp(t);
  const sweeps = async () => (await payApp.kernel.jobs.list()).filter((job) => job.type === SWEEP_JOB);
  // The app scheduled the sweep when it became ready; more processes starting add nothing.
  assert.equal((await sweeps()).length, 1);
  await payApp.services.sweeper.ensureScheduled();
  await payApp.services.sweeper.ensureScheduled();
  assert.equal((await sweeps()).length, 1);

  await payApp.runJobs();
  const [next] = await sweeps();
  assert.ok(next, 'the sweep scheduled the next one');
  assert.ok(Date.parse(next.runAt) > Date.now() + 50_000, 'about a minute later');

  // A second chain (from a job enqueued twice, say) dies out: only one job can move the schedule on.
  await payApp.kernel.jobs.enqueue(payApp.kernel.db, { type: SWEEP_JOB, payload: { scheduledFor: '2000-01-01T00:00:00.000Z' } });
  await payApp.runJobs();
  assert.equal((await sweeps()).length, 1);

  // If the chain is lost, the next process to start begins a new one.
  const db = payApp.kernel.db.withTables<{ job: { type: string }; pay_schedule: { name: string; next_run_at: string } }>();
  await db.deleteFrom('job').where('type', '=', SWEEP_JOB).execute();
  await db.updateTable('pay_schedule').set({ next_run_at: new Date(Date.now() - 11 * 60_000).toISOString() }).execute();
  await payApp.services.sweeper.ensureScheduled();
  assert.equal((await sweeps()).length, 1);
});
