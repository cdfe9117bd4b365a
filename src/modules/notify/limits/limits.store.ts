import { CompiledQuery, sql } from 'kysely';
import type { DatabaseKind, Executor } from '../../../platform/db/database.ts';

type LimitTables = {
  notify_rate_bucket: { bucket: string; tokens: number; refilled_at_ms: number };
  notify_daily_count: { service_id: string; day: string; type: string; count: number };
};

/**
 * The statements that take a lease are written once per database kind: they run for every lease
 * a process takes, and building them through Kysely was a measurable share of each request.
 * Parameters are numbered so one value can be used twice.
 */
function leaseStatements(kind: DatabaseKind) {
  const pg = kind === 'postgres';
  const param = (index: number, type: 'real' | 'integer' | 'text') => {
    if (!pg) return `?${index}`;
    return `cast($${index} as ${{ real: 'double precision', integer: 'bigint', text: 'text' }[type]})`;
  };
  // 1 bucket, 2 capacity, 3 tokens gained per ms, 4 now (ms), 5 tokens to take.
  const refilled = `${pg ? 'least' : 'min'}(${param(2, 'real')}, notify_rate_bucket.tokens + cast(${param(4, 'integer')} - notify_rate_bucket.refilled_at_ms as ${pg ? 'double precision' : 'real'}) * ${param(3, 'real')})`;
  const takeTokens = `insert into notify_rate_bucket (bucket, tokens, refilled_at_ms) values (${param(1, 'text')}, ${param(2, 'real')} - ${param(5, 'real')}, ${param(4, 'integer')})
    on conflict (bucket) do update set tokens = ${refilled} - ${param(5, 'real')}, refilled_at_ms = ${param(4, 'integer')}
    where ${refilled} >= ${param(5, 'real')} returning bucket`;
  // 1 service, 2 day, 3 type, 4 sends to reserve, 5 the daily limit.
  const reserveDailySends = `insert into notify_daily_count (service_id, day, type, count) values (${param(1, 'text')}, ${param(2, 'text')}, ${param(3, 'text')}, ${param(4, 'integer')})
    on conflict (service_id, day, type) do update set count = notify_daily_count.count + excluded.count
    where notify_daily_count.count + excluded.count <= ${param(5, 'integer')} returning count`;
  return { takeTokens, reserveDailySends };
}

export function createLimitsStore(kind: DatabaseKind) {
  const tables = (executor: Executor) => executor.withTables<LimitTables>();
  const statements = leaseStatements(kind);
  return {
    /**
     * Takes `tokens` tokens at once, all or none, from a bucket that holds at most `capacity` and
     * gains `capacity` every `intervalMs` (refilled continuously). One atomic statement, so
     * processes sharing the database share the bucket. Creates the bucket, full, if it is new.
     */
    async takeTokens(
      executor: Executor,
      take: { bucket: string; capacity: number; intervalMs: number; nowMs: number; tokens: number },
    ): Promise<boolean> {
      if (take.tokens > take.capacity) return false;
      const parameters = [take.bucket, take.capacity, take.capacity / take.intervalMs, take.nowMs, take.tokens];
      const result = await executor.executeQuery(CompiledQuery.raw(statements.takeTokens, parameters));
      return result.rows.length > 0;
    },

    /** Counts `sends` more against today's limit for the service and type, all or none, in one atomic statement. */
    async reserveDailySends(executor: Executor, reserve: { serviceId: string; day: string; type: string; sends: number; limit: number }): Promise<boolean> {
      if (reserve.sends > reserve.limit) return false;
      const parameters = [reserve.serviceId, reserve.day, reserve.type, reserve.sends, reserve.limit];
      const result = await executor.executeQuery(CompiledQuery.raw(statements.reserveDailySends, parameters));
      return result.rows.length > 0;
    },

    /** Gives back sends a process reserved and did not spend (never below zero). */
    async releaseDailySends(executor: Executor, release: { serviceId: string; day: string; type: string; sends: number }): Promise<void> {
      await tables(executor)
        .updateTable('notify_daily_count')
        .set((update) => ({ count: sql<number>`case when ${update.ref('count')} > ${release.sends} then ${update.ref('count')} - ${release.sends} else 0 end` }))
        .where('service_id', '=', release.serviceId)
        .where('day', '=', release.day)
        .where('type', '=', release.type)
        .execute();
    },

    async deleteDailyCountsBefore(executor: Executor, day: string): Promise<void> {
      await tables(executor).deleteFrom('notify_daily_count').where('day', '<', day).execute();
    },
  };
}

export type LimitsStore = ReturnType<typeof createLimitsStore>;
