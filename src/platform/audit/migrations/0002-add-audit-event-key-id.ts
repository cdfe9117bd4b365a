import type { Kysely } from 'kysely';

/**
 * Events are keyed from here on: `hash` holds an HMAC under the key `key_id` names. Events
 * already recorded keep a null key id and their SHA-256 hash.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('audit_event').addColumn('key_id', 'text').execute();
}
