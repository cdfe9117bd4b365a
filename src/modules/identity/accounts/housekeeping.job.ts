import type { Logger } from 'pino';
import type { Database } from '../../../platform/db/database.ts';
import type { JobQueue } from '../../../platform/jobs/job-queue.ts';
import type { JobHandler } from '../../../platform/jobs/job-worker.ts';
import { createWebSessionStore } from '../account/web-session.store.ts';
import { createOneTimeCodeStore } from '../codes/one-time-code.store.ts';
import { createOidcPayloadStore } from '../provider/oidc-payload.store.ts';
import { removeStaleThrottleCounters } from '../security/throttle.ts';
import { removeExpiredJourneys } from '../sign-in/journey/journey.store.ts';
import { createScheduleStore } from './schedule.store.ts';

export const HOUSEKEEPING_JOB = 'identity.housekeeping';
const SCHEDULE_NAME = 'housekeeping';
const RUN_EVERY_MS = 60 * 60 * 1000;
/** A run this late means its chain of jobs was lost (a job failed for good): a starting process books a new one. */
const LOST_AFTER_MS = 2 * RUN_EVERY_MS;

type HousekeepingDependencies = { db: Database; jobs: JobQueue };

/**
 * Removes what One Login no longer needs and must not keep, since each names a person (an
 * account, email address or phone number): codes past their expiry, account-page sessions
 * and sign-in journeys past theirs, the provider's expired sessions, grants and tokens, and
 * counters of wrong attempts and messages sent that count for nothing now.
 */
export async function runHousekeeping(dependencies: { db: Database; now: Date }) {
  const { db, now } = dependencies;
  const codes = await createOneTimeCodeStore(db).removeExpired(now.toISOString());
  const sessions = await createWebSessionStore(db).removeExpired(now.toISOString());
  const journeys = await removeExpiredJourneys(db, now.toISOString());
  const providerRecords = await createOidcPayloadStore(db).deleteExpired(now.toISOString());
  const counters = await removeStaleThrottleCounters(db, now);
  return { codes, sessions, journeys, providerRecords, counters };
}

async function bookRun(dependencies: HousekeepingDependencies, claim: { dueBy: string; runAt: Date }): Promise<void> {
  await dependencies.db.transaction().execute(async (transaction) => {
    const won = await createScheduleStore(transaction).claimRun({ name: SCHEDULE_NAME, dueBy: claim.dueBy, nextRunAt: claim.runAt.toISOString() });
    if (won) {
      await dependencies.jobs.enqueue(transaction, { type: HOUSEKEEPING_JOB, payload: { scheduledFor: claim.runAt.toISOString() }, runAt: claim.runAt, maxAttempts: 3 });
    }
  });
}

/** Queues the hourly housekeeping unless a run is booked already; safe to call from every process as it starts. */
export function ensureHousekeepingScheduled(dependencies: HousekeepingDependencies): Promise<void> {
  const now = new Date();
  return bookRun(dependencies, { dueBy: new Date(now.getTime() - LOST_AFTER_MS).toISOString(), runAt: now });
}

/** Runs the housekeeping, then books the next run an hour on, unless another chain has taken over. */
export function createHousekeepingHandler(dependencies: HousekeepingDependencies & { logger: Logger }): JobHandler {
  const logger = dependencies.logger.child({ component: 'identity-housekeeping' });
  return {
    async run(job) {
      const removed = await runHousekeeping({ db: dependencies.db, now: new Date() });
      logger.info(removed, 'identity housekeeping ran');
      await bookRun(dependencies, { dueBy: String(job.payload.scheduledFor), runAt: new Date(Date.now() + RUN_EVERY_MS) });
    },
  };
}
