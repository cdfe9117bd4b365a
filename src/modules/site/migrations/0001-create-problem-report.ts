import type { Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  // Problems people report from the link in the phase banner: what they wrote, the page they
  // came from and, if they chose to give it, an email address to reply to.
  await db.schema
    .createTable('site_problem_report')
    .addColumn('id', 'text', (column) => column.primaryKey())
    .addColumn('page', 'text')
    .addColumn('what_doing', 'text', (column) => column.notNull())
    .addColumn('what_went_wrong', 'text', (column) => column.notNull())
    .addColumn('email', 'text')
    .addColumn('language', 'text', (column) => column.notNull())
    .addColumn('created_at', 'text', (column) => column.notNull())
    .execute();
  await db.schema.createIndex('site_problem_report_created_at').on('site_problem_report').column('created_at').execute();
  // How many reports each client address (IPv6 by /64) sent in its current window, so nobody
  // fills the table; a counter is removed once its window is over.
  await db.schema
    .createTable('site_problem_report_counter')
    .addColumn('address_key', 'text', (column) => column.primaryKey())
    .addColumn('reports', 'integer', (column) => column.notNull())
    .addColumn('window_started_at', 'text', (column) => column.notNull())
    .execute();
  await db.schema
    .createIndex('site_problem_report_counter_window_started_at')
    .on('site_problem_report_counter')
    .column('window_started_at')
    .execute();
}
