import type { Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  // Whether the person asked to be emailed when their One Login is used to sign in from a
  // browser it was not used in before (0 or 1; off unless they turn it on).
  await db.schema.alterTable('identity_account').addColumn('new_device_notice', 'integer', (column) => column.notNull().defaultTo(0)).execute();

  // The browsers an account has signed in from: only a hash of the random id in the browser's
  // device cookie, taken with the account's id, so the same browser is not linkable across
  // accounts from this table. No address or user agent is kept.
  await db.schema
    .createTable('identity_known_device')
    .addColumn('account_id', 'text', (column) => column.notNull().references('identity_account.id').onDelete('cascade'))
    .addColumn('device_hash', 'text', (column) => column.notNull())
    .addColumn('first_seen_at', 'text', (column) => column.notNull())
    .addColumn('last_seen_at', 'text', (column) => column.notNull())
    .addPrimaryKeyConstraint('identity_known_device_pk', ['account_id', 'device_hash'])
    .execute();
}
