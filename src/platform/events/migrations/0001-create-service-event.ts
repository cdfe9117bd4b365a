import type { Kysely } from 'kysely';

/**
 * Raw service events (see service-events.ts): no personal data, so no primary key to look one
 * up by; read only by time, a range at a time, to be counted and, after 13 months, deleted.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('service_event')
    .addColumn('service', 'text', (column) => column.notNull())
    .addColumn('type', 'text', (column) => column.notNull())
    .addColumn('journey_id', 'text', (column) => column.notNull())
    .addColumn('step', 'text')
    .addColumn('occurred_at', 'text', (column) => column.notNull())
    .execute();
  await db.schema.createIndex('service_event_occurred_at').on('service_event').column('occurred_at').execute();
}
