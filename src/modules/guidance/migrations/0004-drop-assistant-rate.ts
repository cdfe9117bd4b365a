import type { Kysely } from 'kysely';

/** The assistant's limit is counted by the kernel's address rate limit (rate_limit_window) now. */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('guidance_assistant_rate').execute();
}
