import type { Database } from '../../../platform/db/database.ts';
import type { JobHandler } from '../../../platform/jobs/job-worker.ts';
import type { JobQueue } from '../../../platform/jobs/job-queue.ts';
import type { Kernel } from '../../../platform/kernel.ts';
import { createAnswerFileStore } from '../files/answer-file.store.ts';
import { createFormPaymentStore } from '../payments/form-payment.store.ts';
import { createRunnerSessionStore } from '../runner/runner-session.store.ts';
import { createSubmissionStore } from '../submissions/submission.store.ts';
import { createScheduleStore } from './schedule.store.ts';

export const RETENTION_JOB = 'forms.retention';
const RUN_EVERY_MS = 60 * 60 * 1000;
const BATCH = 500;

/**
 * Books the hourly retention run when none is booked, or the booked one is long overdue (its job
 * was lost). Called as the web app starts; processes starting together book one run.
 */
export async function ensureRetentionScheduled(dependencies: { db: Database; jobs: JobQueue; clock?: () => Date }): Promise<void> {
  const now = (dependencies.clock ?? (() => new Date()))();
  await dependencies.db.transaction().execute(async (transaction) => {
    const booked = await createScheduleStore(transaction).book({ name: RETENTION_JOB, dueBy: new Date(now.getTime() - 2 * RUN_EVERY_MS).toISOString(), nextRunAt: now.toISOString() });
    if (booked) await dependencies.jobs.enqueue(transaction, { type: RETENTION_JOB, payload: {}, runAt: now });
  });
}

/**
 * Deletes what Forms must not keep: submissions (their answers) past their form's retention
 * period, files past theirs (a submission's, or an unsubmitted file's session's), and sessions
 * past their 20 hours.
 */
export async function removeExpired(db: Database, now: Date): Promise<{ submissions: number; files: number }> {
  const at = now.toISOString();
  let submissions = 0;
  for (;;) {
    const removed = await createSubmissionStore(db).removeExpired(at, BATCH);
    submissions += removed;
    if (removed < BATCH) break;
  }
  const files = await createAnswerFileStore(db).removeExpired(at);
  await createRunnerSessionStore(db).removeExpired(at);
  await createFormPaymentStore(db).removeExpired(at);
  return { submissions, files };
}

/** The hourly run: removes what expired, audits how much, and books the next run. */
export function createRetentionJob(kernel: Kernel, clock: () => Date = () => new Date()): JobHandler {
  return {
    async run() {
      const now = clock();
      const removed = await removeExpired(kernel.db, now);
      if (removed.submissions + removed.files > 0) {
        await kernel.audit.record({ actor: 'system', action: 'forms.retention.deleted', subject: 'forms', outcome: 'success', details: removed });
      }
      const next = new Date(now.getTime() + RUN_EVERY_MS);
      await kernel.db.transaction().execute(async (transaction) => {
        await createScheduleStore(transaction).book({ name: RETENTION_JOB, dueBy: next.toISOString(), nextRunAt: next.toISOString() });
        await kernel.jobs.enqueue(transaction, { type: RETENTION_JOB, payload: {}, runAt: next });
      });
    },
  };
}
