import type { Executor } from '../../../platform/db/database.ts';

type Tables = { forms_schedule: { name: string; next_run_at: string } };

export function createScheduleStore(db: Executor) {
  const tables = db.withTables<Tables>();
  return {
    /**
     * Books the run called `name` for `nextRunAt` if none is booked or the booked one is due by
     * `dueBy` (its job was lost): true for the one caller that booked it, in one statement.
     */
    async book(input: { name: string; dueBy: string; nextRunAt: string }): Promise<boolean> {
      const result = await tables
        .insertInto('forms_schedule')
        .values({ name: input.name, next_run_at: input.nextRunAt })
        .onConflict((conflict) => conflict.column('name').doUpdateSet({ next_run_at: input.nextRunAt }).where('forms_schedule.next_run_at', '<=', input.dueBy))
        .executeTakeFirst();
      return Number(result.numInsertedOrUpdatedRows ?? 0) > 0;
    },
  };
}
