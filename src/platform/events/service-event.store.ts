import { sql } from 'kysely';
import type { Executor } from '../db/database.ts';

export type ServiceEventRow = { service: string; type: string; journey_id: string; step: string | null; occurred_at: string };

/** Events counted by service, type and step in one period: a day (`2026-12-03`) or an hour (`2026-12-03T10`). */
export type ServiceEventCount = { service: string; type: string; step: string; period: string; count: number };

type ServiceEventTables = { service_event: ServiceEventRow };

const INSERT_CHUNK = 500;
const PERIOD_LENGTH = { day: 10, hour: 13 } as const;

export function createServiceEventStore() {
  const tables = (executor: Executor) => executor.withTables<ServiceEventTables>();
  return {
    async insertMany(executor: Executor, rows: readonly ServiceEventRow[]): Promise<void> {
      for (let start = 0; start < rows.length; start += INSERT_CHUNK) {
        await tables(executor).insertInto('service_event').values(rows.slice(start, start + INSERT_CHUNK)).execute();
      }
    },

    /** Counts the events that occurred in [from, to), grouped per `granularity`. */
    async countByPeriod(executor: Executor, range: { from: string; to: string; granularity: keyof typeof PERIOD_LENGTH }): Promise<ServiceEventCount[]> {
      const period = sql<string>`substr(occurred_at, 1, ${sql.lit(PERIOD_LENGTH[range.granularity])})`;
      const step = sql<string>`coalesce(step, '')`;
      const rows = await tables(executor)
        .selectFrom('service_event')
        .select(['service', 'type', step.as('step'), period.as('period'), (eb) => eb.fn.countAll<string | number>().as('count')])
        .where('occurred_at', '>=', range.from)
        .where('occurred_at', '<', range.to)
        .groupBy(['service', 'type', step, period])
        .execute();
      return rows.map((row) => ({ ...row, count: Number(row.count) }));
    },

    async deleteBefore(executor: Executor, before: string): Promise<number> {
      const result = await tables(executor).deleteFrom('service_event').where('occurred_at', '<', before).executeTakeFirst();
      return Number(result.numDeletedRows);
    },
  };
}

export type ServiceEventStore = ReturnType<typeof createServiceEventStore>;
