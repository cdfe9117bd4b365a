import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';

/**
 * A database of its own for one test: a SQLite file in a new temporary folder, or, when the
 * suite runs with a postgres:// DATABASE_URL, a new schema in that database. `url` reaches it
 * from this process and from any child process; `drop()` removes it.
 */
export type TestDatabase = { url: string; kind: 'sqlite' | 'postgres'; drop(): Promise<void> };

export function testDatabaseKind(): 'sqlite' | 'postgres' {
  return /^postgres(ql)?:/.test(process.env.DATABASE_URL ?? '') ? 'postgres' : 'sqlite';
}

export async function createTestDatabase(): Promise<TestDatabase> {
  const serverUrl = process.env.DATABASE_URL ?? '';
  if (testDatabaseKind() === 'sqlite') {
    const directory = mkdtempSync(join(tmpdir(), 'civitas-test-'));
    return {
      url: `sqlite:${join(directory, 'civitas.sqlite')}`,
      kind: 'sqlite',
      async drop() {
        // A file SQLite writes as the last connection closes (-wal, -shm) can land while the folder
        // is being removed; rm tries again on ENOTEMPTY.
        rmSync(directory, { recursive: true, force: true, maxRetries: 5, retryDelay: 50 });
      },
    };
  }
  const schema = `test_${randomBytes(8).toString('hex')}`;
  const admin = new pg.Client({ connectionString: serverUrl });
  await admin.connect();
  try {
    await admin.query(`create schema ${schema}`);
  } finally {
    await admin.end();
  }
  const url = new URL(serverUrl);
  url.searchParams.set('options', `-c search_path=${schema}`);
  return {
    url: url.toString(),
    kind: 'postgres',
    async drop() {
      const cleaner = new pg.Client({ connectionString: serverUrl });
      await cleaner.connect();
      try {
        await cleaner.query(`drop schema if exists ${schema} cascade`);
      } finally {
        await cleaner.end();
      }
    },
  };
}
