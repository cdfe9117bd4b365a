import type { Kysely } from 'kysely';

/**
 * Access asked for through the catalogue. The agreement itself is Exchange's; this keeps what the
 * catalogue's pages need beside it: the record asked from, the requesting subsystem, whom to tell
 * (the requester's email), the status as last seen here and the provider's reason for a refusal.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('marketplace_access_request')
    .addColumn('id', 'text', (column) => column.primaryKey())
    .addColumn('agreement_id', 'text', (column) => column.notNull().unique())
    .addColumn('record_identifier', 'text', (column) => column.notNull())
    .addColumn('service_identifier', 'text', (column) => column.notNull())
    .addColumn('consumer_organisation_id', 'text', (column) => column.notNull())
    .addColumn('provider_organisation_id', 'text', (column) => column.notNull())
    .addColumn('subsystem', 'text', (column) => column.notNull())
    .addColumn('requester_email', 'text', (column) => column.notNull())
    .addColumn('status', 'text', (column) => column.notNull())
    .addColumn('refusal_reason', 'text')
    .addColumn('created_at', 'text', (column) => column.notNull())
    .addColumn('decided_at', 'text')
    .execute();
  await db.schema.createIndex('marketplace_access_request_consumer').on('marketplace_access_request').column('consumer_organisation_id').execute();
  await db.schema.createIndex('marketplace_access_request_provider').on('marketplace_access_request').column('provider_organisation_id').execute();
}
