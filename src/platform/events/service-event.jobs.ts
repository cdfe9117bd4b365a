import type { Logger } from 'pino';
import type { Database } from '../db/database.ts';
import type { JobQueue } from '../jobs/job-queue.ts';
import { createRecurringJob } from '../jobs/recurring-job.ts';
import type { ServiceEventStore } from './service-event.store.ts';

export const AGGREGATE_SERVICE_EVENTS_JOB = 'platform.service-events.aggregate';
export const SERVICE_EVENT_RETENTION_JOB = 'platform.service-events.retention';
const AGGREGATE_EVERY_MS = 10 * 60 * 1000;
const RETENTION_EVERY_MS = 60 * 60 * 1000;
const HOUR_MS = 60 * 60 * 1000;
const DAY_MS = 24 * HOUR_MS;
/** Each run counts again every period this close to now, so events written late (a batch held through an outage) are counted. */
export const LATE_EVENTS_MS = DAY_MS;
export const HOURLY_KEPT_MS = 7 * DAY_MS;
export const RAW_KEPT_MONTHS = 13;

const startOfDay = (at: Date) => new Date(Date.UTC(at.getUTCFullYear(), at.getUTCMonth(), at.getUTCDate()));
const startOfHour = (at: Date) => new Date(Math.floor(at.getTime() / HOUR_MS) * HOUR_MS);

type ServiceEventJobDependencies = { db: Database; store: ServiceEventStore };

/**
 * Counts the raw events again, per day and per hour, for every period from the day before
 * `now - LATE_EVENTS_MS` to the end of today (UTC), and replaces those periods' counts in one
 * transaction: a run repeated, or one after late events arrive, never counts an event twice.
 * The first run (no daily counts yet) counts every day since the earliest raw event.
 */
export async function aggregateServiceEvents(dependencies: ServiceEventJobDependencies & { now: Date }): Promise<{ from: string; to: string }> {
  const { db, store, now } = dependencies;
  const to = new Date(startOfDay(now).getTime() + DAY_MS);
  let from = startOfDay(new Date(now.getTime() - LATE_EVENTS_MS));
  await db.transaction().execute(async (transaction) => {
    const earliest = (await store.hasDailyAggregates(transaction)) ? undefined : await store.findEarliestOccurredAt(transaction);
    if (earliest !== undefined && earliest < from.toISOString()) from = startOfDay(new Date(earliest));
    const hoursFrom = new Date(Math.max(from.getTime(), startOfHour(new Date(now.getTime() - HOURLY_KEPT_MS)).getTime()));
    await store.replaceAggregates(transaction, { from: from.toISOString(), to: to.toISOString(), granularity: 'day' });
    await store.replaceAggregates(transaction, { from: hoursFrom.toISOString(), to: to.toISOString(), granularity: 'hour' });
  });
  return { from: from.toISOString(), to: to.toISOString() };
}

/** Deletes raw events older than 13 months (calendar months, UTC) and hourly counts older than 7 days. */
export async function deleteExpiredServiceEvents(dependencies: ServiceEventJobDependencies & { now: Date }): Promise<{ raw: number; hourly: number }> {
  const { db, store, now } = dependencies;
  const rawBefore = new Date(now);
  rawBefore.setUTCMonth(rawBefore.getUTCMonth() - RAW_KEPT_MONTHS);
  const raw = await store.deleteBefore(db, rawBefore.toISOString());
  const hourly = await store.deleteHourlyBefore(db, startOfHour(new Date(now.getTime() - HOURLY_KEPT_MS)).toISOString());
  return { raw, hourly };
}

/** The kernel's recurring jobs over service events: aggregation every 10 minutes, retention every hour. */
export function createServiceEventJobs(dependencies: ServiceEventJobDependencies & { jobs: JobQueue; logger: Logger; clock?: () => Date }) {
  const { db, store, jobs, clock } = dependencies;
  const logger = dependencies.logger.child({ component: 'service-events' });
  return [
    createRecurringJob({
      db,
      jobs,
      clock,
      type: AGGREGATE_SERVICE_EVENTS_JOB,
      everyMs: AGGREGATE_EVERY_MS,
      run: async (now) => logger.debug(await aggregateServiceEvents({ db, store, now }), 'service events aggregated'),
    }),
    createRecurringJob({
      db,
      jobs,
      clock,
      type: SERVICE_EVENT_RETENTION_JOB,
      everyMs: RETENTION_EVERY_MS,
      run: async (now) => logger.info(await deleteExpiredServiceEvents({ db, store, now }), 'service event retention ran'),
    }),
  ];
}
