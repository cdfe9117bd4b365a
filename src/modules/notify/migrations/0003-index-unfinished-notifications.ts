import { sql, type Kysely } from 'kysely';

/**
 * The hourly timeout looks for notifications still `sending` or `pending` days after they were
 * created: few rows among many, so a partial index finds them without reading the table.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createIndex('notify_notification_unfinished')
    .on('notify_notification')
    .column('created_at')
    .where(sql.ref('status'), 'in', sql`('sending', 'pending')`)
    .execute();
}
