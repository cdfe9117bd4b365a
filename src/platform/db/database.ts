import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { Kysely, PostgresDialect, type PostgresPool, type PostgresPoolClient, type Transaction } from 'kysely';
import pg from 'pg';
import type { Logger } from 'pino';
import { describeDatabaseError } from './database-unavailable.ts';
import { createNodeSqliteDialect } from './node-sqlite-dialect.ts';
import { createNotificationListener, type NotificationListener } from './notification-listener.ts';

/**
 * The kernel's handle on the database. Each store widens it to its own tables with
 * `db.withTables<...>()`, so no store sees another module's tables by accident.
 */
export type Database = Kysely<object>;
/** Either the database or an open transaction: what a store method runs its queries on. */
export type Executor = Database | Transaction<object>;

export type DatabaseKind = 'sqlite' | 'postgres';

/** Tells this process of notifications other processes send (PostgreSQL's NOTIFY). */
export type DatabaseNotifications = {
  /** Calls `onNotification` for each notification on `channel` until the returned function is called. */
  listen(channel: string, onNotification: () => void): () => void;
};

export type DatabaseHandle = DatabaseNotifications & {
  db: Database;
  kind: DatabaseKind;
  /** How the connection pool is used now (PostgreSQL); undefined on SQLite, which has one connection. */
  describePool(): { max: number; open: number; idle: number; waiting: number } | undefined;
  close(): Promise<void>;
};

const INT8_OID = 20;
/** Connections each process opens to PostgreSQL at most. */
const POOL_SIZE = 10;
/** How long a statement waits for a connection (from the pool, or a new one) before it is refused. */
const CONNECTION_TIMEOUT_MS = 10_000;

export function describeDatabaseKind(databaseUrl: string): DatabaseKind {
  return databaseUrl.startsWith('sqlite:') ? 'sqlite' : 'postgres';
}

/**
 * The pool as Kysely sees it, with every failure to reach the server (refused, cut, timed out)
 * thrown as a DatabaseUnavailableError, so callers tell an outage from a bad statement.
 */
function reportingUnavailability(pool: pg.Pool): PostgresPool {
  const wrapped = new WeakMap<pg.PoolClient, PostgresPoolClient>();
  return {
    async connect() {
      let client: pg.PoolClient;
      try {
        client = await pool.connect();
      } catch (error) {
        throw describeDatabaseError(error);
      }
      let wrapper = wrapped.get(client);
      if (!wrapper) {
        const query = client.query.bind(client) as (sql: string, parameters: readonly unknown[]) => Promise<unknown>;
        wrapper = {
          query: (async (sql: string, parameters: readonly unknown[]) => {
            try {
              return await query(sql, parameters);
            } catch (error) {
              throw describeDatabaseError(error);
            }
          }) as PostgresPoolClient['query'],
          // A client whose connection failed is not queryable: pg's pool then drops it.
          release: (destroy) => client.release(destroy),
        };
        wrapped.set(client, wrapper);
      }
      return wrapper;
    },
    end: () => pool.end(),
  };
}

export function openDatabase(databaseUrl: string, options: { logger?: Logger } = {}): DatabaseHandle {
  const kind = describeDatabaseKind(databaseUrl);
  if (kind === 'sqlite') {
    const filename = resolve(databaseUrl.slice('sqlite:'.length));
    mkdirSync(dirname(filename), { recursive: true });
    const db = new Kysely<object>({ dialect: createNodeSqliteDialect(filename) });
    // One process on one file: its own enqueue listeners are all there is to tell.
    return { db, kind, listen: () => () => {}, describePool: () => undefined, close: () => db.destroy() };
  }
  const pool = new pg.Pool({
    connectionString: databaseUrl,
    max: POOL_SIZE,
    connectionTimeoutMillis: CONNECTION_TIMEOUT_MS,
    // Counts and sums come back from PostgreSQL as int8; every figure Civitas keeps fits a number.
    types: {
      getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
        oid === INT8_OID ? Number : pg.types.getTypeParser(oid, format)) as typeof pg.types.getTypeParser,
    },
  });
  // A connection the server cuts (a restart, a failover, pg_terminate_backend) emits 'error': on
  // an idle client through the pool, on a client in use on the client itself. Unheard, either
  // ends the process. Heard, the statement in progress fails, the pool drops the client and opens
  // new ones as they are needed. Logged once per outage, without the error (it may name the server).
  let outageLogged = false;
  const logConnectionLost = () => {
    if (outageLogged) return;
    outageLogged = true;
    options.logger?.warn('database connection lost; the pool reconnects as needed');
  };
  pool.on('error', logConnectionLost);
  pool.on('connect', (client) => {
    client.on('error', logConnectionLost);
    if (outageLogged) options.logger?.info('database connection restored');
    outageLogged = false;
  });
  const db = new Kysely<object>({ dialect: new PostgresDialect({ pool: reportingUnavailability(pool) }) });
  let listener: NotificationListener | undefined;
  return {
    db,
    kind,
    listen(channel, onNotification) {
      listener ??= createNotificationListener({ connectionString: databaseUrl, logger: options.logger });
      return listener.listen(channel, onNotification);
    },
    describePool: () => ({ max: POOL_SIZE, open: pool.totalCount, idle: pool.idleCount, waiting: pool.waitingCount }),
    async close() {
      await listener?.close();
      await db.destroy();
    },
  };
}
