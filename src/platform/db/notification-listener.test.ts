import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { createTestDatabase, testDatabaseKind } from '../testing/test-database.ts';
import { createNotificationListener } from './notification-listener.ts';

// Every connection this test process opens carries this name, so the test can cut its own
// connections, and never those of other tests sharing the server.
const APPLICATION_NAME = `civitas-test-${randomBytes(6).toString('hex')}`;
process.env.PGAPPNAME = APPLICATION_NAME;

async function waitUntil(condition: () => boolean): Promise<void> {
  while (!condition()) await sleep(10);
}

/** Runs `statement` on a connection of its own, not named like this process's others. */
async function runAsAdministrator(statement: string, parameters: unknown[] = []): Promise<pg.QueryResult> {
  const admin = new pg.Client({ connectionString: process.env.DATABASE_URL, application_name: 'civitas-test-administrator' });
  await admin.connect();
  try {
    return await admin.query(statement, parameters);
  } finally {
    await admin.end();
  }
}

test('a NOTIFY committed by any connection reaches the listener, and again after its connection is cut', { timeout: 30_000 }, async (t) => {
  if (testDatabaseKind() !== 'postgres') {
    t.skip('LISTEN/NOTIFY is PostgreSQL\'s (run with a postgres:// DATABASE_URL)');
    return;
  }
  const database = await createTestDatabase();
  t.after(() => database.drop());
  const channel = `civitas_test_${randomBytes(6).toString('hex')}`;
  const listener = createNotificationListener({ connectionString: database.url });
  t.after(() => listener.close());
  let heard = 0;
  listener.listen(channel, () => {
    heard += 1;
  });

  // Connecting tells the listener once, since it may have missed notifications until then.
  await waitUntil(() => heard === 1);
  await runAsAdministrator('select pg_notify($1, \'\')', [channel]);
  await waitUntil(() => heard === 2);

  const cut = await runAsAdministrator(
    'select pg_terminate_backend(pid) from pg_stat_activity where application_name = $1 and pid <> pg_backend_pid()',
    [APPLICATION_NAME],
  );
  assert.ok(cut.rowCount !== null && cut.rowCount >= 1, 'the listening connection was cut');
  // Reconnected, it tells the listener once more (whatever was sent meanwhile is lost), then
  // hears notifications again.
  await waitUntil(() => heard === 3);
  await runAsAdministrator('select pg_notify($1, \'\')', [channel]);
  await waitUntil(() => heard === 4);
});
