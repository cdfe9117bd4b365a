import { PostgresAdapter, sql, type Migration } from 'kysely';
import type { Database, Executor } from './database.ts';
import { lockUntilTransactionEnds } from './transaction-lock.ts';

/**
 * One owner's migrations, in the order they run. Once a migration has landed it is frozen:
 * change the schema with a new migration, never by editing an old one.
 */
export type MigrationList = {
  owner: string;
  migrations: ReadonlyArray<{ id: string; migration: Migration }>;
};

type MigrationTables = { civitas_migration: { name: string; applied_at: string } };

const MIGRATIONS_LOCK = 7_414_000;

function namesInOrder(lists: ReadonlyArray<MigrationList>): Array<{ name: string; migration: Migration }> {
  return lists.flatMap((list) =>
    list.migrations.map(({ id, migration }) => ({ name: `${list.owner}/${id}`, migration })),
  );
}

// Plain SQL that both databases accept; it never looks at other schemas, so test suites that
// each have a schema of their own on one PostgreSQL cannot disturb each other. Only ever run
// under MIGRATIONS_LOCK: two PostgreSQL sessions running `create table if not exists` at once
// can both miss the table and one then fails on the duplicate type.
async function ensureMigrationTable(transaction: Executor): Promise<void> {
  await lockUntilTransactionEnds(transaction, MIGRATIONS_LOCK);
  await sql`create table if not exists civitas_migration (name text primary key, applied_at text not null)`.execute(
    transaction,
  );
}

async function listApplied(db: Executor): Promise<Set<string>> {
  const rows = await db.withTables<MigrationTables>().selectFrom('civitas_migration').select('name').execute();
  return new Set(rows.map((row) => row.name));
}

export type MigrationOutcome = { applied: string[] };

/**
 * Applies every pending migration, in the order the lists give, all in one transaction.
 * Several processes starting at once take turns: the second finds nothing left to do.
 */
export async function migrateToLatest(
  db: Database,
  lists: ReadonlyArray<MigrationList>,
): Promise<MigrationOutcome> {
  return db.transaction().execute(async (transaction) => {
    await ensureMigrationTable(transaction);
    const done = await listApplied(transaction);
    const applied: string[] = [];
    for (const { name, migration } of namesInOrder(lists)) {
      if (done.has(name)) continue;
      await migration.up(transaction);
      await transaction
        .withTables<MigrationTables>()
        .insertInto('civitas_migration')
        .values({ name, applied_at: new Date().toISOString() })
        .execute();
      applied.push(name);
    }
    return { applied };
  });
}

/** Without creating it: readiness probes ask often, and must never wait on a migration. */
async function migrationTableExists(db: Executor): Promise<boolean> {
  const found =
    db.getExecutor().adapter instanceof PostgresAdapter
      ? await sql<{ found: string | null }>`select to_regclass('civitas_migration')::text as found`.execute(db)
      : await sql<{ found: string | null }>`select name as found from sqlite_master where type = 'table' and name = 'civitas_migration'`.execute(db);
  return Boolean(found.rows[0]?.found);
}

export async function listPendingMigrations(
  db: Database,
  lists: ReadonlyArray<MigrationList>,
): Promise<string[]> {
  const done = (await migrationTableExists(db)) ? await listApplied(db) : new Set<string>();
  return namesInOrder(lists)
    .map(({ name }) => name)
    .filter((name) => !done.has(name));
}
