import type { Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('identity_account')
    .addColumn('id', 'text', (column) => column.primaryKey())
    .addColumn('email', 'text', (column) => column.notNull().unique())
    .addColumn('password_hash', 'text', (column) => column.notNull())
    // Mixed into every pairwise subject identifier, so sectors cannot be linked by guessing ids.
    .addColumn('subject_salt', 'text', (column) => column.notNull())
    .addColumn('created_at', 'text', (column) => column.notNull())
    .addColumn('updated_at', 'text', (column) => column.notNull())
    .execute();

  await db.schema
    .createTable('identity_security_method')
    .addColumn('id', 'text', (column) => column.primaryKey())
    .addColumn('account_id', 'text', (column) =>
      column.notNull().references('identity_account.id').onDelete('cascade'),
    )
    .addColumn('kind', 'text', (column) => column.notNull())
    .addColumn('totp_secret', 'text')
    // The time step of the last code accepted, so no authenticator code is accepted twice.
    .addColumn('totp_last_step', 'integer')
    .addColumn('phone_number', 'text')
    .addColumn('credential_id', 'text', (column) => column.unique())
    .addColumn('public_key', 'text')
    .addColumn('sign_count', 'integer')
    .addColumn('transports', 'text')
    .addColumn('created_at', 'text', (column) => column.notNull())
    .addColumn('last_used_at', 'text')
    .execute();
  await db.schema
    .createIndex('identity_security_method_account')
    .on('identity_security_method')
    .column('account_id')
    .execute();

  await db.schema
    .createTable('identity_service_use')
    .addColumn('account_id', 'text', (column) =>
      column.notNull().references('identity_account.id').onDelete('cascade'),
    )
    .addColumn('client_id', 'text', (column) => column.notNull())
    .addColumn('first_used_at', 'text', (column) => column.notNull())
    .addColumn('last_used_at', 'text', (column) => column.notNull())
    .addPrimaryKeyConstraint('identity_service_use_pk', ['account_id', 'client_id'])
    .execute();
}
