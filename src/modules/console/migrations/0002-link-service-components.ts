import type { Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  // What each console service owns in the other modules: its One Login clients, its Notify
  // service, its Pay account. A component belongs to one service (the primary key); `single`
  // is `<service id>:<kind>` for the kinds a service has at most one of, null otherwise.
  await db.schema
    .createTable('console_service_component')
    .addColumn('kind', 'text', (column) => column.notNull())
    .addColumn('external_id', 'text', (column) => column.notNull())
    .addColumn('organisation_id', 'text', (column) => column.notNull())
    .addColumn('service_id', 'text', (column) => column.notNull())
    .addColumn('single', 'text', (column) => column.unique())
    .addColumn('created_at', 'text', (column) => column.notNull())
    .addPrimaryKeyConstraint('console_service_component_pk', ['kind', 'external_id'])
    .execute();
  await db.schema.createIndex('console_service_component_service').on('console_service_component').columns(['service_id', 'kind']).execute();

  // A secret (an API key, a client secret) made on a page, kept sealed for the page after the
  // redirect and taken (deleted) when it is shown: bound to the console session that made it.
  await db.schema
    .createTable('console_one_time_secret')
    .addColumn('id', 'text', (column) => column.primaryKey())
    .addColumn('session_hash', 'text', (column) => column.notNull())
    .addColumn('service_id', 'text', (column) => column.notNull())
    .addColumn('kind', 'text', (column) => column.notNull())
    .addColumn('sealed', 'text', (column) => column.notNull())
    .addColumn('created_at', 'text', (column) => column.notNull())
    .execute();
  await db.schema.createIndex('console_one_time_secret_session').on('console_one_time_secret').columns(['session_hash', 'service_id']).execute();
}
