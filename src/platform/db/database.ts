import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { Kysely, PostgresDialect, type Transaction } from 'kysely';
import pg from 'pg';
import { createNodeSqliteDialect } from './node-sqlite-dialect.ts';

/**
 * The kernel's handle on the database. Each store widens it to its own tables with
 * `db.withTables<...>()`, so no store sees another module's tables by accident.
 */
export type Database = Kysely<object>;
/** Either the database or an open transaction: what a store method runs its queries on. */
export type Executor = Database | Transaction<object>;

export type DatabaseKind = 'sqlite' | 'postgres';

export type DatabaseHandle = {
  db: Database;
  kind: DatabaseKind;
  close(): Promise<void>;
};

const INT8_OID = 20;

export function describeDatabaseKind(databaseUrl: string): DatabaseKind {
  return databaseUrl.startsWith('sqlite:') ? 'sqlite' : 'postgres';
}

export function openDatabase(databaseUrl: string): DatabaseHandle {
  const kind = describeDatabaseKind(databaseUrl);
  if (kind === 'sqlite') {
    const filename = resolve(databaseUrl.slice('sqlite:'.length));
    mkdirSync(dirname(filename), { recursive: true });
    const db = new Kysely<object>({ dialect: createNodeSqliteDialect(filename) });
    return { db, kind, close: () => db.destroy() };
  }
  const pool = new pg.Pool({
    connectionString: databaseUrl,
    max: 10,
    // Counts and sums come back from PostgreSQL as int8; every figure Civitas keeps fits a number.
    types: {
      getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
        oid === INT8_OID ? Number : pg.types.getTypeParser(oid, format)) as typeof pg.types.getTypeParser,
    },
  });
  const db = new Kysely<object>({ dialect: new PostgresDialect({ pool }) });
  return { db, kind, close: () => db.destroy() };
}
