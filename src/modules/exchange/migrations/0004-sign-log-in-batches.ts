import type { Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  // One signature by the log key over a batch of records written together: the records' sequences
  // and each one's hash (`record_hashes`, hex, one per line), so a record rewritten later, even with
  // the chain rebuilt after it, no longer matches the hash signed for it. Records of a batch carry
  // empty key_id and signature; records written before this migration keep their own signature.
  await db.schema
    .createTable('exchange_message_log_batch')
    .addColumn('last_sequence', 'bigint', (column) => column.primaryKey())
    .addColumn('first_sequence', 'bigint', (column) => column.notNull())
    .addColumn('record_hashes', 'text', (column) => column.notNull())
    .addColumn('key_id', 'text', (column) => column.notNull())
    .addColumn('signature', 'text', (column) => column.notNull())
    .addColumn('signed_at', 'text', (column) => column.notNull())
    .execute();

  // What the gateway caches of the registry (keys, subsystems, services, access rights, agreements)
  // is good while this number stays the same: every change to them adds one in the same transaction.
  await db.schema
    .createTable('exchange_registry_version')
    .addColumn('id', 'text', (column) => column.primaryKey())
    .addColumn('version', 'bigint', (column) => column.notNull())
    .execute();
  await db.insertInto('exchange_registry_version' as never).values({ id: 'registry', version: 0 } as never).execute();
}
