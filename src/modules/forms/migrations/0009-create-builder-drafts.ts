import type { Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  // The console builder's working copy of a form: one per form, in the definition format (JSON,
  // perhaps not yet complete). Publishing checks it and makes it a new live version; `revision`
  // moves on each change, so two people's changes never overwrite each other unseen.
  await db.schema
    .createTable('forms_builder_draft')
    .addColumn('form_id', 'text', (column) => column.primaryKey())
    .addColumn('definition', 'text', (column) => column.notNull())
    .addColumn('revision', 'integer', (column) => column.notNull())
    .addColumn('updated_by', 'text', (column) => column.notNull())
    .addColumn('updated_at', 'text', (column) => column.notNull())
    .execute();
}
