import type { Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  // The secret a form's webhook deliveries are signed with, sealed under ENCRYPTION_KEY
  // (purpose forms-webhook). Kept apart from the definition, so an export never carries it.
  await db.schema
    .createTable('forms_webhook_secret')
    .addColumn('form_id', 'text', (column) => column.primaryKey())
    .addColumn('sealed_secret', 'text', (column) => column.notNull())
    .addColumn('created_at', 'text', (column) => column.notNull())
    .execute();
}
