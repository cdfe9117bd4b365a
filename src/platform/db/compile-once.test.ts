import assert from 'node:assert/strict';
import { test } from 'node:test';
import { sql } from 'kysely';
import { openDatabase } from './database.ts';
import { compileOnce } from './compile-once.ts';
import { createTestDatabase } from '../testing/test-database.ts';

type Thing = { id: string; name: string; size: number; note: string | null };

test('a query compiled once runs with each call’s values, in the places its builder gave them', async (t) => {
  const database = await createTestDatabase();
  const { db, close } = openDatabase(database.url);
  t.after(async () => {
    await close();
    await database.drop();
  });
  await sql`create table thing (id text primary key, name text not null, size integer not null, note text)`.execute(db);
  const things = (executor: typeof db) => executor.withTables<{ thing: Thing }>();
  const insert = compileOnce<Thing>((executor, value) =>
    things(executor).insertInto('thing').values({ note: value('note'), size: value('size'), id: value('id'), name: value('name') }),
  );
  const find = compileOnce<{ id: string; atLeast: number }>((executor, value) =>
    things(executor).selectFrom('thing').selectAll().where('size', '>=', value('atLeast')).where('id', '=', value('id')),
  );

  await db.executeQuery(insert(db, { id: 'a', name: 'first', size: 1, note: null }));
  await db.transaction().execute(async (transaction) => {
    await transaction.executeQuery(insert(transaction, { id: 'b', name: 'second', size: 2, note: 'with a note' }));
  });

  const found = async (values: { id: string; atLeast: number }) => (await db.executeQuery(find(db, values))).rows.map((row) => ({ ...(row as Thing) }));
  assert.deepEqual(await found({ id: 'b', atLeast: 2 }), [{ id: 'b', name: 'second', size: 2, note: 'with a note' }]);
  assert.deepEqual(await found({ id: 'a', atLeast: 1 }), [{ id: 'a', name: 'first', size: 1, note: null }]);
  assert.deepEqual(await found({ id: 'a', atLeast: 2 }), []);
});

test('a builder that puts a literal into the query is refused, so no value is frozen into the SQL', async (t) => {
  const database = await createTestDatabase();
  const { db, close } = openDatabase(database.url);
  t.after(async () => {
    await close();
    await database.drop();
  });
  const frozen = compileOnce<{ id: string }>((executor, value) =>
    executor.withTables<{ thing: Thing }>().selectFrom('thing').selectAll().where('id', '=', value('id')).where('size', '>', 3),
  );
  assert.throws(() => frozen(db, { id: 'a' }), /never a literal/);
});
