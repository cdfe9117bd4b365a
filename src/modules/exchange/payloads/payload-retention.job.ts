import type { AuditService } from '../../../platform/audit/audit.service.ts';
import type { Database } from '../../../platform/db/database.ts';
import type { JobQueue } from '../../../platform/jobs/job-queue.ts';
import { createRecurringJob } from '../../../platform/jobs/recurring-job.ts';
import { createPayloadStore } from './payload.store.ts';

export const PAYLOAD_RETENTION_JOB = 'exchange.payload-retention';
const RUN_EVERY_MS = 60 * 60 * 1000;
const BATCH = 200;

/** Deletes every kept payload whose retention period has ended by `now`, a batch at a time; returns how many. */
export async function deleteExpiredPayloads(db: Database, now: Date): Promise<number> {
  const store = createPayloadStore(db);
  let deleted = 0;
  for (;;) {
    const removed = await store.removeExpired(now.toISOString(), BATCH);
    deleted += removed;
    if (removed < BATCH) return deleted;
  }
}

/** pino's logger, or Fastify's. */
type RetentionLogger = { child(bindings: Record<string, unknown>): { info(details: object, message: string): void } };

/** Hourly, one chain of runs however many processes: payloads past their retention are deleted, and how many is audited. */
export function createPayloadRetentionJob(dependencies: { db: Database; jobs: JobQueue; audit: AuditService; logger: RetentionLogger; clock?: () => Date }) {
  const { db, audit } = dependencies;
  const logger = dependencies.logger.child({ component: 'exchange-payload-retention' });
  return createRecurringJob({
    db,
    jobs: dependencies.jobs,
    type: PAYLOAD_RETENTION_JOB,
    everyMs: RUN_EVERY_MS,
    ...(dependencies.clock ? { clock: dependencies.clock } : {}),
    async run(now) {
      const deleted = await deleteExpiredPayloads(db, now);
      if (deleted > 0) await audit.record({ actor: 'system', action: 'exchange.payloads.deleted', subject: 'exchange:payloads', outcome: 'success', details: { deleted, retention_ended_by: now.toISOString() } });
      logger.info({ deleted }, 'exchange payload retention ran');
    },
  });
}
