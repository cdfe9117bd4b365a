import type { Executor } from '../../../platform/db/database.ts';

export type ScheduleRow = { name: string; next_run_at: string };

type ScheduleTables = { pay_schedule: ScheduleRow };

export function createScheduleStore() {
  const tables = (executor: Executor) => executor.withTables<ScheduleTables>();

  return {
    /** Creates the schedule unless it exists; true when this call created it. */
    async create(executor: Executor, row: ScheduleRow): Promise<boolean> {
      const result = await tables(executor)
        .insertInto('pay_schedule')
        .values(row)
        .onConflict((conflict) => conflict.column('name').doNothing())
        .executeTakeFirst();
      return Number(result.numInsertedOrUpdatedRows ?? 0) > 0;
    },

    async find(executor: Executor, name: string): Promise<ScheduleRow | undefined> {
      return tables(executor).selectFrom('pay_schedule').selectAll().where('name', '=', name).executeTakeFirst();
    },

    /** Moves the next run on, only if it is still `expected`: one caller wins. */
    async advance(executor: Executor, change: { name: string; expected: string; next: string }): Promise<boolean> {
      const result = await tables(executor)
        .updateTable('pay_schedule')
        .set({ next_run_at: change.next })
        .where('name', '=', change.name)
        .where('next_run_at', '=', change.expected)
        .executeTakeFirst();
      return Number(result.numUpdatedRows) > 0;
    },
  };
}

export type ScheduleStore = ReturnType<typeof createScheduleStore>;
