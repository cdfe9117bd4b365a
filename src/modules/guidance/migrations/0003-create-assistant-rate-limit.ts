import type { Kysely } from 'kysely';

/**
 * Questions asked of the assistant per client address and minute, shared by every process so
 * the limit holds behind a load balancer. Rows of past minutes are deleted as new ones start.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('guidance_assistant_rate')
    .addColumn('bucket', 'text', (column) => column.primaryKey())
    .addColumn('window_start', 'text', (column) => column.notNull())
    .addColumn('count', 'integer', (column) => column.notNull())
    .execute();
  await db.schema.createIndex('guidance_assistant_rate_window').on('guidance_assistant_rate').column('window_start').execute();
}
