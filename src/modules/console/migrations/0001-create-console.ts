import type { Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  // The console's own sessions: they end after 8 hours, after 30 minutes without a request, at
  // sign-out and when One Login sends a back-channel logout. Only the hash of the cookie's value is kept.
  await db.schema
    .createTable('console_session')
    .addColumn('id_hash', 'text', (column) => column.primaryKey())
    .addColumn('person_key', 'text', (column) => column.notNull())
    .addColumn('sid', 'text')
    .addColumn('email', 'text', (column) => column.notNull())
    .addColumn('level', 'text', (column) => column.notNull())
    .addColumn('id_token', 'text', (column) => column.notNull())
    .addColumn('authenticated_at', 'text', (column) => column.notNull())
    .addColumn('created_at', 'text', (column) => column.notNull())
    .addColumn('last_seen_at', 'text', (column) => column.notNull())
    .addColumn('expires_at', 'text', (column) => column.notNull())
    .execute();
  await db.schema.createIndex('console_session_person').on('console_session').columns(['person_key', 'sid']).execute();
  await db.schema.createIndex('console_session_expires_at').on('console_session').column('expires_at').execute();

  await db.schema
    .createTable('console_organisation')
    .addColumn('id', 'text', (column) => column.primaryKey())
    .addColumn('name', 'text', (column) => column.notNull())
    .addColumn('type', 'text', (column) => column.notNull())
    .addColumn('govuk_slug', 'text')
    .addColumn('created_at', 'text', (column) => column.notNull())
    .execute();

  await db.schema
    .createTable('console_service')
    .addColumn('id', 'text', (column) => column.primaryKey())
    .addColumn('organisation_id', 'text', (column) => column.notNull())
    .addColumn('name', 'text', (column) => column.notNull())
    .addColumn('created_at', 'text', (column) => column.notNull())
    .execute();
  await db.schema.createIndex('console_service_organisation').on('console_service').column('organisation_id').execute();

  // A person is known by the console's `sub` for them (pairwise, but stable for the console).
  await db.schema
    .createTable('console_membership')
    .addColumn('id', 'text', (column) => column.primaryKey())
    .addColumn('organisation_id', 'text', (column) => column.notNull())
    .addColumn('person_key', 'text', (column) => column.notNull())
    .addColumn('email', 'text', (column) => column.notNull())
    .addColumn('role', 'text', (column) => column.notNull())
    .addColumn('created_at', 'text', (column) => column.notNull())
    .addUniqueConstraint('console_membership_person_unique', ['organisation_id', 'person_key'])
    .execute();
  await db.schema.createIndex('console_membership_person').on('console_membership').column('person_key').execute();

  // Granted by email (the CLI knows no `sub`); bound to the person who first signs in with it.
  await db.schema
    .createTable('console_operator')
    .addColumn('id', 'text', (column) => column.primaryKey())
    .addColumn('email', 'text', (column) => column.notNull().unique())
    .addColumn('person_key', 'text', (column) => column.unique())
    .addColumn('added_by', 'text', (column) => column.notNull())
    .addColumn('created_at', 'text', (column) => column.notNull())
    .execute();

  // `token_hash` is the SHA-256 of the token in the emailed link; the token is not kept.
  await db.schema
    .createTable('console_invitation')
    .addColumn('id', 'text', (column) => column.primaryKey())
    .addColumn('organisation_id', 'text', (column) => column.notNull())
    .addColumn('email', 'text', (column) => column.notNull())
    .addColumn('role', 'text', (column) => column.notNull())
    .addColumn('token_hash', 'text', (column) => column.notNull().unique())
    .addColumn('invited_by', 'text', (column) => column.notNull())
    .addColumn('created_at', 'text', (column) => column.notNull())
    .addColumn('expires_at', 'text', (column) => column.notNull())
    .addColumn('accepted_at', 'text')
    .addColumn('accepted_by', 'text')
    .execute();
  await db.schema.createIndex('console_invitation_organisation').on('console_invitation').column('organisation_id').execute();
}
