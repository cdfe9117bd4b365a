import type { Kysely } from 'kysely';

/** Every roadmap imported, whole, by version: the public tracker shows the latest; the rest is its history of edits. */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('insight_roadmap_version')
    .addColumn('version', 'integer', (column) => column.primaryKey())
    .addColumn('content', 'text', (column) => column.notNull())
    .addColumn('imported_at', 'text', (column) => column.notNull())
    .addColumn('imported_by', 'text', (column) => column.notNull())
    .execute();
}
