import { DatabaseSync, type StatementSync } from 'node:sqlite';
import {
  CompiledQuery,
  SqliteDialect,
  SqliteDriver,
  type DatabaseConnection,
  type Driver,
  type SqliteDatabase,
  type SqliteStatement,
} from 'kysely';
import { describeDatabaseError } from './database-unavailable.ts';
import { startWalCheckpointer, type WalCheckpointer } from './wal-checkpointer.ts';

const STATEMENT_CACHE_SIZE = 500;

/**
 * Kysely's SqliteDialect speaks to any database shaped like better-sqlite3's. This adapts Node's
 * built-in `node:sqlite`, so Civitas needs no native module to run on SQLite.
 */
class NodeSqliteDatabase implements SqliteDatabase {
  readonly #database: DatabaseSync;
  // Preparing is a large part of a small query's cost; the same SQL comes back again and again.
  readonly #statements = new Map<string, SqliteStatement>();
  readonly #checkpointer: WalCheckpointer;

  constructor(database: DatabaseSync, checkpointer: WalCheckpointer) {
    this.#database = database;
    this.#checkpointer = checkpointer;
  }

  prepare(sql: string): SqliteStatement {
    const cached = this.#statements.get(sql);
    if (cached) return cached;
    const statement = adaptStatement(this.#database.prepare(sql));
    if (this.#statements.size >= STATEMENT_CACHE_SIZE) {
      const oldest = this.#statements.keys().next().value;
      if (oldest !== undefined) this.#statements.delete(oldest);
    }
    this.#statements.set(sql, statement);
    return statement;
  }

  close(): void {
    this.#statements.clear();
    this.#checkpointer.stop();
    this.#database.close();
  }
}

type SqliteParameter = null | number | bigint | string | Uint8Array;

function toSqliteParameters(parameters: ReadonlyArray<unknown>): SqliteParameter[] {
  return parameters.map((value) => {
    if (typeof value === 'boolean') return value ? 1 : 0;
    if (value instanceof Date) return value.toISOString();
    return value as SqliteParameter;
  });
}

/** Runs a statement, with a write refused for want of space thrown as a DatabaseUnavailableError. */
function reportingUnavailability<T>(run: () => T): T {
  try {
    return run();
  } catch (error) {
    throw describeDatabaseError(error);
  }
}

function adaptStatement(statement: StatementSync): SqliteStatement {
  return {
    reader: statement.columns().length > 0,
    all: (parameters) => reportingUnavailability(() => statement.all(...toSqliteParameters(parameters))),
    run: (parameters) => reportingUnavailability(() => statement.run(...toSqliteParameters(parameters))),
    iterate: (parameters) => reportingUnavailability(() => statement.iterate(...toSqliteParameters(parameters))),
  };
}

/**
 * Transactions start with BEGIN IMMEDIATE: a deferred transaction that reads and then writes can
 * fail at once with SQLITE_BUSY when another process wrote in between, instead of waiting.
 */
class ImmediateTransactionSqliteDriver extends SqliteDriver {
  readonly #isTransaction: () => boolean;

  constructor(config: ConstructorParameters<typeof SqliteDriver>[0], isTransaction: () => boolean) {
    super(config);
    this.#isTransaction = isTransaction;
  }

  override async beginTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw('begin immediate'));
  }

  /**
   * SQLite may already have rolled the whole transaction back itself (it does on SQLITE_FULL, a
   * full disk): then there is nothing left to roll back, and a ROLLBACK would fail with "no
   * transaction is active", hiding the error that caused it.
   */
  override async rollbackTransaction(connection: DatabaseConnection): Promise<void> {
    if (!this.#isTransaction()) return;
    await connection.executeQuery(CompiledQuery.raw('rollback'));
  }
}

class NodeSqliteDialect extends SqliteDialect {
  readonly #driverConfig: ConstructorParameters<typeof SqliteDialect>[0];
  readonly #isTransaction: () => boolean;

  constructor(config: ConstructorParameters<typeof SqliteDialect>[0], isTransaction: () => boolean) {
    super(config);
    this.#driverConfig = config;
    this.#isTransaction = isTransaction;
  }

  override createDriver(): Driver {
    return new ImmediateTransactionSqliteDriver(this.#driverConfig, this.#isTransaction);
  }
}

/**
 * Opens a SQLite file in WAL mode. With WAL, `synchronous = NORMAL` keeps every committed
 * transaction through a crash of the process (kill -9); only a power cut can lose the last few.
 * The log is copied into the database file by a thread of its own (wal-checkpointer.ts).
 */
export function createNodeSqliteDialect(filename: string): SqliteDialect {
  let opened: DatabaseSync | undefined;
  return new NodeSqliteDialect(
    {
      database: async () => {
        const database = new DatabaseSync(filename, { timeout: 5000 });
        database.exec('pragma journal_mode = wal');
        database.exec('pragma synchronous = normal');
        database.exec('pragma foreign_keys = on');
        opened = database;
        return new NodeSqliteDatabase(database, startWalCheckpointer(database, filename));
      },
    },
    () => opened?.isTransaction ?? true,
  );
}
