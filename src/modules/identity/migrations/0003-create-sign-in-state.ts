import type { Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  // Where a person is in creating an account or signing in; the cookie holds a random key whose
  // hash is the id, so a copy of the database cannot be used to take over a journey.
  await db.schema
    .createTable('identity_journey')
    .addColumn('id', 'text', (column) => column.primaryKey())
    .addColumn('state', 'text', (column) => column.notNull())
    .addColumn('created_at', 'text', (column) => column.notNull())
    .addColumn('expires_at', 'text', (column) => column.notNull())
    .execute();

  // A signed-in browser, for the account pages; the cookie holds the key, the table its hash.
  await db.schema
    .createTable('identity_web_session')
    .addColumn('id', 'text', (column) => column.primaryKey())
    .addColumn('account_id', 'text', (column) =>
      column.notNull().references('identity_account.id').onDelete('cascade'),
    )
    .addColumn('level', 'text', (column) => column.notNull())
    .addColumn('authenticated_at', 'text', (column) => column.notNull())
    .addColumn('last_seen_at', 'text', (column) => column.notNull())
    .addColumn('expires_at', 'text', (column) => column.notNull())
    .execute();
  await db.schema
    .createIndex('identity_web_session_account')
    .on('identity_web_session')
    .column('account_id')
    .execute();

  // Email and text message codes: only their hash is kept.
  await db.schema
    .createTable('identity_one_time_code')
    .addColumn('id', 'text', (column) => column.primaryKey())
    .addColumn('purpose', 'text', (column) => column.notNull())
    .addColumn('recipient', 'text', (column) => column.notNull())
    .addColumn('code_hash', 'text', (column) => column.notNull())
    .addColumn('expires_at', 'text', (column) => column.notNull())
    .addColumn('used_at', 'text')
    .addColumn('created_at', 'text', (column) => column.notNull())
    .execute();
  await db.schema
    .createIndex('identity_one_time_code_recipient')
    .on('identity_one_time_code')
    .columns(['purpose', 'recipient'])
    .execute();

  // Counters of wrong passwords and wrong codes, per account and per client address.
  await db.schema
    .createTable('identity_throttle')
    .addColumn('key', 'text', (column) => column.primaryKey())
    .addColumn('failures', 'integer', (column) => column.notNull())
    .addColumn('window_started_at', 'text', (column) => column.notNull())
    .addColumn('locked_until', 'text')
    .execute();
}
