import type { Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  // The demo service's own sessions, so they end when One Login tells it (back-channel logout)
  // and after 8 hours, in every process. Only the hash of the cookie's value is kept.
  await db.schema
    .createTable('demo_service_session')
    .addColumn('id_hash', 'text', (column) => column.primaryKey())
    .addColumn('subject', 'text', (column) => column.notNull())
    .addColumn('sid', 'text')
    .addColumn('email', 'text', (column) => column.notNull())
    .addColumn('phone_number', 'text')
    .addColumn('level', 'text', (column) => column.notNull())
    .addColumn('id_token', 'text', (column) => column.notNull())
    .addColumn('created_at', 'text', (column) => column.notNull())
    .addColumn('expires_at', 'text', (column) => column.notNull())
    .execute();
  await db.schema.createIndex('demo_service_session_subject').on('demo_service_session').columns(['subject', 'sid']).execute();
  await db.schema.createIndex('demo_service_session_expires_at').on('demo_service_session').column('expires_at').execute();
}
