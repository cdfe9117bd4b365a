import type { Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  // The challenge of the passkey a signed-in browser is asked to create on the account pages:
  // kept with its session (not in a cookie), so it answers for that session only, and once.
  await db.schema.alterTable('identity_web_session').addColumn('passkey_challenge', 'text').execute();
  await db.schema.alterTable('identity_web_session').addColumn('passkey_challenge_expires_at', 'text').execute();

  // When One Login's periodic jobs next run (removing expired codes, sessions and spent counters).
  await db.schema
    .createTable('identity_schedule')
    .addColumn('name', 'text', (column) => column.primaryKey())
    .addColumn('next_run_at', 'text', (column) => column.notNull())
    .execute();

  // What those jobs look for.
  await db.schema.createIndex('identity_one_time_code_expires_at').on('identity_one_time_code').column('expires_at').execute();
  await db.schema.createIndex('identity_web_session_expires_at').on('identity_web_session').column('expires_at').execute();
  await db.schema.createIndex('identity_throttle_window_started_at').on('identity_throttle').column('window_started_at').execute();
}
