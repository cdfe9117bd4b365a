import { describeDatabaseKind } from '../db/database.ts';
import { CliError, type CliCommand } from '../cli/cli-command.ts';
import type { Config } from '../config/config.schema.ts';
import { BackupError, backupSqliteDatabase, restoreSqliteDatabase } from './sqlite-backup.ts';

/** The SQLite file DATABASE_URL names; PostgreSQL is backed up with its own tools. */
function sqliteFileOrRefuse(command: 'backup' | 'restore', config: Config): string {
  if (describeDatabaseKind(config.DATABASE_URL) !== 'sqlite') {
    const tool = command === 'backup' ? 'pg_dump' : 'pg_restore';
    throw new CliError(`DATABASE_URL is a PostgreSQL database: use ${tool}, as docs/operations.md shows`, 2);
  }
  return config.DATABASE_URL.slice('sqlite:'.length);
}

function fileArgument(positionals: readonly string[], what: string): string {
  const [file, extra] = positionals;
  if (!file || extra !== undefined) throw new CliError(`Give one file: the ${what}`, 2);
  return file;
}

async function runReportingProblems<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (error instanceof BackupError) throw new CliError(error.message);
    throw error;
  }
}

const backupCommand: CliCommand = {
  name: 'backup',
  summary: 'Copy the SQLite database to FILE while Civitas runs (a consistent snapshot); PostgreSQL: use pg_dump',
  usage: 'FILE [--force]',
  options: { force: { type: 'boolean' } },
  async run({ positionals, values, print, config }) {
    const file = fileArgument(positionals, 'backup to write');
    const databaseFile = sqliteFileOrRefuse('backup', config());
    const summary = await runReportingProblems(() => backupSqliteDatabase({ databaseFile, file, force: values.force === true }));
    print(
      summary,
      [
        `Backed up to ${summary.file} (${summary.bytes} bytes, ${summary.migrations} migrations, audit trail to event ${summary.auditSequence}).`,
        'It holds personal data and sealed secrets: keep it as safe as the database, and ENCRYPTION_KEY apart from it.',
      ].join('\n'),
    );
    return 0;
  },
};

const restoreCommand: CliCommand = {
  name: 'restore',
  summary: 'Put a backup made by `civitas backup` back as the SQLite database, keeping the current one beside it; stop Civitas first',
  usage: 'FILE [--force]',
  options: { force: { type: 'boolean' } },
  async run({ positionals, values, print, config }) {
    const file = fileArgument(positionals, 'backup to restore');
    const databaseFile = sqliteFileOrRefuse('restore', config());
    const summary = await runReportingProblems(() => restoreSqliteDatabase({ databaseFile, file, force: values.force === true }));
    print(summary, [
      `Restored ${file} as ${summary.file} (${summary.migrations} migrations, audit trail to event ${summary.auditSequence}).`,
      summary.previous ? `The database as it was is kept at ${summary.previous}.` : 'There was no database before.',
      summary.wasInUse ? 'The database was in use: restart every Civitas process now, so none goes on from what it held in memory.' : 'Start Civitas: it applies any migrations the backup lacks.',
      'Audit checkpoints made after the backup name events it does not have: `civitas audit verify` reports them as missing. Move AUDIT_CHECKPOINT_FILE aside (keep it) before starting.',
    ].join('\n'));
    return 0;
  },
};

export const backupCommands: readonly CliCommand[] = [backupCommand, restoreCommand];
