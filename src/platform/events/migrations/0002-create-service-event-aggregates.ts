import type { Kysely } from 'kysely';

/**
 * Service events counted per service, type and step: per UTC day (`2026-12-03`, kept) and per
 * UTC hour (`2026-12-03T10`, the last 7 days). Dashboards read these, never the raw events.
 * `step` is '' for events with none, so it can be part of the key.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  for (const table of ['service_event_daily', 'service_event_hourly']) {
    await db.schema
      .createTable(table)
      .addColumn('service', 'text', (column) => column.notNull())
      .addColumn('type', 'text', (column) => column.notNull())
      .addColumn('step', 'text', (column) => column.notNull())
      .addColumn('period', 'text', (column) => column.notNull())
      .addColumn('count', 'integer', (column) => column.notNull())
      .addPrimaryKeyConstraint(`${table}_pkey`, ['service', 'period', 'type', 'step'])
      .execute();
    await db.schema.createIndex(`${table}_period`).on(table).column('period').execute();
  }
}
