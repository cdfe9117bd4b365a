import type { Kysely } from 'kysely';

/**
 * Guidance pages and every version of them. A page is one slug and one type; each language of it
 * has its own numbered versions, and the published pointer says which version is served. Content
 * is JSON as text (the parts, the body or the steps, in markdown), so the schema serves SQLite
 * and PostgreSQL alike.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('guidance_page')
    .addColumn('id', 'text', (column) => column.primaryKey())
    .addColumn('slug', 'text', (column) => column.notNull().unique())
    .addColumn('type', 'text', (column) => column.notNull())
    .addColumn('created_at', 'text', (column) => column.notNull())
    .execute();

  await db.schema
    .createTable('guidance_version')
    .addColumn('page_id', 'text', (column) => column.notNull())
    .addColumn('lang', 'text', (column) => column.notNull())
    .addColumn('version', 'integer', (column) => column.notNull())
    .addColumn('title', 'text', (column) => column.notNull())
    .addColumn('description', 'text', (column) => column.notNull())
    .addColumn('content', 'text', (column) => column.notNull())
    .addColumn('created_by', 'text', (column) => column.notNull())
    .addColumn('created_at', 'text', (column) => column.notNull())
    .addPrimaryKeyConstraint('guidance_version_pk', ['page_id', 'lang', 'version'])
    .execute();

  await db.schema
    .createTable('guidance_published')
    .addColumn('page_id', 'text', (column) => column.notNull())
    .addColumn('lang', 'text', (column) => column.notNull())
    .addColumn('version', 'integer', (column) => column.notNull())
    .addColumn('published_at', 'text', (column) => column.notNull())
    .addPrimaryKeyConstraint('guidance_published_pk', ['page_id', 'lang'])
    .execute();

  // The pages each published step-by-step links to from its steps: those pages show its sidebar.
  await db.schema
    .createTable('guidance_step_link')
    .addColumn('step_by_step_id', 'text', (column) => column.notNull())
    .addColumn('lang', 'text', (column) => column.notNull())
    .addColumn('slug', 'text', (column) => column.notNull())
    .addPrimaryKeyConstraint('guidance_step_link_pk', ['step_by_step_id', 'lang', 'slug'])
    .execute();
  await db.schema.createIndex('guidance_step_link_slug').on('guidance_step_link').columns(['slug', 'lang']).execute();

  // One row, counted up by every change to what is published: each process's search index
  // compares it with the count it was built at, so every process sees every other's changes.
  await db.schema
    .createTable('guidance_revision')
    .addColumn('name', 'text', (column) => column.primaryKey())
    .addColumn('revision', 'integer', (column) => column.notNull())
    .execute();
  await db.insertInto('guidance_revision').values({ name: 'published', revision: 0 }).execute();
}
