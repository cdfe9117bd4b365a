import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { sql } from 'kysely';
import { openDatabase } from './database.ts';
import { createTestDatabase } from '../testing/test-database.ts';

type Row = { id: string; label: string; count: number; flag: number; created_at: string };

test('the same Kysely code reads and writes on this database (SQLite or PostgreSQL)', async (t) => {
  const database = await createTestDatabase();
  const { db, close } = openDatabase(database.url);
  t.after(async () => {
    await close();
    await database.drop();
  });
  const things = db.withTables<{ thing: Row }>();
  await db.schema
    .createTable('thing')
    .addColumn('id', 'text', (column) => column.primaryKey())
    .addColumn('label', 'text', (column) => column.notNull())
    .addColumn('count', 'integer', (column) => column.notNull())
    .addColumn('flag', 'integer', (column) => column.notNull())
    .addColumn('created_at', 'text', (column) => column.notNull())
    .execute();
  const row = { id: 'a', label: 'Café ☕', count: 3, flag: 1, created_at: new Date(0).toISOString() };
  await things.insertInto('thing').values(row).execute();
  assert.deepEqual({ ...(await things.selectFrom('thing').selectAll().executeTakeFirstOrThrow()) }, row);

  const { total } = await things
    .selectFrom('thing')
    .select((select) => select.fn.countAll<number>().as('total'))
    .executeTakeFirstOrThrow();
  assert.equal(total, 1, 'counts come back as numbers on both databases');

  await assert.rejects(
    things.transaction().execute(async (transaction) => {
      await transaction.insertInto('thing').values({ ...row, id: 'b' }).execute();
      throw new Error('roll back');
    }),
  );
  assert.equal((await things.selectFrom('thing').select('id').execute()).length, 1, 'a rolled-back insert is gone');

  const updated = await things.updateTable('thing').set({ count: 4 }).where('id', '=', 'a').returningAll().execute();
  assert.equal(updated[0]?.count, 4);
  await sql`select 1`.execute(db);
});

test('on SQLite, every commit survives the process being killed (kill -9)', { timeout: 60_000 }, async (t) => {
  const database = await createTestDatabase();
  t.after(() => database.drop());
  if (database.kind !== 'sqlite') {
    t.skip('SQLite durability only; PostgreSQL keeps its own guarantees');
    return;
  }
  const confirmedFile = join(mkdtempSync(join(tmpdir(), 'civitas-durability-')), 'confirmed.txt');
  writeFileSync(confirmedFile, '');
  const child = spawn(process.execPath, [join(import.meta.dirname, 'fixtures', 'write-until-killed.ts')], {
    env: { ...process.env, DATABASE_URL: database.url, CONFIRMED_FILE: confirmedFile },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const exited = once(child, 'exit');
  t.after(() => child.kill('SIGKILL'));
  const readConfirmed = () => readFileSync(confirmedFile, 'utf8').split('\n').filter(Boolean).map(Number);
  while (readConfirmed().length < 500) {
    assert.equal(child.exitCode, null, 'the writer is still running');
    await sleep(20);
  }
  child.kill('SIGKILL');
  await exited;
  const confirmed = readConfirmed();
  const lastConfirmed = Math.max(...confirmed);

  const { db, close } = openDatabase(database.url);
  t.after(close);
  const rows = await sql<{ id: number }>`select id from durability order by id`.execute(db);
  const ids = rows.rows.map((row) => Number(row.id));
  assert.ok(ids.length >= lastConfirmed, `all ${lastConfirmed} confirmed commits are there (found ${ids.length})`);
  assert.deepEqual(ids.slice(0, lastConfirmed), confirmed.slice(0, lastConfirmed));
});
