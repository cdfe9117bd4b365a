import type { Executor } from '../../../platform/db/database.ts';

type Tables = { identity_schedule: { name: string; next_run_at: string } };

/** When each of One Login's periodic jobs next runs, so that however many processes run, one chain of each does. */
export function createScheduleStore(db: Executor) {
  const tables = db.withTables<Tables>();
  return {
    /**
     * Books the next run for `nextRunAt` if the booked one is due by `dueBy` (or none is booked):
     * true for the one caller that moved it on.
     */
    async claimRun(claim: { name: string; dueBy: string; nextRunAt: string }): Promise<boolean> {
      await tables
        .insertInto('identity_schedule')
        .values({ name: claim.name, next_run_at: claim.dueBy })
        .onConflict((conflict) => conflict.column('name').doNothing())
        .execute();
      const result = await tables
        .updateTable('identity_schedule')
        .set({ next_run_at: claim.nextRunAt })
        .where('name', '=', claim.name)
        .where('next_run_at', '<=', claim.dueBy)
        .executeTakeFirst();
      return Number(result.numUpdatedRows) > 0;
    },
  };
}
