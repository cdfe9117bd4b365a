import type { Kysely } from 'kysely';

const DAY_MS = 24 * 60 * 60 * 1000;

export async function up(db: Kysely<any>): Promise<void> {
  // When a submission's answers (and files) are deleted: its form's retention period after it.
  // Submissions made before this had the default period, 30 days.
  await db.schema.alterTable('forms_submission').addColumn('expires_at', 'text').execute();
  const rows: Array<{ id: string; created_at: string }> = await db.selectFrom('forms_submission').select(['id', 'created_at']).execute();
  for (const row of rows) {
    await db.updateTable('forms_submission').set({ expires_at: new Date(Date.parse(row.created_at) + 30 * DAY_MS).toISOString() }).where('id', '=', row.id).execute();
  }
  await db.schema.createIndex('forms_submission_expires_at').on('forms_submission').column('expires_at').execute();

  // Runs Forms books for itself (the hourly retention run): one row a name, so processes that
  // start together book one run between them.
  await db.schema
    .createTable('forms_schedule')
    .addColumn('name', 'text', (column) => column.primaryKey())
    .addColumn('next_run_at', 'text', (column) => column.notNull())
    .execute();
}
