import { sql } from 'kysely';
import type { Executor } from '../db/database.ts';

export type ServiceEventRow = { service: string; type: string; journey_id: string; step: string | null; occurred_at: string };

/** Events counted by service, type and step in one period: a day (`2026-12-03`) or an hour (`2026-12-03T10`). */
export type ServiceEventCount = { service: string; type: string; step: string; period: string; count: number };

export type ServiceEventGranularity = 'day' | 'hour';

/** A span of time as ISO-8601 UTC instants, `from` included, `to` not. */
export type ServiceEventRange = { from: string; to: string };

type ServiceEventTables = {
  service_event: ServiceEventRow;
  service_event_daily: ServiceEventCount;
  service_event_hourly: ServiceEventCount;
};

const INSERT_CHUNK = 500;
const PERIOD_LENGTH = { day: 10, hour: 13 } as const;
const AGGREGATE_TABLE = { day: 'service_event_daily', hour: 'service_event_hourly' } as const;

function countRawEvents(executor: Executor, range: ServiceEventRange & { granularity: ServiceEventGranularity }) {
  const period = sql<string>`substr(occurred_at, 1, ${sql.lit(PERIOD_LENGTH[range.granularity])})`;
  const step = sql<string>`coalesce(step, '')`;
  return executor
    .withTables<ServiceEventTables>()
    .selectFrom('service_event')
    .select(['service', 'type', step.as('step'), period.as('period'), (eb) => eb.fn.countAll<string | number>().as('count')])
    .where('occurred_at', '>=', range.from)
    .where('occurred_at', '<', range.to)
    .groupBy(['service', 'type', step, period]);
}

/** The periods a range of instants covers, as period keys: exact when the range starts and ends on period boundaries. */
function periodKeys(range: ServiceEventRange, granularity: ServiceEventGranularity): ServiceEventRange {
  const length = PERIOD_LENGTH[granularity];
  return { from: range.from.slice(0, length), to: range.to.slice(0, length) };
}

export function createServiceEventStore() {
  const tables = (executor: Executor) => executor.withTables<ServiceEventTables>();
  return {
    async insertMany(executor: Executor, rows: readonly ServiceEventRow[]): Promise<void> {
      for (let start = 0; start < rows.length; start += INSERT_CHUNK) {
        await tables(executor).insertInto('service_event').values(rows.slice(start, start + INSERT_CHUNK)).execute();
      }
    },

    /** Counts the raw events that occurred in [from, to), grouped per `granularity`. */
    async countByPeriod(executor: Executor, range: ServiceEventRange & { granularity: ServiceEventGranularity }): Promise<ServiceEventCount[]> {
      const rows = await countRawEvents(executor, range).execute();
      return rows.map((row) => ({ ...row, count: Number(row.count) }));
    },

    async hasDailyAggregates(executor: Executor): Promise<boolean> {
      const row = await tables(executor).selectFrom('service_event_daily').select('period').limit(1).executeTakeFirst();
      return row !== undefined;
    },

    /** When the earliest raw event kept occurred, if any. */
    async findEarliestOccurredAt(executor: Executor): Promise<string | undefined> {
      const row = await tables(executor).selectFrom('service_event').select((eb) => eb.fn.min('occurred_at').as('earliest')).executeTakeFirst();
      return row?.earliest ?? undefined;
    },

    /**
     * Replaces the counts of every period in the range with counts of the raw events in it, so
     * running it again, or after late events arrive, counts each event once. `range` must start
     * and end on period boundaries; run it in a transaction so readers never see a period gone.
     */
    async replaceAggregates(executor: Executor, range: ServiceEventRange & { granularity: ServiceEventGranularity }): Promise<void> {
      const table = AGGREGATE_TABLE[range.granularity];
      const keys = periodKeys(range, range.granularity);
      await tables(executor).deleteFrom(table).where('period', '>=', keys.from).where('period', '<', keys.to).execute();
      await tables(executor)
        .insertInto(table)
        .columns(['service', 'type', 'step', 'period', 'count'])
        .expression(countRawEvents(executor, range))
        .execute();
    },

    /** The aggregated counts of periods in the range (period keys or instants on period boundaries). */
    async readAggregates(executor: Executor, range: ServiceEventRange & { granularity: ServiceEventGranularity; service?: string }): Promise<ServiceEventCount[]> {
      const keys = periodKeys(range, range.granularity);
      let query = tables(executor)
        .selectFrom(AGGREGATE_TABLE[range.granularity])
        .select(['service', 'type', 'step', 'period', 'count'])
        .where('period', '>=', keys.from)
        .where('period', '<', keys.to);
      if (range.service !== undefined) query = query.where('service', '=', range.service);
      const rows = await query.orderBy('period').orderBy('service').orderBy('type').orderBy('step').execute();
      return rows.map((row) => ({ ...row, count: Number(row.count) }));
    },

    async deleteBefore(executor: Executor, before: string): Promise<number> {
      const result = await tables(executor).deleteFrom('service_event').where('occurred_at', '<', before).executeTakeFirst();
      return Number(result.numDeletedRows);
    },

    /** Deletes the hourly counts of hours that began before `before` (an instant on an hour boundary). */
    async deleteHourlyBefore(executor: Executor, before: string): Promise<number> {
      const result = await tables(executor).deleteFrom('service_event_hourly').where('period', '<', before.slice(0, PERIOD_LENGTH.hour)).executeTakeFirst();
      return Number(result.numDeletedRows);
    },
  };
}

export type ServiceEventStore = ReturnType<typeof createServiceEventStore>;
