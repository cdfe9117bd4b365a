import type { Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  // A data sharing agreement between a provider and a consumer member for one service. `fields`
  // is JSON: the JSON paths of the answer the consumer may receive. `status` is draft, active,
  // suspended or ended; expired is read from `ends_at`.
  await db.schema
    .createTable('exchange_agreement')
    .addColumn('id', 'text', (column) => column.primaryKey())
    .addColumn('provider_member_id', 'text', (column) => column.notNull())
    .addColumn('consumer_member_id', 'text', (column) => column.notNull())
    .addColumn('service_id', 'text', (column) => column.notNull())
    .addColumn('purpose', 'text', (column) => column.notNull())
    .addColumn('lawful_basis', 'text', (column) => column.notNull())
    .addColumn('legal_gateway', 'text')
    .addColumn('fields', 'text', (column) => column.notNull())
    .addColumn('starts_at', 'text', (column) => column.notNull())
    .addColumn('ends_at', 'text', (column) => column.notNull())
    .addColumn('status', 'text', (column) => column.notNull())
    .addColumn('created_by', 'text', (column) => column.notNull())
    .addColumn('created_at', 'text', (column) => column.notNull())
    .addColumn('provider_approved_by', 'text')
    .addColumn('provider_approved_at', 'text')
    .addColumn('consumer_approved_by', 'text')
    .addColumn('consumer_approved_at', 'text')
    .addColumn('ended_by', 'text')
    .addColumn('ended_at', 'text')
    .execute();
  await db.schema.createIndex('exchange_agreement_pair').on('exchange_agreement').columns(['service_id', 'consumer_member_id', 'status']).execute();
}
