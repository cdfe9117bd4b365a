import { sql } from 'kysely';
import type { DatabaseKind, Executor } from '../../../platform/db/database.ts';

type LimitTables = {
  notify_rate_bucket: { bucket: string; tokens: number; refilled_at_ms: number };
  notify_daily_count: { service_id: string; day: string; type: string; count: number };
};

export function createLimitsStore(kind: DatabaseKind) {
  const tables = (executor: Executor) => executor.withTables<LimitTables>();
  return {
    /**
     * Takes one token from a bucket that holds at most `capacity` and gains `capacity` every
     * `intervalMs` (refilled continuously). The update is atomic, so processes sharing the
     * database share the bucket. Returns false, taking nothing, when the bucket is empty.
     */
    async takeToken(
      executor: Executor,
      take: { bucket: string; capacity: number; intervalMs: number; nowMs: number },
    ): Promise<boolean> {
      const db = tables(executor);
      const perMs = take.capacity / take.intervalMs;
      // One statement in the usual case: refill by the time passed, capped, and take one if there
      // is one. Written as SQL: this runs on every notification sent.
      const real = sql.raw(kind === 'postgres' ? 'double precision' : 'real');
      const refilled = sql`${sql.raw(kind === 'postgres' ? 'least' : 'min')}(cast(${take.capacity} as ${real}), tokens + cast(${take.nowMs} - refilled_at_ms as ${real}) * cast(${perMs} as ${real}))`;
      const taken = await sql`update notify_rate_bucket set tokens = ${refilled} - 1, refilled_at_ms = ${take.nowMs} where bucket = ${take.bucket} and ${refilled} >= 1`.execute(executor);
      if (Number(taken.numAffectedRows ?? 0) > 0) return true;
      // No row yet (the first request of this key type), or an empty bucket.
      const inserted = await db
        .insertInto('notify_rate_bucket')
        .values({ bucket: take.bucket, tokens: take.capacity - 1, refilled_at_ms: take.nowMs })
        .onConflict((conflict) => conflict.column('bucket').doNothing())
        .returning('bucket')
        .executeTakeFirst();
      return inserted !== undefined;
    },

    /** Adds one to today's count for the service and type; returns the new count. */
    async incrementDailyCount(executor: Executor, count: { serviceId: string; day: string; type: string }): Promise<number> {
      const result = await sql<{ count: number }>`insert into notify_daily_count (service_id, day, type, count) values (${count.serviceId}, ${count.day}, ${count.type}, 1)
        on conflict (service_id, day, type) do update set count = notify_daily_count.count + 1 returning count`.execute(executor);
      return Number(result.rows[0]?.count);
    },

    async deleteDailyCountsBefore(executor: Executor, day: string): Promise<void> {
      await tables(executor).deleteFrom('notify_daily_count').where('day', '<', day).execute();
    },
  };
}

export type LimitsStore = ReturnType<typeof createLimitsStore>;
