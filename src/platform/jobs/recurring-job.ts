import type { Database } from '../db/database.ts';
import type { JobQueue } from './job-queue.ts';
import type { JobHandler } from './job-worker.ts';
import { createJobScheduleStore } from './job-schedule.store.ts';

/**
 * A kernel job that runs every `everyMs`, one chain of runs however many processes there are:
 * each run books the next; `ensureScheduled` (called as a process starts) books one only when
 * none is booked or the booked one is so late that its chain was lost.
 */
export function createRecurringJob(dependencies: {
  db: Database;
  jobs: JobQueue;
  type: string;
  everyMs: number;
  run(now: Date): Promise<void>;
  clock?: () => Date;
}) {
  const { db, jobs, type, everyMs } = dependencies;
  const clock = dependencies.clock ?? (() => new Date());
  const schedule = createJobScheduleStore();

  async function bookRun(claim: { dueBy: string; runAt: Date }): Promise<boolean> {
    return db.transaction().execute(async (transaction) => {
      const won = await schedule.claimRun(transaction, { name: type, dueBy: claim.dueBy, nextRunAt: claim.runAt.toISOString() });
      if (won) await jobs.enqueue(transaction, { type, payload: { scheduledFor: claim.runAt.toISOString() }, runAt: claim.runAt, maxAttempts: 3 });
      return won;
    });
  }

  const handler: JobHandler = {
    async run(job) {
      await dependencies.run(clock());
      await bookRun({ dueBy: String(job.payload.scheduledFor), runAt: new Date(clock().getTime() + everyMs) });
    },
  };

  return {
    type,
    handler,
    /** Queues a run now unless one is booked and not lost; true if this call queued it. */
    ensureScheduled(): Promise<boolean> {
      const now = clock();
      return bookRun({ dueBy: new Date(now.getTime() - 2 * everyMs).toISOString(), runAt: now });
    },
  };
}

export type RecurringJob = ReturnType<typeof createRecurringJob>;
