import type { Kysely } from 'kysely';

/**
 * What Insight keeps beside the kernel's event counts: which services publish their figures (and
 * at which address), what teams enter per month (transactions by other channels, costs), and the
 * satisfaction answers people give, whose free text is for the team's eyes only.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('insight_publication')
    .addColumn('service_id', 'text', (column) => column.primaryKey())
    .addColumn('slug', 'text', (column) => column.notNull().unique())
    .addColumn('published_at', 'text', (column) => column.notNull())
    .addColumn('published_by', 'text', (column) => column.notNull())
    .execute();

  await db.schema
    .createTable('insight_team_figures')
    .addColumn('service_id', 'text', (column) => column.notNull())
    .addColumn('month', 'text', (column) => column.notNull())
    .addColumn('non_digital_transactions', 'integer')
    .addColumn('cost_pence', 'bigint')
    .addColumn('updated_at', 'text', (column) => column.notNull())
    .addColumn('updated_by', 'text', (column) => column.notNull())
    .addPrimaryKeyConstraint('insight_team_figures_pk', ['service_id', 'month'])
    .execute();

  await db.schema
    .createTable('insight_feedback')
    .addColumn('id', 'text', (column) => column.primaryKey())
    .addColumn('service_id', 'text', (column) => column.notNull())
    .addColumn('rating', 'integer', (column) => column.notNull())
    .addColumn('comment', 'text')
    .addColumn('created_at', 'text', (column) => column.notNull())
    .execute();
  await db.schema.createIndex('insight_feedback_service_time').on('insight_feedback').columns(['service_id', 'created_at']).execute();
}
