import assert from 'node:assert/strict';
import { copyFileSync, existsSync, mkdtempSync, readdirSync, rmSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { test, type TestContext } from 'node:test';
import { setImmediate } from 'node:timers/promises';
import { pino } from 'pino';
import { loadConfig } from '../config/load-config.ts';
import { openKernel, type Kernel } from '../kernel.ts';
import { runCivitas } from '../../testing/civitas-cli.ts';
import { BackupError, backupSqliteDatabase, restoreSqliteDatabase } from './sqlite-backup.ts';

// These tests are about SQLite files, whatever database the rest of the suite runs on.


function createFolder(t: TestContext): string {
  const folder = mkdtempSync(join(tmpdir(), 'civitas-backup-'));
  t.after(() => rmSync(folder, { recursive: true, force: true }));
  return folder;
}

/** A kernel (no modules) on a SQLite file, migrated; closed when the test ends unless closed before. */
async function openSqliteKernel(t: TestContext, databaseFile: string): Promise<Kernel> {
  const { config } = loadConfig({ NODE_ENV: 'test', LOG_LEVEL: 'silent', DATABASE_URL: `sqlite:${databaseFile}` });
  const kernel = openKernel({ config, modules: [], logger: pino({ level: 'silent' }) });
  let closed = false;
  const close = kernel.close.bind(kernel);
  kernel.close = async () => {
    if (closed) return;
    closed = true;
    await close();
  };
  t.after(() => kernel.close());
  await kernel.migrate();
  return kernel;
}

/** One audit event and one job in one transaction: a consistent copy has as many of each. */
async function writePair(kernel: Kernel, n: number): Promise<void> {
  await kernel.db.transaction().execute(async (transaction) => {
    await kernel.jobs.enqueue(transaction, { type: 'test.pair', payload: { n } });
    await kernel.audit.record({ actor: 'system', action: 'test.pair.written', subject: `pair:${n}`, outcome: 'success' }, transaction);
  });
}

function countIn(file: string, sql: string): number {
  const database = new DatabaseSync(file, { readOnly: true });
  try {
    return Number((database.prepare(sql).get() as { n: number }).n);
  } finally {
    database.close();
  }
}

const countPairs = (file: string) => ({
  events: countIn(file, "select count(*) as n from audit_event where action = 'test.pair.written'"),
  jobs: countIn(file, "select count(*) as n from job where type = 'test.pair'"),
});

/** Files other than those named: a refused or failed run leaves nothing behind. */
function strayFiles(folder: string, expected: readonly string[]): string[] {
  return readdirSync(folder).filter((name) => !expected.includes(name));
}

test('a backup taken while Civitas writes is one consistent moment: every transaction whole or absent, the audit chain intact', async (t) => {
  const folder = createFolder(t);
  const databaseFile = join(folder, 'civitas.sqlite');
  const kernel = await openSqliteKernel(t, databaseFile);
  for (let n = 0; n < 200; n++) await writePair(kernel, n);

  let writing = true;
  let written = 200;
  const writer = (async () => {
    // Yielding to the event loop between writes, as a server does between requests.
    while (writing) {
      await writePair(kernel, written++);
      await setImmediate();
    }
  })();
  const backups = [];
  for (let i = 0; i < 3; i++) {
    backups.push(await backupSqliteDatabase({ databaseFile, file: join(folder, `backup-${i}.sqlite`) }));
  }
  writing = false;
  await writer;

  t.diagnostic(`pairs written: ${written}; in the backups: ${backups.map((summary) => summary.auditSequence).join(', ')}`);
  for (const summary of backups) {
    const { events, jobs } = countPairs(summary.file);
    assert.equal(events, jobs, 'each transaction is in the copy whole, or not at all');
    assert.ok(events >= 200 && events <= written);
    assert.equal(summary.auditSequence, events);
    assert.equal(statSync(summary.file).mode & 0o777, 0o600, 'only its owner may read a backup');
    assert.ok(!existsSync(`${summary.file}-wal`) && !existsSync(`${summary.file}-shm`), 'a backup is one file');
    const copy = new DatabaseSync(summary.file, { readOnly: true });
    assert.deepEqual({ ...(copy.prepare('pragma journal_mode').get() as object) }, { journal_mode: 'delete' });
    copy.close();
  }
  // The copy opens as a Civitas database of its own, and its audit trail verifies.
  const restoredFile = join(folder, 'verify.sqlite');
  copyFileSync(backups[2]!.file, restoredFile);
  const restored = await openSqliteKernel(t, restoredFile);
  const verification = await restored.audit.verify();
  assert.equal(verification.intact, true, JSON.stringify(verification));
  assert.equal(countPairs(databaseFile).events, written, 'Civitas went on writing throughout');
});

test('backup refuses to overwrite a file unless forced, to write over the database, or to start from a database that is not there', async (t) => {
  const folder = createFolder(t);
  const databaseFile = join(folder, 'civitas.sqlite');
  const kernel = await openSqliteKernel(t, databaseFile);
  await writePair(kernel, 1);
  const file = join(folder, 'backup.sqlite');
  writeFileSync(file, 'an older backup');
  await assert.rejects(backupSqliteDatabase({ databaseFile, file }), (error: Error) => error instanceof BackupError && /exists/.test(error.message));
  assert.equal(statSync(file).size, 'an older backup'.length, 'left as it was');
  await backupSqliteDatabase({ databaseFile, file, force: true });
  assert.equal(countPairs(file).events, 1);

  for (const target of [databaseFile, `${databaseFile}-wal`]) {
    await assert.rejects(backupSqliteDatabase({ databaseFile, file: target, force: true }), /database itself/);
  }
  const missing = join(folder, 'missing', 'civitas.sqlite');
  await assert.rejects(backupSqliteDatabase({ databaseFile: missing, file: join(folder, 'other.sqlite') }), /There is no database/);
  assert.equal(existsSync(missing), false, 'no empty database made where none was');
  assert.deepEqual(strayFiles(folder, ['civitas.sqlite', 'civitas.sqlite-wal', 'civitas.sqlite-shm', 'backup.sqlite']), []);
});

test('restore refuses while a Civitas has the database open, and changes nothing', async (t) => {
  const folder = createFolder(t);
  const databaseFile = join(folder, 'civitas.sqlite');
  const kernel = await openSqliteKernel(t, databaseFile);
  await writePair(kernel, 1);
  const file = join(folder, 'backup.sqlite');
  await backupSqliteDatabase({ databaseFile, file });
  await writePair(kernel, 2);

  await assert.rejects(restoreSqliteDatabase({ databaseFile, file }), (error: Error) => error instanceof BackupError && /open in another process/.test(error.message));
  assert.equal((await kernel.jobs.list()).length, 2, 'the running Civitas still has its data');
  await writePair(kernel, 3);
  assert.deepEqual(strayFiles(folder, ['civitas.sqlite', 'civitas.sqlite-wal', 'civitas.sqlite-shm', 'backup.sqlite']), []);
});

test('restore with Civitas stopped puts the backup back and keeps the database as it was beside it', async (t) => {
  const folder = createFolder(t);
  const databaseFile = join(folder, 'civitas.sqlite');
  const kernel = await openSqliteKernel(t, databaseFile);
  await writePair(kernel, 1);
  const file = join(folder, 'backup.sqlite');
  await backupSqliteDatabase({ databaseFile, file });
  await writePair(kernel, 2);
  await kernel.close();

  const summary = await restoreSqliteDatabase({ databaseFile, file, now: new Date('2026-12-02T10:00:00.000Z') });
  assert.equal(summary.wasInUse, false);
  assert.equal(summary.previous, `${databaseFile}.before-restore-2026-12-02T10-00-00-000Z`);
  assert.deepEqual(countPairs(databaseFile), { events: 1, jobs: 1 });
  assert.deepEqual(countPairs(summary.previous!), { events: 2, jobs: 2 }, 'nothing is lost: the newer data is kept');
  assert.equal(statSync(summary.previous!).mode & 0o777, 0o600);
  assert.deepEqual(countPairs(file), { events: 1, jobs: 1 }, 'the backup itself is untouched');

  const reopened = await openSqliteKernel(t, databaseFile);
  assert.deepEqual(await reopened.pendingMigrations(), []);
  assert.equal((await reopened.audit.verify()).intact, true);
  await writePair(reopened, 3);
  assert.deepEqual(strayFiles(folder, ['civitas.sqlite', 'civitas.sqlite-wal', 'civitas.sqlite-shm', 'backup.sqlite', 'civitas.sqlite.before-restore-2026-12-02T10-00-00-000Z']), []);
});

test('restore into a place with no database yet makes a private file', async (t) => {
  const folder = createFolder(t);
  const source = join(folder, 'source.sqlite');
  const kernel = await openSqliteKernel(t, source);
  await writePair(kernel, 1);
  const file = join(folder, 'backup.sqlite');
  await backupSqliteDatabase({ databaseFile: source, file });
  const databaseFile = join(folder, 'new', 'civitas.sqlite');
  const summary = await restoreSqliteDatabase({ databaseFile, file });
  assert.equal(summary.previous, undefined);
  assert.equal(statSync(databaseFile).mode & 0o777, 0o600);
  assert.deepEqual(countPairs(databaseFile), { events: 1, jobs: 1 });
});

test('restore --force under a running Civitas: it sees the restored data at its next query', async (t) => {
  const folder = createFolder(t);
  const databaseFile = join(folder, 'civitas.sqlite');
  const kernel = await openSqliteKernel(t, databaseFile);
  await writePair(kernel, 1);
  const file = join(folder, 'backup.sqlite');
  await backupSqliteDatabase({ databaseFile, file });
  await writePair(kernel, 2);

  const summary = await restoreSqliteDatabase({ databaseFile, file, force: true });
  assert.equal(summary.wasInUse, true);
  assert.equal((await kernel.jobs.list()).length, 1);
  assert.deepEqual(countPairs(summary.previous!), { events: 2, jobs: 2 });
  await writePair(kernel, 3);
  assert.equal((await kernel.audit.verify()).intact, true);
});

test('a damaged backup, or a file that is not a Civitas backup, is refused before anything changes', async (t) => {
  const folder = createFolder(t);
  const databaseFile = join(folder, 'civitas.sqlite');
  const kernel = await openSqliteKernel(t, databaseFile);
  for (let n = 0; n < 300; n++) await writePair(kernel, n);
  const good = join(folder, 'backup.sqlite');
  await backupSqliteDatabase({ databaseFile, file: good });
  await kernel.close();
  const before = countPairs(databaseFile);

  const truncated = join(folder, 'truncated.sqlite');
  copyFileSync(good, truncated);
  truncateSync(truncated, Math.floor(statSync(good).size / 2));
  const foreign = join(folder, 'foreign.sqlite');
  const other = new DatabaseSync(foreign);
  other.exec('create table notes (text text)');
  other.close();
  const garbage = join(folder, 'garbage.sqlite');
  writeFileSync(garbage, Buffer.alloc(8192, 0x41));
  const empty = join(folder, 'empty.sqlite');
  writeFileSync(empty, '');

  for (const [file, reason] of [
    [truncated, /damaged|malformed|not a database|disk image/i],
    [foreign, /not a Civitas database/],
    [garbage, /not a SQLite database/],
    [empty, /not a SQLite database/],
    [join(folder, 'missing.sqlite'), /There is no backup/],
    [databaseFile, /the database itself/],
  ] as const) {
    await assert.rejects(restoreSqliteDatabase({ databaseFile, file }), reason, file);
  }
  assert.deepEqual(countPairs(databaseFile), before, 'the database is as it was');
  assert.deepEqual(strayFiles(folder, ['civitas.sqlite', 'backup.sqlite', 'truncated.sqlite', 'foreign.sqlite', 'garbage.sqlite', 'empty.sqlite']), []);
});

/** `civitas ARGS` in this process, as the bin runs it. */
async function runCli(args: string[], environment: Record<string, string>): Promise<{ code: number; stdout: string; stderr: string }> {
  const { exitCode, stdout, stderr } = await runCivitas(environment, ...args);
  return { code: exitCode, stdout, stderr };
}

test('npx civitas backup and restore, as an operator runs them', async (t) => {
  const folder = createFolder(t);
  const databaseFile = join(folder, 'civitas.sqlite');
  const environment = { DATABASE_URL: `sqlite:${databaseFile}` };
  const kernel = await openSqliteKernel(t, databaseFile);
  await writePair(kernel, 1);

  const file = join(folder, 'nightly.sqlite');
  const backup = await runCli(['backup', file], environment);
  assert.equal(backup.code, 0, backup.stderr);
  assert.match(backup.stdout, /^Backed up to .*nightly\.sqlite \(\d+ bytes, \d+ migrations, audit trail to event 1\)\./);
  const again = await runCli(['backup', file, '--json'], environment);
  assert.equal(again.code, 1);
  assert.match(again.stderr, /^civitas backup: .* exists: choose another name, or give --force/);
  const forced = await runCli(['backup', file, '--force', '--json'], environment);
  assert.equal(forced.code, 0, forced.stderr);
  assert.equal(JSON.parse(forced.stdout).auditSequence, 1);

  const refused = await runCli(['restore', file], environment);
  assert.equal(refused.code, 1);
  assert.match(refused.stderr, /is open in another process .* stop every process that uses it and try again, or give --force/);
  await writePair(kernel, 2);
  await kernel.close();

  const restored = await runCli(['restore', file, '--json'], environment);
  assert.equal(restored.code, 0, restored.stderr);
  const summary = JSON.parse(restored.stdout);
  assert.equal(summary.wasInUse, false);
  assert.ok(existsSync(summary.previous));
  assert.deepEqual(countPairs(databaseFile), { events: 1, jobs: 1 });

  for (const args of [['backup'], ['restore'], ['backup', 'a', 'b']]) {
    const missing = await runCli(args, environment);
    assert.equal(missing.code, 2, args.join(' '));
  }
  const postgres = await runCli(['backup', file], { DATABASE_URL: 'postgres://civitas@127.0.0.1:1/civitas' });
  assert.equal(postgres.code, 2);
  assert.match(postgres.stderr, /PostgreSQL database: use pg_dump, as docs\/operations\.md shows/);
});
