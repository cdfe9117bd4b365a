import type { Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  // A person's answers as they go, for 20 hours, on the version they started. Only the hash of
  // the cookie's value is kept. `submission_id` is set once, in the transaction that submits.
  await db.schema
    .createTable('forms_session')
    .addColumn('id_hash', 'text', (column) => column.primaryKey())
    .addColumn('form_id', 'text', (column) => column.notNull())
    .addColumn('version_id', 'text', (column) => column.notNull())
    .addColumn('answers', 'text', (column) => column.notNull())
    .addColumn('submission_id', 'text')
    .addColumn('created_at', 'text', (column) => column.notNull())
    .addColumn('updated_at', 'text', (column) => column.notNull())
    .addColumn('expires_at', 'text', (column) => column.notNull())
    .execute();
  await db.schema.createIndex('forms_session_expires_at').on('forms_session').column('expires_at').execute();

  // One submission per session (`session_hash` is unique), each with its own reference.
  await db.schema
    .createTable('forms_submission')
    .addColumn('id', 'text', (column) => column.primaryKey())
    .addColumn('reference', 'text', (column) => column.notNull().unique())
    .addColumn('form_id', 'text', (column) => column.notNull())
    .addColumn('version_id', 'text', (column) => column.notNull())
    .addColumn('session_hash', 'text', (column) => column.notNull().unique())
    .addColumn('answers', 'text', (column) => column.notNull())
    .addColumn('created_at', 'text', (column) => column.notNull())
    .addColumn('delivered_at', 'text')
    .execute();
  await db.schema.createIndex('forms_submission_form').on('forms_submission').columns(['form_id', 'created_at']).execute();
}
