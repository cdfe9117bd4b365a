import type { Executor } from '../../../platform/db/database.ts';

type ScheduleTables = { notify_schedule: { name: string; next_run_at: string } };

export function createScheduleStore() {
  const tables = (executor: Executor) => executor.withTables<ScheduleTables>();
  return {
    /** Claims the right to schedule the next run: true if this caller moved `next_run_at` on. */
    async claimRun(executor: Executor, claim: { name: string; dueBy: string; nextRunAt: string }): Promise<boolean> {
      const db = tables(executor);
      await db
        .insertInto('notify_schedule')
        .values({ name: claim.name, next_run_at: claim.dueBy })
        .onConflict((conflict) => conflict.column('name').doNothing())
        .execute();
      const result = await db
        .updateTable('notify_schedule')
        .set({ next_run_at: claim.nextRunAt })
        .where('name', '=', claim.name)
        .where('next_run_at', '<=', claim.dueBy)
        .executeTakeFirst();
      return Number(result.numUpdatedRows) > 0;
    },
  };
}

export type ScheduleStore = ReturnType<typeof createScheduleStore>;
