import type { Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  // A subsystem that asked for the bodies of its calls to be kept, and for how many days. No row:
  // not kept (the default).
  await db.schema
    .createTable('exchange_payload_setting')
    .addColumn('subsystem_id', 'text', (column) => column.primaryKey())
    .addColumn('keep_days', 'integer', (column) => column.notNull())
    .addColumn('set_by', 'text', (column) => column.notNull())
    .addColumn('set_at', 'text', (column) => column.notNull())
    .execute();

  // The bodies of one call kept for one side that asked (the client's subsystem or the provider's),
  // sealed with AES-256-GCM under ENCRYPTION_KEY and bound to the row's id, X-Road-Id and side;
  // `log_sequence` is the call's message-log record. Deleted once `delete_after` has passed.
  await db.schema
    .createTable('exchange_payload')
    .addColumn('id', 'text', (column) => column.primaryKey())
    .addColumn('log_sequence', 'bigint', (column) => column.notNull())
    .addColumn('x_road_id', 'text', (column) => column.notNull())
    .addColumn('subsystem_id', 'text', (column) => column.notNull())
    .addColumn('side', 'text', (column) => column.notNull())
    .addColumn('request_body', 'text')
    .addColumn('response_body', 'text')
    .addColumn('kept_at', 'text', (column) => column.notNull())
    .addColumn('delete_after', 'text', (column) => column.notNull())
    .addUniqueConstraint('exchange_payload_record_side_unique', ['log_sequence', 'side'])
    .execute();
  await db.schema.createIndex('exchange_payload_delete_after').on('exchange_payload').column('delete_after').execute();
}
