import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { promisify } from 'node:util';
import pg from 'pg';
import { createTestDatabase, testDatabaseKind } from '../../src/platform/testing/test-database.ts';
import { assertCivitasWorks, seedCivitas, startCivitasOn } from './restore-check.ts';

const run = promisify(execFile);

/** Why the test cannot run here, or undefined if it can. */
async function reasonToSkip(): Promise<string | undefined> {
  if (testDatabaseKind() !== 'postgres') return 'runs with a postgres:// DATABASE_URL only (npm run test:postgres)';
  for (const tool of ['pg_dump', 'pg_restore']) {
    try {
      await run(tool, ['--version']);
    } catch {
      return `${tool} is not installed (apt-get install postgresql-client)`;
    }
  }
  return undefined;
}

const skip = await reasonToSkip();

/** `url` with another database name and, if given, a search_path. */
function withDatabase(serverUrl: string, database: string, schema?: string): string {
  const url = new URL(serverUrl);
  url.pathname = `/${database}`;
  if (schema) url.searchParams.set('options', `-c search_path=${schema}`);
  return url.toString();
}

async function asAdmin(serverUrl: string, statement: string): Promise<void> {
  const client = new pg.Client({ connectionString: serverUrl });
  await client.connect();
  try {
    await client.query(statement);
  } finally {
    await client.end();
  }
}

test('a pg_dump taken while Civitas serves, restored with pg_restore into an empty database, gives a Civitas where sign-in, API keys and sealed secrets work', { skip }, async (t) => {
  const serverUrl = process.env.DATABASE_URL as string;
  const folder = mkdtempSync(join(tmpdir(), 'civitas-pg-dump-'));
  t.after(() => rmSync(folder, { recursive: true, force: true }));

  // The suite's databases are schemas of one PostgreSQL database: this test dumps its own schema
  // (--schema); an operator dumps the whole database, as docs/operations.md shows.
  const source = await createTestDatabase();
  t.after(() => source.drop());
  const schema = /-c search_path=(\S+)/.exec(new URL(source.url).searchParams.get('options') ?? '')?.[1] as string;
  assert.match(schema, /^test_[0-9a-f]{16}$/);
  const running = await startCivitasOn(t, source.url);
  const seeded = await seedCivitas(running.kernel);

  const dump = join(folder, 'civitas.dump');
  const traffic = assertCivitasWorks(running.baseUrl, seeded);
  await run('pg_dump', ['--format=custom', '--no-owner', '--no-privileges', `--schema=${schema}`, `--file=${dump}`, serverUrl]);
  await traffic;
  assert.ok(statSync(dump).size > 0);

  const database = `civitas_restore_${randomBytes(6).toString('hex')}`;
  await asAdmin(serverUrl, `create database ${database}`);
  t.after(() => asAdmin(serverUrl, `drop database if exists ${database} with (force)`));
  await run('pg_restore', ['--no-owner', '--no-privileges', '--exit-on-error', '--single-transaction', `--dbname=${withDatabase(serverUrl, database)}`, dump]);

  await running.stop();
  const restored = await startCivitasOn(t, withDatabase(serverUrl, database, schema));
  assert.deepEqual(await restored.kernel.pendingMigrations(), [], 'every migration came across');
  await assertCivitasWorks(restored.baseUrl, seeded);
  assert.equal((await restored.kernel.audit.verify()).intact, true, 'the audit trail verifies');
  await restored.stop();

  await assert.rejects(
    startCivitasOn(t, withDatabase(serverUrl, database, schema), { ENCRYPTION_KEY: 'a-different-encryption-key-than-the-dumps-0003' }),
    /sealed under a key that is neither ENCRYPTION_KEY nor in ENCRYPTION_KEY_PREVIOUS/,
    'without its ENCRYPTION_KEY the copy opens none of its secrets',
  );
});
