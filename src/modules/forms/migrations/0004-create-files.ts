import type { Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  // Files given as answers, kept in the database (so one backup holds a submission whole, on
  // SQLite and PostgreSQL alike), as base64 text. Until the answers are submitted a file lives as
  // long as the session that uploaded it; `submission_id` is set in the transaction that submits.
  await db.schema
    .createTable('forms_file')
    .addColumn('id', 'text', (column) => column.primaryKey())
    .addColumn('form_id', 'text', (column) => column.notNull())
    .addColumn('submission_id', 'text')
    .addColumn('filename', 'text', (column) => column.notNull())
    .addColumn('media_type', 'text', (column) => column.notNull())
    .addColumn('size', 'integer', (column) => column.notNull())
    .addColumn('content', 'text', (column) => column.notNull())
    .addColumn('created_at', 'text', (column) => column.notNull())
    .addColumn('expires_at', 'text', (column) => column.notNull())
    .execute();
  await db.schema.createIndex('forms_file_submission').on('forms_file').column('submission_id').execute();
  await db.schema.createIndex('forms_file_expires_at').on('forms_file').column('expires_at').execute();
}
