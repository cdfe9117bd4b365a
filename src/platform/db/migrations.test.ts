import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Kysely } from 'kysely';
import { openDatabase } from './database.ts';
import { listPendingMigrations, migrateToLatest, type MigrationList } from './migrations.ts';
import { createTestDatabase } from '../testing/test-database.ts';

let runs = 0;
const lists: MigrationList[] = [
  {
    owner: 'first',
    migrations: [
      {
        id: '0001-create-thing',
        migration: {
          async up(db: Kysely<unknown>) {
            runs += 1;
            await db.schema.createTable('thing').addColumn('id', 'text').execute();
          },
        },
      },
    ],
  },
  {
    owner: 'second',
    migrations: [
      {
        id: '0001-add-to-thing',
        migration: {
          async up(db: Kysely<unknown>) {
            await db.schema.alterTable('thing').addColumn('name', 'text').execute();
          },
        },
      },
    ],
  },
];

test('migrations run once, in list order, even when two processes start together on an empty database', async (t) => {
  const database = await createTestDatabase();
  const one = openDatabase(database.url);
  const two = openDatabase(database.url);
  t.after(async () => {
    await one.close();
    await two.close();
    await database.drop();
  });
  // node:sqlite is synchronous: two connections in one process would wait on each other's lock
  // with the thread blocked. Across processes SQLite's BEGIN IMMEDIATE takes turns by itself.
  const pending =
    database.kind === 'postgres'
      ? await Promise.all([listPendingMigrations(one.db, lists), listPendingMigrations(two.db, lists)])
      : [await listPendingMigrations(one.db, lists), await listPendingMigrations(two.db, lists)];
  for (const names of pending) assert.deepEqual(names, ['first/0001-create-thing', 'second/0001-add-to-thing']);
  const [a, b] =
    database.kind === 'postgres'
      ? await Promise.all([migrateToLatest(one.db, lists), migrateToLatest(two.db, lists)])
      : [await migrateToLatest(one.db, lists), await migrateToLatest(two.db, lists)];
  assert.deepEqual([...a.applied, ...b.applied].sort(), ['first/0001-create-thing', 'second/0001-add-to-thing']);
  assert.equal(runs, 1);
  assert.deepEqual(await listPendingMigrations(two.db, lists), []);
});

test('a migration that fails leaves nothing half-applied', async (t) => {
  const database = await createTestDatabase();
  const { db, close } = openDatabase(database.url);
  t.after(async () => {
    await close();
    await database.drop();
  });
  const failing: MigrationList[] = [
    ...lists,
    { owner: 'third', migrations: [{ id: '0001-broken', migration: { async up() { throw new Error('broken'); } } }] },
  ];
  await assert.rejects(migrateToLatest(db, failing), /broken/);
  assert.equal((await listPendingMigrations(db, failing)).length, 3, 'the whole batch was rolled back');
});
