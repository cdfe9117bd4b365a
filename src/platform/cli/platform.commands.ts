import { existsSync } from 'node:fs';
import { describeAuditVerification } from '../audit/audit-verify.ts';
import type { Kernel } from '../kernel.ts';
import { MetricsServerError, startConfiguredMetricsServer } from '../metrics/metrics-server.ts';
import { backupCommands } from '../ops/backup.commands.ts';
import type { CliCommand } from './cli-command.ts';
import { CliError } from './cli-command.ts';

/** The kernel, once its database has every migration: a new database has no tables to read. */
async function openMigratedKernel(kernel: () => Kernel): Promise<Kernel> {
  const opened = kernel();
  if ((await opened.pendingMigrations()).length > 0) {
    throw new CliError('The database has migrations to apply: run `civitas migrate` first.');
  }
  return opened;
}

const migrate: CliCommand = {
  name: 'migrate',
  summary: 'Apply every pending database migration',
  async run({ kernel, print }) {
    const applied = await kernel().migrate();
    print(
      { applied },
      applied.length === 0 ? 'The database is up to date.' : `Applied:\n${applied.join('\n')}`,
    );
    return 0;
  },
};

const worker: CliCommand = {
  name: 'worker',
  summary: 'Run background job workers until stopped (SIGTERM or SIGINT)',
  async run({ kernel }) {
    // Listen first: a stop signal that came during start-up would otherwise kill the process
    // outright, without a clean stop.
    let stopRequested = false;
    let requestStop = () => {};
    const stopSignal = new Promise<void>((resolve) => {
      requestStop = () => {
        stopRequested = true;
        resolve();
      };
    });
    process.once('SIGTERM', requestStop);
    process.once('SIGINT', requestStop);
    try {
      const opened = kernel();
      await opened.migrate();
      if (stopRequested) return 0;
      const metricsServer = await startConfiguredMetricsServer(opened).catch((error: unknown) => {
        throw error instanceof MetricsServerError ? new CliError(error.message) : error;
      });
      const jobWorker = opened.createWorker();
      jobWorker.start();
      await stopSignal;
      await jobWorker.stop();
      await metricsServer?.close();
      return 0;
    } finally {
      process.removeListener('SIGTERM', requestStop);
      process.removeListener('SIGINT', requestStop);
    }
  },
};

const auditVerify: CliCommand = {
  name: 'audit verify',
  summary:
    'Check that no audit event was edited, deleted, reordered or added, against AUDIT_CHECKPOINT_FILE and any other checkpoint or log files given',
  usage: '[--checkpoints FILE]...',
  options: { checkpoints: { type: 'string', multiple: true } },
  async run({ kernel, values, print }) {
    const checkpointFiles = (values.checkpoints as string[] | undefined) ?? [];
    const missing = checkpointFiles.find((file) => !existsSync(file));
    if (missing !== undefined) throw new CliError(`There is no file ${missing}`, 2);
    const opened = await openMigratedKernel(kernel);
    const result = await opened.audit.verify({ checkpointFiles });
    print(result, describeAuditVerification(result));
    return result.intact ? 0 : 1;
  },
};

const jobsList: CliCommand = {
  name: 'jobs list',
  summary: 'List queued jobs, newest first',
  usage: '[--failed] [--limit N]',
  options: { failed: { type: 'boolean' }, limit: { type: 'string' } },
  async run({ kernel, values, print }) {
    const limit = values.limit === undefined ? 100 : Number(values.limit);
    if (!Number.isInteger(limit) || limit < 1 || limit > 10000) {
      throw new CliError('--limit must be a whole number from 1 to 10000', 2);
    }
    const opened = await openMigratedKernel(kernel);
    const jobs = await opened.jobs.list({ status: values.failed ? 'failed' : undefined, limit });
    const lines = jobs.map(
      (job) =>
        `${job.id}  ${job.type}  ${job.status}  attempts ${job.attempts}/${job.maxAttempts}` +
        (job.lastError ? `  last error: ${job.lastError}` : ''),
    );
    print(jobs, lines.length === 0 ? 'No jobs.' : lines.join('\n'));
    return 0;
  },
};

const jobsRetry: CliCommand = {
  name: 'jobs retry',
  summary: 'Put a failed job back in the queue',
  usage: 'JOB_ID',
  async run({ kernel, positionals, print }) {
    const [id] = positionals;
    if (!id) throw new CliError('Give the id of the failed job to retry', 2);
    const opened = await openMigratedKernel(kernel);
    if (!(await opened.jobs.retryFailed(id))) {
      throw new CliError(`There is no failed job with id ${id}`);
    }
    print({ id, status: 'pending' }, `Job ${id} will run again.`);
    return 0;
  },
};

export const platformCommands: readonly CliCommand[] = [migrate, worker, auditVerify, jobsList, jobsRetry, ...backupCommands];
