import { Migrator, PostgresAdapter, sql, type Migration } from 'kysely';
import type { Database } from './database.ts';

/**
 * One owner's migrations, in the order they run. Once a migration has landed it is frozen:
 * change the schema with a new migration, never by editing an old one.
 */
export type MigrationList = {
  owner: string;
  migrations: ReadonlyArray<{ id: string; migration: Migration }>;
};

const MIGRATION_TABLE = 'civitas_migration';
const MIGRATION_LOCK_TABLE = 'civitas_migration_lock';

/**
 * On PostgreSQL, the schema the connection works in. Kysely looks for its bookkeeping tables in
 * every schema unless told which one, and would take another schema's for ours.
 */
async function findCurrentSchema(db: Database): Promise<string | undefined> {
  if (!(db.getExecutor().adapter instanceof PostgresAdapter)) return undefined;
  const { rows } = await sql<{ schema: string }>`select current_schema() as schema`.execute(db);
  return rows[0]?.schema;
}

async function createMigrator(db: Database, lists: ReadonlyArray<MigrationList>): Promise<Migrator> {
  const all: Record<string, Migration> = {};
  for (const list of lists) {
    for (const { id, migration } of list.migrations) {
      all[`${list.owner}/${id}`] = migration;
    }
  }
  return new Migrator({
    db,
    provider: { getMigrations: async () => all },
    migrationTableName: MIGRATION_TABLE,
    migrationLockTableName: MIGRATION_LOCK_TABLE,
    migrationTableSchema: await findCurrentSchema(db),
    // Each owner's ids sort in order; owners are independent of one another, so a module that
    // lands later may add migrations that sort before ones already applied.
    allowUnorderedMigrations: true,
  });
}

export type MigrationOutcome = { applied: string[] };

/** Applies every pending migration. Safe to run from several processes at once. */
export async function migrateToLatest(
  db: Database,
  lists: ReadonlyArray<MigrationList>,
): Promise<MigrationOutcome> {
  const { error, results } = await (await createMigrator(db, lists)).migrateToLatest();
  if (error) throw error;
  return {
    applied: (results ?? [])
      .filter((result) => result.status === 'Success')
      .map((result) => result.migrationName),
  };
}

export async function listPendingMigrations(
  db: Database,
  lists: ReadonlyArray<MigrationList>,
): Promise<string[]> {
  const migrations = await (await createMigrator(db, lists)).getMigrations();
  return migrations.filter((migration) => !migration.executedAt).map((migration) => migration.name);
}
