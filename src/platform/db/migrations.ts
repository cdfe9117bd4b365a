import { setTimeout as sleep } from 'node:timers/promises';
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

export type MigrationOutcome = {
  applied: string[];
  /**
   * Migrations the database has that this version does not know: a newer release ran them. The
   * normal state of an older process during a rolling upgrade (docs/upgrades.md); nothing to do.
   */
  unknown: string[];
};

/**
 * How long, on PostgreSQL, a migration's statement may wait for a table lock (an ALTER TABLE
 * waits for every transaction that has read the table to end), and how often the whole batch is
 * tried again after such a wait ran out. While an ALTER TABLE waits, every query on that table
 * queues behind it; giving up and trying again later keeps the serving processes' requests
 * flowing instead of stalling them behind one long transaction.
 */
export type MigrationLockPolicy = { lockTimeoutMs: number; attempts: number; retryDelayMs: number };

export const DEFAULT_MIGRATION_LOCK_POLICY: MigrationLockPolicy = { lockTimeoutMs: 2_000, attempts: 15, retryDelayMs: 1_000 };

/** PostgreSQL's lock_not_available: a statement gave up waiting for a lock (lock_timeout). */
const LOCK_NOT_AVAILABLE = '55P03';

function isLockTimeout(error: unknown): boolean {
  return error instanceof Error && (error as { code?: unknown }).code === LOCK_NOT_AVAILABLE;
}

async function migrateOnce(
  db: Database,
  lists: ReadonlyArray<MigrationList>,
  lockTimeoutMs: number,
): Promise<MigrationOutcome> {
  return db.transaction().execute(async (transaction) => {
    // Waits as long as it takes for another process's migrations: the timeout below is set after.
    await ensureMigrationTable(transaction);
    if (transaction.getExecutor().adapter instanceof PostgresAdapter) {
      await sql`select set_config('lock_timeout', ${`${lockTimeoutMs}ms`}, true)`.execute(transaction);
    }
    const done = await listApplied(transaction);
    const known = new Set<string>();
    const applied: string[] = [];
    for (const { name, migration } of namesInOrder(lists)) {
      known.add(name);
      if (done.has(name)) continue;
      await migration.up(transaction);
      await transaction
        .withTables<MigrationTables>()
        .insertInto('civitas_migration')
        .values({ name, applied_at: new Date().toISOString() })
        .execute();
      applied.push(name);
    }
    return { applied, unknown: [...done].filter((name) => !known.has(name)).sort() };
  });
}

/**
 * Applies every pending migration, in the order the lists give, all in one transaction.
 * Several processes starting at once take turns under one advisory lock on PostgreSQL (SQLite's
 * write transactions take turns by themselves): the second finds nothing left to do, whichever
 * version each one is. On PostgreSQL a statement that waits longer than `lockTimeoutMs` for a
 * table lock rolls the whole batch back, and it is tried again, `attempts` times in all.
 */
export async function migrateToLatest(
  db: Database,
  lists: ReadonlyArray<MigrationList>,
  policy: MigrationLockPolicy = DEFAULT_MIGRATION_LOCK_POLICY,
): Promise<MigrationOutcome> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await migrateOnce(db, lists, policy.lockTimeoutMs);
    } catch (error) {
      if (!isLockTimeout(error)) throw error;
      if (attempt >= policy.attempts) {
        throw new Error(
          `Migrations gave up after ${attempt} attempts: each time a statement waited more than ${policy.lockTimeoutMs} ms for a table that a long transaction holds (see pg_stat_activity)`,
          { cause: error },
        );
      }
      await sleep(policy.retryDelayMs);
    }
  }
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
