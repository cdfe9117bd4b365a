import type { Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  // When the account's password was last set with nothing but an emailed code (a reset), until
  // the person next proves a security code or passkey: while it is set, the mailbox has proved
  // the password too, so the mailbox cannot also replace the way to get security codes.
  await db.schema.alterTable('identity_account').addColumn('password_set_by_email_at', 'text').execute();
}
