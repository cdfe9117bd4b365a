import type { Kysely } from 'kysely';

/**
 * Records being written in the console before they are published: a draft keeps its answers as
 * the model's JSON, `editing` the identifier of the record it changes.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('marketplace_draft')
    .addColumn('id', 'text', (column) => column.primaryKey())
    .addColumn('organisation_id', 'text', (column) => column.notNull())
    .addColumn('type', 'text', (column) => column.notNull())
    .addColumn('editing', 'text')
    .addColumn('content', 'text', (column) => column.notNull())
    .addColumn('updated_by', 'text', (column) => column.notNull())
    .addColumn('updated_at', 'text', (column) => column.notNull())
    .execute();
  await db.schema.createIndex('marketplace_draft_organisation').on('marketplace_draft').column('organisation_id').execute();
}
