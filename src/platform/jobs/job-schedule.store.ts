import type { Executor } from '../db/database.ts';

type ScheduleTables = { job_schedule: { name: string; next_run_at: string } };

export function createJobScheduleStore() {
  return {
    /**
     * Books the next run for `nextRunAt` if the booked one is due by `dueBy` (or none is booked):
     * true for the one caller that moved it on.
     */
    async claimRun(executor: Executor, claim: { name: string; dueBy: string; nextRunAt: string }): Promise<boolean> {
      const tables = executor.withTables<ScheduleTables>();
      await tables
        .insertInto('job_schedule')
        .values({ name: claim.name, next_run_at: claim.dueBy })
        .onConflict((conflict) => conflict.column('name').doNothing())
        .execute();
      const result = await tables
        .updateTable('job_schedule')
        .set({ next_run_at: claim.nextRunAt })
        .where('name', '=', claim.name)
        .where('next_run_at', '<=', claim.dueBy)
        .executeTakeFirst();
      return Number(result.numUpdatedRows) > 0;
    },
  };
}
