import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:net';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { sql } from 'kysely';
import pg from 'pg';
import { pino } from 'pino';
import { createTestDatabase, testDatabaseKind } from '../testing/test-database.ts';
import { DatabaseUnavailableError } from './database-unavailable.ts';
import { openDatabase } from './database.ts';

// Every connection this test process opens carries this name, so the test cuts its own
// connections, and never those of other tests sharing the server.
const APPLICATION_NAME = `civitas-test-${randomBytes(6).toString('hex')}`;
process.env.PGAPPNAME = APPLICATION_NAME;

async function terminateOwnConnections(): Promise<number> {
  const admin = new pg.Client({ connectionString: process.env.DATABASE_URL, application_name: 'civitas-test-administrator' });
  await admin.connect();
  try {
    const result = await admin.query(
      'select pg_terminate_backend(pid) from pg_stat_activity where application_name = $1 and pid <> pg_backend_pid()',
      [APPLICATION_NAME],
    );
    return result.rowCount ?? 0;
  } finally {
    await admin.end();
  }
}

/** A logger that keeps what it is asked to write. */
function createRecordingLogger() {
  const lines: Array<Record<string, unknown>> = [];
  const logger = pino({ level: 'info' }, { write: (line: string) => void lines.push(JSON.parse(line) as Record<string, unknown>) });
  return { logger, lines };
}

test('a PostgreSQL server nobody answers at is a DatabaseUnavailableError, not a statement error', async () => {
  // A port just closed: connections are refused at once.
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));

  const { db, close } = openDatabase(`postgres://civitas@127.0.0.1:${port}/civitas`);
  try {
    await assert.rejects(sql`select 1`.execute(db), (error: unknown) => {
      assert.ok(error instanceof DatabaseUnavailableError);
      assert.equal(error.code, 'database_unavailable');
      assert.equal(error.statusCode, 503);
      assert.equal(error.message, 'The database is unavailable', 'a constant message: no address, no user');
      assert.equal((error.cause as { code?: string }).code, 'ECONNREFUSED', 'the cause is kept for the logs');
      return true;
    });
  } finally {
    await close();
  }
});

test('PostgreSQL cutting the pool\'s connections (pg_terminate_backend) fails the statement in progress, and the pool reconnects by itself', { timeout: 30_000 }, async (t) => {
  if (testDatabaseKind() !== 'postgres') {
    t.skip('needs PostgreSQL (run with a postgres:// DATABASE_URL)');
    return;
  }
  const database = await createTestDatabase();
  const { logger, lines } = createRecordingLogger();
  const { db, close } = openDatabase(database.url, { logger });
  t.after(async () => {
    await close();
    await database.drop();
  });
  await sql`create table thing (id text primary key)`.execute(db);
  // Some idle connections in the pool, and one busy with a statement that outlasts the cut.
  await Promise.all(Array.from({ length: 4 }, () => sql`select pg_sleep(0.05)`.execute(db)));
  const busy = sql`select pg_sleep(30)`.execute(db);
  const inTransaction = db.transaction().execute(async (transaction) => {
    await sql`insert into thing (id) values ('in the cut transaction')`.execute(transaction);
    await sql`select pg_sleep(30)`.execute(transaction);
  });
  busy.catch(() => {});
  inTransaction.catch(() => {});
  await sleep(200);

  assert.ok((await terminateOwnConnections()) >= 2, 'the pool\'s connections were cut');

  await assert.rejects(busy, DatabaseUnavailableError);
  await assert.rejects(inTransaction, DatabaseUnavailableError);
  // The process is still here (no unhandled 'error' event). A statement may still meet a
  // connection the pool has not yet seen cut (that too is a DatabaseUnavailableError); soon
  // statements work again on new connections.
  for (let tries = 1; ; tries++) {
    try {
      await sql`insert into thing (id) values ('after the cut')`.execute(db);
      break;
    } catch (error) {
      assert.ok(error instanceof DatabaseUnavailableError, 'only ever unavailable, never another error');
      assert.ok(tries < 100, 'the pool reconnects');
      await sleep(20);
    }
  }
  const { rows } = await sql<{ id: string }>`select id from thing order by id`.execute(db);
  assert.deepEqual(rows, [{ id: 'after the cut' }], 'the cut transaction was rolled back, nothing half-done');
  const lost = lines.filter((line) => line.msg === 'database connection lost; the pool reconnects as needed');
  assert.equal(lost.length, 1, 'logged once for the whole cut');
  assert.equal(JSON.stringify(lost).includes(database.url), false, 'the log does not name the server');
});
