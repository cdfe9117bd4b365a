import type { Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  // Whether the call's client was proved (its signature verified, not a replay): 1, or 0 for a call
  // refused before that, whose X-Road-Client is only what the caller claimed. Null on records
  // written before this column (their hash covers the fields without it).
  await db.schema.alterTable('exchange_message_log').addColumn('client_proved', 'integer').execute();
}
