import assert from 'node:assert/strict';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
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

test('listing pending migrations (the readiness probe) never waits for a migration under way', async (t) => {
  const database = await createTestDatabase();
  const migrating = openDatabase(database.url);
  const probing = openDatabase(database.url);
  t.after(async () => {
    await migrating.close();
    await probing.close();
    await database.drop();
  });
  if (database.kind !== 'postgres') {
    t.skip('on SQLite a migration holds the whole file; the probe reads a snapshot');
    return;
  }
  let finishMigration = () => {};
  const held = new Promise<void>((resolve) => (finishMigration = resolve));
  let lockTaken = () => {};
  const locked = new Promise<void>((resolve) => (lockTaken = resolve));
  const slowMigration: MigrationList[] = [
    { owner: 'slow', migrations: [{ id: '0001-slow', migration: { async up() { lockTaken(); await held; } } }] },
  ];
  const migration = migrateToLatest(migrating.db, slowMigration);
  await locked;
  const probe = listPendingMigrations(probing.db, slowMigration);
  const outcome = await Promise.race([probe.then(() => 'answered'), sleep(5000).then(() => 'still waiting')]);
  finishMigration();
  await migration;
  assert.equal(outcome, 'answered');
  assert.deepEqual(await probe, ['slow/0001-slow'], 'not applied until the migration commits');
  assert.deepEqual(await listPendingMigrations(probing.db, slowMigration), []);
});
