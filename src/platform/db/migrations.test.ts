import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { test, type TestContext } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { sql, type Kysely } from 'kysely';
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

test('two processes of different versions starting together: each migration runs once, and the older one starts on a database a newer one has migrated', async (t) => {
  const database = await createTestDatabase();
  const older = openDatabase(database.url);
  const newer = openDatabase(database.url);
  t.after(async () => {
    await older.close();
    await newer.close();
    await database.drop();
  });
  const ran: string[] = [];
  const migration = (name: string, up: (db: Kysely<unknown>) => Promise<void>) => ({
    id: name,
    migration: {
      async up(db: Kysely<unknown>) {
        ran.push(name);
        await up(db);
      },
    },
  });
  const releaseOne: MigrationList = {
    owner: 'release',
    migrations: [migration('0001-create-case', (db) => db.schema.createTable('case_file').addColumn('id', 'text').execute())],
  };
  const releaseTwo: MigrationList = {
    owner: 'release',
    migrations: [
      ...releaseOne.migrations,
      migration('0002-add-case-owner', (db) => db.schema.alterTable('case_file').addColumn('owner', 'text').execute()),
    ],
  };
  const [a, b] =
    database.kind === 'postgres'
      ? await Promise.all([migrateToLatest(older.db, [releaseOne]), migrateToLatest(newer.db, [releaseTwo])])
      : [await migrateToLatest(older.db, [releaseOne]), await migrateToLatest(newer.db, [releaseTwo])];
  assert.deepEqual(ran.sort(), ['0001-create-case', '0002-add-case-owner'], 'each migration ran once, whichever process got there first');
  assert.deepEqual([...a.applied, ...b.applied].sort(), ['release/0001-create-case', 'release/0002-add-case-owner']);
  assert.deepEqual(b.unknown, []);

  // The older release restarting mid-rollout: nothing to apply, nothing pending, the newer
  // release's migration named as one it does not know.
  const again = await migrateToLatest(older.db, [releaseOne]);
  assert.deepEqual(again, { applied: [], unknown: ['release/0002-add-case-owner'] });
  assert.deepEqual(await listPendingMigrations(older.db, [releaseOne]), []);
  assert.equal(ran.length, 2);
});

/** A table, a transaction that has read it and stays open, and a way to see a migration queue behind it. */
async function holdTableOpen(t: TestContext, database: { url: string }) {
  const table = `busy_${randomBytes(6).toString('hex')}`;
  const holder = openDatabase(database.url);
  const observer = openDatabase(database.url);
  t.after(async () => {
    await holder.close();
    await observer.close();
  });
  await sql`create table ${sql.table(table)} (id text)`.execute(holder.db);
  let release = () => {};
  const released = new Promise<void>((resolve) => (release = resolve));
  let reading = () => {};
  const read = new Promise<void>((resolve) => (reading = resolve));
  const holding = holder.db.transaction().execute(async (transaction) => {
    await sql`select count(*) from ${sql.table(table)}`.execute(transaction);
    reading();
    await released;
  });
  await read;
  const alterTable: MigrationList = {
    owner: 'busy',
    migrations: [
      {
        id: '0001-add-column',
        migration: { up: (db: Kysely<unknown>) => db.schema.alterTable(table).addColumn('note', 'text').execute() },
      },
    ],
  };
  return {
    table,
    alterTable,
    observer: observer.db,
    async migrationWaiting(): Promise<void> {
      for (let round = 0; round < 400; round += 1) {
        const waiting = await sql<{ count: string }>`select count(*) as count from pg_stat_activity where wait_event_type = 'Lock' and query ilike ${`alter table%${table}%`}`.execute(observer.db);
        if (Number(waiting.rows[0]?.count) > 0) return;
        await sleep(5);
      }
      assert.fail('the migration never waited for the table');
    },
    async end(): Promise<void> {
      release();
      await holding;
    },
  };
}

test('on PostgreSQL a migration that waits for a table in use gives up its lock after the lock timeout, so requests on that table are not stalled behind it, and tries again', async (t) => {
  const database = await createTestDatabase();
  t.after(() => database.drop());
  if (database.kind !== 'postgres') {
    t.skip('PostgreSQL only: SQLite has one writer at a time and no table locks to queue behind');
    return;
  }
  const busy = await holdTableOpen(t, database);
  const migrating = openDatabase(database.url);
  t.after(() => migrating.close());
  const migration = migrateToLatest(migrating.db, [busy.alterTable], { lockTimeoutMs: 300, attempts: 3, retryDelayMs: 50 });
  migration.catch(() => {});
  await busy.migrationWaiting();
  // A read issued now queues behind the ALTER TABLE's lock request; without the lock timeout it
  // would wait for as long as the open transaction lasts.
  const reader = sql`select count(*) from ${sql.table(busy.table)}`.execute(busy.observer);
  const outcome = await Promise.race([reader.then(() => 'answered'), sleep(10_000).then(() => 'still waiting')]);
  assert.equal(outcome, 'answered', 'the read was answered while the long transaction still held the table');
  await assert.rejects(migration, /Migrations gave up after 3 attempts: each time a statement waited more than 300 ms/);
  await busy.end();
  assert.deepEqual(await listPendingMigrations(migrating.db, [busy.alterTable]), ['busy/0001-add-column'], 'nothing half-applied');
});

test('on PostgreSQL a migration that gave up waiting for a table applies once the transaction holding it ends', async (t) => {
  const database = await createTestDatabase();
  t.after(() => database.drop());
  if (database.kind !== 'postgres') {
    t.skip('PostgreSQL only: SQLite has one writer at a time and no table locks to queue behind');
    return;
  }
  const busy = await holdTableOpen(t, database);
  const migrating = openDatabase(database.url);
  t.after(() => migrating.close());
  const migration = migrateToLatest(migrating.db, [busy.alterTable], { lockTimeoutMs: 200, attempts: 1_000, retryDelayMs: 20 });
  migration.catch(() => {});
  await busy.migrationWaiting();
  await busy.end();
  assert.deepEqual(await migration, { applied: ['busy/0001-add-column'], unknown: [] });
  assert.deepEqual(await listPendingMigrations(migrating.db, [busy.alterTable]), []);
});
