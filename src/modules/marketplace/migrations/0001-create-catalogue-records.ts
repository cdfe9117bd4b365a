import type { Kysely } from 'kysely';

/**
 * The catalogue's records and every version of them. A record is known by the model's
 * identifier; its content is the model's JSON as text, so the schema serves SQLite and
 * PostgreSQL alike. The revision row counts every change, so each process's search index can
 * tell when to build itself again.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('marketplace_record')
    .addColumn('identifier', 'text', (column) => column.primaryKey())
    .addColumn('type', 'text', (column) => column.notNull())
    .addColumn('organisation_id', 'text')
    .addColumn('version', 'integer', (column) => column.notNull())
    .addColumn('content', 'text', (column) => column.notNull())
    .addColumn('created_at', 'text', (column) => column.notNull())
    .addColumn('updated_at', 'text', (column) => column.notNull())
    .execute();
  await db.schema.createIndex('marketplace_record_organisation').on('marketplace_record').column('organisation_id').execute();

  await db.schema
    .createTable('marketplace_record_version')
    .addColumn('identifier', 'text', (column) => column.notNull())
    .addColumn('version', 'integer', (column) => column.notNull())
    .addColumn('content', 'text', (column) => column.notNull())
    .addColumn('recorded_by', 'text', (column) => column.notNull())
    .addColumn('recorded_at', 'text', (column) => column.notNull())
    .addPrimaryKeyConstraint('marketplace_record_version_pk', ['identifier', 'version'])
    .execute();

  await db.schema
    .createTable('marketplace_revision')
    .addColumn('name', 'text', (column) => column.primaryKey())
    .addColumn('revision', 'integer', (column) => column.notNull())
    .execute();
  await db.insertInto('marketplace_revision').values({ name: 'catalogue', revision: 0 }).execute();
}
