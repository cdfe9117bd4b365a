import type { Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  // Services that run inside Civitas itself (the account pages, the demo service) and sign
  // people in through the provider like any other: their registration and private key.
  await db.schema
    .createTable('identity_internal_client')
    .addColumn('name', 'text', (column) => column.notNull())
    .addColumn('base_url', 'text', (column) => column.notNull())
    .addColumn('client_id', 'text', (column) => column.notNull())
    .addColumn('private_jwk', 'text', (column) => column.notNull())
    .addColumn('created_at', 'text', (column) => column.notNull())
    .addPrimaryKeyConstraint('identity_internal_client_pk', ['name', 'base_url'])
    .execute();
}
