import type { Kysely } from 'kysely';

/** When each of the kernel's recurring jobs next runs, so that however many processes run, one chain of each does. */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('job_schedule')
    .addColumn('name', 'text', (column) => column.primaryKey())
    .addColumn('next_run_at', 'text', (column) => column.notNull())
    .execute();
}
