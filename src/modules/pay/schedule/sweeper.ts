import type { Database } from '../../../platform/db/database.ts';
import type { ClaimedJob, JobQueue } from '../../../platform/jobs/job-queue.ts';
import type { IdempotencyStore } from '../idempotency/idempotency.store.ts';
import { IDEMPOTENCY_WINDOW_MS, type PaymentService } from '../payments/payment.service.ts';
import type { RateLimitStore } from '../rate-limits/rate-limit.store.ts';
import type { ScheduleStore } from './schedule.store.ts';

export const SWEEP_JOB = 'pay.sweep';
const SCHEDULE_NAME = 'sweep';
export const SWEEP_INTERVAL_MS = 60_000;
/** A sweep this late means its chain of jobs was lost (a job failed for good): start a new one. */
const STALE_AFTER_MS = 10 * 60_000;
const RATE_LIMIT_KEEP_MS = 2 * 60_000;

/**
 * Once a minute, in whichever worker claims the job: expires payments whose 90 minutes are up
 * (pages and the API also expire a payment when they read it), and removes spent rate-limit
 * counts, idempotency keys older than 24 hours and expired team sessions.
 *
 * The sweep is a chain of jobs, each enqueuing the next. A row in `pay_schedule` holds when the
 * next is due; a job continues the chain only if it can move that time on from the time it was
 * scheduled for, so however many processes start, one chain runs. The chain keeps the job
 * queue's time (the real clock), whatever clock the payments are given.
 */
export function createSweeper(dependencies: {
  db: Database;
  schedule: ScheduleStore;
  jobs: JobQueue;
  payments: PaymentService;
  rateLimits: RateLimitStore;
  idempotency: IdempotencyStore;
  clock: () => Date;
}) {
  const { db, schedule, jobs, payments, rateLimits, idempotency, clock } = dependencies;

  async function enqueue(scheduledFor: string): Promise<void> {
    await jobs.enqueue(db, { type: SWEEP_JOB, payload: { scheduledFor }, runAt: new Date(scheduledFor), maxAttempts: 3 });
  }

  return {
    /** Starts the chain if there is none, or it has stalled. Safe to call from every process. */
    async ensureScheduled(): Promise<void> {
      const now = new Date();
      const nowText = now.toISOString();
      await db.transaction().execute(async (transaction) => {
        if (await schedule.create(transaction, { name: SCHEDULE_NAME, next_run_at: nowText })) {
          await jobs.enqueue(transaction, { type: SWEEP_JOB, payload: { scheduledFor: nowText }, runAt: now, maxAttempts: 3 });
          return;
        }
        const row = await schedule.find(transaction, SCHEDULE_NAME);
        if (!row || Date.parse(row.next_run_at) > now.getTime() - STALE_AFTER_MS) return;
        if (await schedule.advance(transaction, { name: SCHEDULE_NAME, expected: row.next_run_at, next: nowText })) {
          await jobs.enqueue(transaction, { type: SWEEP_JOB, payload: { scheduledFor: nowText }, runAt: now, maxAttempts: 3 });
        }
      });
    },

    /** Sweeps now, without touching the schedule. Returns how many payments expired. */
    async sweep(): Promise<number> {
      const now = clock().getTime();
      const expired = await payments.expireDuePayments();
      await rateLimits.deleteBefore(db, new Date(now - RATE_LIMIT_KEEP_MS).toISOString());
      await idempotency.deleteAllBefore(db, new Date(now - IDEMPOTENCY_WINDOW_MS).toISOString());
      return expired;
    },

    /** The job: sweeps, then schedules the next sweep if this job is still the chain's. */
    async run(job: ClaimedJob): Promise<void> {
      await this.sweep();
      const scheduledFor = String(job.payload.scheduledFor);
      const next = new Date(Date.now() + SWEEP_INTERVAL_MS).toISOString();
      const won = await schedule.advance(db, { name: SCHEDULE_NAME, expected: scheduledFor, next });
      if (won) await enqueue(next);
    },
  };
}

export type Sweeper = ReturnType<typeof createSweeper>;
