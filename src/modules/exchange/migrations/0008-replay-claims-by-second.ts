import type { Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  // What a call has used once (its signature's base), kept under the second its signature says it
  // was made (`created`, RFC 9421): a replay carries the same `created`, so it meets its first use
  // in the same second. Keyed by that second first, each second's claims sit together, so a claim
  // touches only the newest part of the index (exchange_replay_guard's random keys touched pages
  // anywhere in it, and a second index on expires_at), and what has expired goes a second at a
  // time, a range of the key, not row by row. exchange_replay_guard is left as it was for the
  // previous release during a rolling upgrade (expand only); a later release drops it.
  await db.schema
    .createTable('exchange_replay_claim')
    .addColumn('created', 'bigint', (column) => column.notNull())
    .addColumn('key', 'text', (column) => column.notNull())
    .addPrimaryKeyConstraint('exchange_replay_claim_pkey', ['created', 'key'])
    .execute();
}
