import type { Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  // A form belongs to a console service and is published at /forms/{slug}. Each change is a new
  // version; people keep the version they started on, so old versions are archived, never deleted.
  await db.schema
    .createTable('forms_form')
    .addColumn('id', 'text', (column) => column.primaryKey())
    .addColumn('service_id', 'text', (column) => column.notNull())
    .addColumn('slug', 'text', (column) => column.notNull().unique())
    .addColumn('live_version_id', 'text')
    .addColumn('created_at', 'text', (column) => column.notNull())
    .addColumn('updated_at', 'text', (column) => column.notNull())
    .execute();
  await db.schema.createIndex('forms_form_service').on('forms_form').column('service_id').execute();

  // `status`: draft, live (at most one per form) or archived. `definition` is the form's JSON.
  await db.schema
    .createTable('forms_version')
    .addColumn('id', 'text', (column) => column.primaryKey())
    .addColumn('form_id', 'text', (column) => column.notNull())
    .addColumn('number', 'integer', (column) => column.notNull())
    .addColumn('status', 'text', (column) => column.notNull())
    .addColumn('definition', 'text', (column) => column.notNull())
    .addColumn('created_at', 'text', (column) => column.notNull())
    .addColumn('published_at', 'text')
    .addUniqueConstraint('forms_version_number_unique', ['form_id', 'number'])
    .execute();
}
