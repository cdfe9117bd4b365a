import type { Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  // Every oidc-provider model (sessions, grants, codes, tokens, interactions, replay detection).
  await db.schema
    .createTable('identity_oidc_payload')
    .addColumn('model', 'text', (column) => column.notNull())
    .addColumn('id', 'text', (column) => column.notNull())
    .addColumn('payload', 'text', (column) => column.notNull())
    .addColumn('grant_id', 'text')
    .addColumn('user_code', 'text')
    .addColumn('uid', 'text')
    .addColumn('account_id', 'text')
    .addColumn('expires_at', 'text')
    .addColumn('consumed_at', 'text')
    .addPrimaryKeyConstraint('identity_oidc_payload_pk', ['model', 'id'])
    .execute();
  for (const column of ['grant_id', 'uid', 'account_id', 'expires_at'] as const) {
    await db.schema
      .createIndex(`identity_oidc_payload_${column}`)
      .on('identity_oidc_payload')
      .column(column)
      .execute();
  }

  await db.schema
    .createTable('identity_client')
    .addColumn('client_id', 'text', (column) => column.primaryKey())
    .addColumn('name', 'text', (column) => column.notNull())
    .addColumn('metadata', 'text', (column) => column.notNull())
    .addColumn('created_at', 'text', (column) => column.notNull())
    .execute();

  await db.schema
    .createTable('identity_signing_key')
    .addColumn('kid', 'text', (column) => column.primaryKey())
    .addColumn('alg', 'text', (column) => column.notNull())
    .addColumn('private_jwk', 'text', (column) => column.notNull())
    // next: published, not yet signing; current: signing; retired: published until tokens expire.
    .addColumn('state', 'text', (column) => column.notNull())
    .addColumn('created_at', 'text', (column) => column.notNull())
    .addColumn('updated_at', 'text', (column) => column.notNull())
    .execute();
}
