import type { Kysely } from 'kysely';

/**
 * Thresholds a team sets on a service's figures. `state` is whether the threshold is crossed now:
 * the team is emailed when it becomes crossed, once, and again only after it has cleared.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('insight_alert')
    .addColumn('id', 'text', (column) => column.primaryKey())
    .addColumn('service_id', 'text', (column) => column.notNull())
    .addColumn('kind', 'text', (column) => column.notNull())
    .addColumn('threshold', 'integer', (column) => column.notNull())
    .addColumn('state', 'text', (column) => column.notNull())
    .addColumn('changed_at', 'text', (column) => column.notNull())
    .addColumn('created_by', 'text', (column) => column.notNull())
    .addColumn('created_at', 'text', (column) => column.notNull())
    .execute();
  await db.schema.createIndex('insight_alert_service').on('insight_alert').column('service_id').execute();
}
