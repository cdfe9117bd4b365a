import type { Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  // How the sign-in that opened the session was made (the ID token's amr, space-separated): the
  // operators' pages need a passkey or an authenticator app used for this very sign-in. Sessions
  // from before have none recorded, so they count as signed in by text message.
  await db.schema
    .alterTable('console_session')
    .addColumn('authentication_methods', 'text', (column) => column.notNull().defaultTo(''))
    .execute();
}
