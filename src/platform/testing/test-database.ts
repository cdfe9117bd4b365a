import { randomBytes } from 'node:crypto';
import { copyFileSync, mkdirSync, mkdtempSync, renameSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import pg from 'pg';

/**
 * A database of its own for one test: a SQLite file in a new temporary folder, or, when the
 * suite runs with a postgres:// DATABASE_URL, a new schema in that database (or, from a
 * template, a new database). `url` reaches it from this process and from any child process;
 * `drop()` removes it.
 */
export type TestDatabase = { url: string; kind: 'sqlite' | 'postgres'; drop(): Promise<void> };

/**
 * A database already migrated, to copy rather than migrate again for every test: `key` names
 * what `build` puts in it (the migrations, by their content), so a change to any makes a new one.
 */
export type TestDatabaseTemplate = { key: string; build(url: string): Promise<void> };

export function testDatabaseKind(): 'sqlite' | 'postgres' {
  return /^postgres(ql)?:/.test(process.env.DATABASE_URL ?? '') ? 'postgres' : 'sqlite';
}

/** Tests' writes need not survive a crash of the server: commits do not wait for the disk. */
const POSTGRES_TEST_OPTIONS = '-c synchronous_commit=off';

async function withAdmin<T>(serverUrl: string, run: (admin: pg.Client) => Promise<T>): Promise<T> {
  const admin = new pg.Client({ connectionString: serverUrl });
  await admin.connect();
  try {
    return await run(admin);
  } finally {
    await admin.end();
  }
}

function databaseUrl(serverUrl: string, database: string): string {
  const url = new URL(serverUrl);
  url.pathname = `/${database}`;
  url.searchParams.set('options', POSTGRES_TEST_OPTIONS);
  return url.toString();
}

export async function createTestDatabase(options: { template?: TestDatabaseTemplate } = {}): Promise<TestDatabase> {
  const serverUrl = process.env.DATABASE_URL ?? '';
  if (testDatabaseKind() === 'sqlite') return createSqliteDatabase(options.template);
  if (options.template) return createPostgresDatabaseFrom(serverUrl, options.template);
  const schema = `test_${randomBytes(8).toString('hex')}`;
  await withAdmin(serverUrl, (admin) => admin.query(`create schema ${schema}`));
  const url = new URL(serverUrl);
  url.searchParams.set('options', `-c search_path=${schema} ${POSTGRES_TEST_OPTIONS}`);
  return {
    url: url.toString(),
    kind: 'postgres',
    async drop() {
      await withAdmin(serverUrl, (admin) => admin.query(`drop schema if exists ${schema} cascade`));
    },
  };
}

const SQLITE_TEMPLATES = join(tmpdir(), 'civitas-test-templates');

async function createSqliteDatabase(template: TestDatabaseTemplate | undefined): Promise<TestDatabase> {
  const directory = mkdtempSync(join(tmpdir(), 'civitas-test-'));
  const file = join(directory, 'civitas.sqlite');
  if (template) {
    const templateFile = join(SQLITE_TEMPLATES, `${template.key}.sqlite`);
    if (!existsSync(templateFile)) {
      // Built aside and moved into place whole, so a test in another process never copies half of one.
      const building = mkdtempSync(join(tmpdir(), 'civitas-template-'));
      await template.build(`sqlite:${join(building, 'civitas.sqlite')}`);
      // Everything in the one file: a copy of it alone is then the whole database.
      const built = new DatabaseSync(join(building, 'civitas.sqlite'));
      built.exec('pragma wal_checkpoint(truncate)');
      built.close();
      mkdirSync(SQLITE_TEMPLATES, { recursive: true });
      renameSync(join(building, 'civitas.sqlite'), templateFile);
      rmSync(building, { recursive: true, force: true });
    }
    copyFileSync(templateFile, file);
  }
  return {
    url: `sqlite:${file}`,
    kind: 'sqlite',
    async drop() {
      // A file SQLite writes as the last connection closes (-wal, -shm) can land while the folder
      // is being removed; rm tries again on ENOTEMPTY.
      rmSync(directory, { recursive: true, force: true, maxRetries: 5, retryDelay: 50 });
    },
  };
}

/**
 * A new database copied from the template's (CREATE DATABASE ... TEMPLATE, far quicker than
 * migrating). The first process to need a template builds it under an advisory lock, in a
 * database of its own that is renamed into place when done, so no process copies one half-built.
 */
async function createPostgresDatabaseFrom(serverUrl: string, template: TestDatabaseTemplate): Promise<TestDatabase> {
  const templateName = `civitas_template_${template.key}`;
  const database = `test_${randomBytes(8).toString('hex')}`;
  await withAdmin(serverUrl, async (admin) => {
    const exists = async () => (await admin.query('select 1 from pg_database where datname = $1', [templateName])).rowCount === 1;
    if (!(await exists())) {
      await admin.query('select pg_advisory_lock(hashtext($1))', [templateName]);
      try {
        if (!(await exists())) {
          const building = `${templateName}_${randomBytes(4).toString('hex')}`;
          await admin.query(`create database ${building}`);
          await template.build(databaseUrl(serverUrl, building));
          await admin.query(`alter database ${building} rename to ${templateName}`);
        }
      } finally {
        await admin.query('select pg_advisory_unlock(hashtext($1))', [templateName]);
      }
    }
    await admin.query(`create database ${database} template ${templateName}`);
  });
  return {
    url: databaseUrl(serverUrl, database),
    kind: 'postgres',
    async drop() {
      await withAdmin(serverUrl, (admin) => admin.query(`drop database if exists ${database} with (force)`));
    },
  };
}
