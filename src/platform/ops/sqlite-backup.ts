import { randomBytes } from 'node:crypto';
import { closeSync, existsSync, mkdirSync, openSync, readSync, renameSync, rmSync, statSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { backup, DatabaseSync } from 'node:sqlite';

/**
 * Online backups of a SQLite database and their restore, with SQLite's backup API (node:sqlite).
 * A backup copies every page in one step, inside one read transaction on its own connection: a
 * consistent snapshot as of its start, while Civitas goes on reading and writing (WAL mode lets
 * a reader and writers work at once, so nothing waits and the copy never restarts).
 */

/** A problem the operator can fix: said in one line, without a stack. */
export class BackupError extends Error {
  override readonly name = 'BackupError';
}

/** Every page in one step: pages copied over several steps restart when a writer gets in between. */
const ALL_PAGES = 2_147_483_647;
/** How long the backup's own connection waits for a lock (a checkpoint in progress, say). */
const BUSY_TIMEOUT_MS = 5000;
const SQLITE_HEADER = 'SQLite format 3\u0000';

export type BackupSummary = {
  file: string;
  bytes: number;
  pages: number;
  /** Migrations the copy has applied: the schema version it holds. */
  migrations: number;
  /** The newest audit event in the copy, to compare with AUDIT_CHECKPOINT_FILE. */
  auditSequence: number;
};

function isSqliteFile(file: string): boolean {
  const header = Buffer.alloc(16);
  const descriptor = openSync(file, 'r');
  try {
    return readSync(descriptor, header, 0, 16, 0) === 16 && header.toString('latin1') === SQLITE_HEADER;
  } finally {
    closeSync(descriptor);
  }
}

/** A file of our own beside `file`, readable only by this user (a backup holds personal data). */
function createPrivateFile(file: string, role: string): string {
  const path = join(dirname(file), `.${basename(file)}.${role}-${randomBytes(6).toString('hex')}`);
  closeSync(openSync(path, 'wx', 0o600));
  return path;
}

function removeQuietly(file: string): void {
  for (const suffix of ['', '-journal', '-wal', '-shm']) rmSync(`${file}${suffix}`, { force: true });
}

/**
 * Checks a copy SQLite can read whole, and that it is a Civitas database; makes it one file (no
 * write-ahead log beside it) and answers what it holds.
 */
function checkCopy(file: string, options: { makeSingleFile: boolean }): Omit<BackupSummary, 'file'> {
  const copy = new DatabaseSync(file, { timeout: BUSY_TIMEOUT_MS });
  try {
    if (options.makeSingleFile) copy.exec('pragma journal_mode = delete');
    const check = copy.prepare('pragma quick_check').all() as Array<{ quick_check: string }>;
    if (check.length !== 1 || check[0]?.quick_check !== 'ok') {
      throw new BackupError(`The copy is damaged: ${check.map((row) => row.quick_check).slice(0, 3).join('; ')}`);
    }
    const tables = new Set((copy.prepare("select name from sqlite_master where type = 'table'").all() as Array<{ name: string }>).map((row) => row.name));
    if (!tables.has('civitas_migration')) throw new BackupError('It is not a Civitas database: it has no civitas_migration table');
    const migrations = Number((copy.prepare('select count(*) as n from civitas_migration').get() as { n: number }).n);
    const auditSequence = tables.has('audit_event')
      ? Number((copy.prepare('select coalesce(max(sequence), 0) as n from audit_event').get() as { n: number }).n)
      : 0;
    const pages = Number((copy.prepare('pragma page_count').get() as { page_count: number }).page_count);
    return { pages, migrations, auditSequence, bytes: 0 };
  } finally {
    copy.close();
  }
}

/** Copies `source` (a database that may be in use) to the private file `target`, page by page. */
async function copyDatabase(source: string, target: string, options: { readOnly: boolean }): Promise<void> {
  const from = new DatabaseSync(source, { readOnly: options.readOnly, timeout: BUSY_TIMEOUT_MS });
  try {
    await backup(from, target, { rate: ALL_PAGES });
  } finally {
    from.close();
  }
}

/**
 * Backs up the database at `databaseFile` to `file` while it is in use. Writes a hidden file
 * beside `file` first and renames it once checked, so `file` is never half written; refuses an
 * existing `file` unless `force`.
 */
export async function backupSqliteDatabase(options: { databaseFile: string; file: string; force?: boolean }): Promise<BackupSummary> {
  const databaseFile = resolve(options.databaseFile);
  const file = resolve(options.file);
  if (!existsSync(databaseFile)) throw new BackupError(`There is no database at ${databaseFile} (DATABASE_URL)`);
  if (file === databaseFile || file.startsWith(`${databaseFile}-`)) throw new BackupError('The backup cannot be the database itself or one of its files');
  if (existsSync(file) && !options.force) throw new BackupError(`${file} exists: choose another name, or give --force to replace it`);
  mkdirSync(dirname(file), { recursive: true });
  const partial = createPrivateFile(file, 'partial');
  try {
    await copyDatabase(databaseFile, partial, { readOnly: false });
    const summary = checkCopy(partial, { makeSingleFile: true });
    renameSync(partial, file);
    return { ...summary, file, bytes: statSync(file).size };
  } catch (error) {
    removeQuietly(partial);
    throw error;
  }
}

/** Whether another connection (a running Civitas, a worker, a command) has the database open. */
function isInUse(databaseFile: string): boolean {
  const probe = new DatabaseSync(databaseFile, { timeout: 0 });
  try {
    // Leaving WAL mode needs every other connection closed: SQLite refuses it (busy) otherwise.
    probe.exec('pragma journal_mode = delete');
    return false;
  } catch (error) {
    if ((error as { errcode?: number }).errcode === 5 || /locked|busy/i.test((error as Error).message)) return true;
    throw error;
  } finally {
    probe.close();
  }
}

export type RestoreSummary = BackupSummary & {
  /** The database as it was before, kept beside it; undefined if there was none. */
  previous?: string;
  /** The database was open in another process and `force` was given. */
  wasInUse: boolean;
};

/**
 * Puts the backup `file` back as the database at `databaseFile`. The backup is copied and checked
 * first (a damaged file, or one that is not a Civitas database, changes nothing); the database
 * as it was is kept beside it as `NAME.before-restore-TIME`. Refuses while any other process has
 * the database open (a running Civitas would go on from its own idea of the data) unless `force`:
 * then the pages are written through SQLite's locks and every process sees the restored data at
 * its next query, but should be restarted.
 */
export async function restoreSqliteDatabase(options: { databaseFile: string; file: string; force?: boolean; now?: Date }): Promise<RestoreSummary> {
  const databaseFile = resolve(options.databaseFile);
  const file = resolve(options.file);
  if (!existsSync(file)) throw new BackupError(`There is no backup at ${file}`);
  if (file === databaseFile) throw new BackupError('The backup is the database itself');
  if (!isSqliteFile(file)) throw new BackupError(`${file} is not a SQLite database`);
  mkdirSync(dirname(databaseFile), { recursive: true });

  const exists = existsSync(databaseFile);
  const wasInUse = exists && isInUse(databaseFile);
  if (wasInUse && !options.force) {
    throw new BackupError(
      `${databaseFile} is open in another process (a running Civitas, a worker or a command): stop every process that uses it and try again, or give --force to restore under it`,
    );
  }

  const staged = createPrivateFile(databaseFile, 'restoring');
  let previous: string | undefined;
  try {
    await copyDatabase(file, staged, { readOnly: true });
    const summary = checkCopy(staged, { makeSingleFile: true });
    if (exists) {
      const stamp = (options.now ?? new Date()).toISOString().replace(/[:.]/g, '-');
      previous = `${databaseFile}.before-restore-${stamp}`;
      const keeping = createPrivateFile(previous, 'partial');
      try {
        await copyDatabase(databaseFile, keeping, { readOnly: false });
        renameSync(keeping, previous);
      } catch (error) {
        removeQuietly(keeping);
        throw error;
      }
    }
    if (!exists) closeSync(openSync(databaseFile, 'wx', 0o600));
    // Through the backup API, not a rename: a process holding the old file (with --force) sees
    // the new pages instead of going on with a file no longer there.
    await copyDatabase(staged, databaseFile, { readOnly: true });
    const restored = checkCopy(databaseFile, { makeSingleFile: false });
    return { ...summary, ...restored, file: databaseFile, bytes: statSync(databaseFile).size, previous, wasInUse };
  } finally {
    removeQuietly(staged);
  }
}
