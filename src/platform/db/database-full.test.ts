import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { sql } from 'kysely';
import { DatabaseUnavailableError, describeDatabaseError, isDatabaseFull } from './database-unavailable.ts';
import { openDatabase } from './database.ts';

// A full disk, without root: SQLite's max_page_count on the connection, set at the file's
// current size, refuses any write that needs a new page with SQLITE_FULL, exactly as a disk
// with no space left does (SQLite maps ENOSPC to SQLITE_FULL too).

function openTemporarySqlite(t: { after(fn: () => unknown): void }) {
  const directory = mkdtempSync(join(tmpdir(), 'civitas-full-'));
  const handle = openDatabase(`sqlite:${join(directory, 'civitas.sqlite')}`);
  t.after(async () => {
    await handle.close();
    rmSync(directory, { recursive: true, force: true });
  });
  return handle;
}

async function fillTheDisk(db: ReturnType<typeof openDatabase>['db']): Promise<void> {
  const { rows } = await sql<{ page_count: number }>`pragma page_count`.execute(db);
  await sql.raw(`pragma max_page_count = ${Number(rows[0]?.page_count)}`).execute(db);
}

test('SQLITE_FULL is a DatabaseUnavailableError of reason full (Retry-After 30 s); other SQLite errors are left as they are', () => {
  const full = Object.assign(new Error('database or disk is full'), { code: 'ERR_SQLITE_ERROR', errcode: 13, errstr: 'database or disk is full' });
  assert.ok(isDatabaseFull(full));
  const described = describeDatabaseError(full);
  assert.ok(described instanceof DatabaseUnavailableError);
  assert.equal(described.reason, 'full');
  assert.equal(described.statusCode, 503);
  assert.equal(described.retryAfterSeconds, 30);
  assert.equal(described.message, 'The database is unavailable');
  assert.equal(described.cause, full, 'the cause is kept for the logs');

  const constraint = Object.assign(new Error('UNIQUE constraint failed: thing.id'), { code: 'ERR_SQLITE_ERROR', errcode: 2067 });
  assert.equal(describeDatabaseError(constraint), constraint, 'a constraint is the statement\'s fault, not an outage');
  const lookalike = Object.assign(new Error('database or disk is full'), { errcode: 13 });
  assert.equal(describeDatabaseError(lookalike), lookalike, 'only node:sqlite\'s own errors');
  const refused = Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });
  assert.equal((describeDatabaseError(refused) as DatabaseUnavailableError).reason, 'unreachable');
  assert.equal((describeDatabaseError(refused) as DatabaseUnavailableError).retryAfterSeconds, 5);
});

test('SQLite with no room: writes are refused with DatabaseUnavailableError, a transaction leaves nothing half-written, reads are served, and writes work again when space returns', async (t) => {
  const { db } = openTemporarySqlite(t);
  await sql`create table thing (id text primary key, body text not null)`.execute(db);
  await sql`insert into thing (id, body) values ('before', 'kept')`.execute(db);
  await fillTheDisk(db);

  await assert.rejects(sql`insert into thing (id, body) values ('alone', ${'x'.repeat(20_000)})`.execute(db), (error: unknown) => {
    assert.ok(error instanceof DatabaseUnavailableError, String(error));
    assert.equal(error.reason, 'full');
    assert.ok(isDatabaseFull(error.cause));
    return true;
  });
  // A transaction whose first write fits in a page already there, whose second does not: SQLite
  // rolls the whole of it back, and the error that reaches the caller is the full disk (not a
  // failed ROLLBACK).
  await assert.rejects(
    db.transaction().execute(async (transaction) => {
      await sql`insert into thing (id, body) values ('first half', 'small')`.execute(transaction);
      await sql`insert into thing (id, body) values ('second half', ${'y'.repeat(50_000)})`.execute(transaction);
    }),
    (error: unknown) => error instanceof DatabaseUnavailableError && error.reason === 'full',
  );
  const { rows } = await sql<{ id: string }>`select id from thing order by id`.execute(db);
  assert.deepEqual(rows.map((row) => row.id), ['before'], 'reads are served; nothing half-written');

  // The connection is not left inside a transaction: the next one begins cleanly.
  await sql.raw('pragma max_page_count = 1000000').execute(db);
  await db.transaction().execute(async (transaction) => {
    await sql`insert into thing (id, body) values ('first half', 'small')`.execute(transaction);
    await sql`insert into thing (id, body) values ('second half', ${'y'.repeat(50_000)})`.execute(transaction);
  });
  const after = await sql<{ id: string }>`select id from thing order by id`.execute(db);
  assert.deepEqual(after.rows.map((row) => row.id), ['before', 'first half', 'second half']);
});
