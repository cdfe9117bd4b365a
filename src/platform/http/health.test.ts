import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Kysely } from 'kysely';
import { buildApp } from '../../app.ts';
import type { CivitasModule } from '../module.ts';
import { kernelMigrations, openKernel } from '../kernel.ts';
import { createTestApp, createTestConfig } from '../../testing/test-kernel.ts';
import { createTestDatabase } from '../testing/test-database.ts';
import { pino } from 'pino';

test('/healthz answers while the process lives; /readyz once the database is reachable and migrated', async (t) => {
  const { app, kernel } = await createTestApp(t);
  const health = await app.inject({ method: 'GET', url: '/healthz' });
  assert.equal(health.statusCode, 200);
  assert.deepEqual(health.json(), { status: 'ok' });

  const ready = await app.inject({ method: 'GET', url: '/readyz' });
  assert.equal(ready.statusCode, 200);
  assert.deepEqual(ready.json(), { status: 'ok' });

  await kernel.close();
  const unreachable = await app.inject({ method: 'GET', url: '/readyz' });
  assert.equal(unreachable.statusCode, 503);
  assert.deepEqual(unreachable.json(), { status: 'unavailable', reason: 'database unreachable' });
});

test('/readyz is 503 while a migration is pending', async (t) => {
  const database = await createTestDatabase();
  const laterModule: CivitasModule = {
    name: 'later',
    migrations: {
      owner: 'later',
      migrations: [
        {
          id: '0001-create-later-thing',
          migration: {
            up: async (db: Kysely<unknown>) => {
              await db.schema.createTable('later_thing').addColumn('id', 'text').execute();
            },
          },
        },
      ],
    },
  };
  const kernel = openKernel({ config: createTestConfig(database), modules: [laterModule], logger: pino({ level: 'silent' }) });
  const app = await buildApp(kernel);
  t.after(async () => {
    await app.close();
    await kernel.close();
    await database.drop();
  });

  const pending = await app.inject({ method: 'GET', url: '/readyz' });
  assert.equal(pending.statusCode, 503);
  assert.deepEqual(pending.json(), { status: 'unavailable', reason: 'migrations pending' });

  assert.deepEqual(await kernel.migrate(), [...kernelMigrations.migrations.map((entry) => `platform/${entry.id}`), 'later/0001-create-later-thing']);
  assert.deepEqual(await kernel.migrate(), [], 'a second run applies nothing');
  const ready = await app.inject({ method: 'GET', url: '/readyz' });
  assert.equal(ready.statusCode, 200);
});

test('/readyz says the database is slow when it cannot get a connection within 2 seconds, and is ready again once it can', async (t) => {
  const { app, kernel } = await createTestApp(t);
  // Every connection busy: SQLite's one, or all of the PostgreSQL pool's (a stuck query, a pool exhausted).
  const connections = kernel.database.describePool()?.max ?? 1;
  let release = () => {};
  const released = new Promise<void>((resolve) => {
    release = resolve;
  });
  let holding = 0;
  let allHeld = () => {};
  const held = new Promise<void>((resolve) => {
    allHeld = resolve;
  });
  const holders = Array.from({ length: connections }, () =>
    kernel.db.connection().execute(async () => {
      holding += 1;
      if (holding === connections) allHeld();
      await released;
    }),
  );
  await held;
  const slow = await app.inject({ method: 'GET', url: '/readyz' });
  assert.equal(slow.statusCode, 503);
  assert.deepEqual(slow.json(), { status: 'unavailable', reason: 'database did not answer within 2 seconds' });
  release();
  await Promise.all(holders);
  const ready = await app.inject({ method: 'GET', url: '/readyz' });
  assert.equal(ready.statusCode, 200);
  assert.deepEqual(ready.json(), { status: 'ok' });
});
