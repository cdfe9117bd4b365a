import { sql, type Kysely } from 'kysely';

/**
 * Every address a service has published at, kept with that service: an address once used is
 * never another service's, and its old links lead to the service's page wherever it is now.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('insight_published_address')
    .addColumn('slug', 'text', (column) => column.primaryKey())
    .addColumn('service_id', 'text', (column) => column.notNull())
    .addColumn('first_used_at', 'text', (column) => column.notNull())
    .execute();
  // Addresses already published are kept from the start.
  await sql`insert into insight_published_address (slug, service_id, first_used_at) select slug, service_id, published_at from insight_publication`.execute(db);
}
