import { readFileSync } from 'node:fs';
import type { JWK } from 'jose';
import type { Kernel } from '../../../platform/kernel.ts';
import { CliError, optionalStringOption, requireStringOption, type CliCommand } from '../../../platform/cli/cli-command.ts';
import { createExchangeKeys } from '../gateway/exchange-keys.ts';
import { exportMessageLog, logKeySetProblem, verifyExportedLog, type ExportProblem } from './log-export.ts';

/** A date (the whole day, in UTC) or an ISO 8601 time; `end` gives the moment after a date. */
function readMoment(text: string, name: string, end: boolean): string {
  if (/^\d{4}-\d{2}-\d{2}$/.test(text)) {
    const day = new Date(`${text}T00:00:00.000Z`);
    if (!Number.isNaN(day.getTime())) return new Date(day.getTime() + (end ? 86_400_000 : 0)).toISOString();
  }
  const moment = new Date(text);
  if (/^\d{4}-\d{2}-\d{2}T/.test(text) && !Number.isNaN(moment.getTime())) return moment.toISOString();
  throw new CliError(`--${name} must be a date (YYYY-MM-DD) or an ISO 8601 time`, 2);
}

const PROBLEMS = {
  hash: 'changed since it was written (its hash does not match)',
  chain: 'does not follow the record before it',
  order: 'out of order, or records before it are missing',
  signature: 'its signature does not verify',
  unreadable: 'not a record of an Exchange log export',
  field: 'has a field an Exchange log record does not have',
  'period-start': "is not the first record of the export's signed period: records before it are missing",
  'period-end': "is not the last record of the export's signed period: records after it are missing",
  'batch-order': 'its batch is given twice, or out of order',
  place: 'comes after the batches, where the export writes no record',
} as const;

const PERIOD_PROBLEM = "The export's signed period is missing, does not verify, or is not the header's";
const AS_WRITTEN = 'is not written as the export writes it (a key given twice, or the line reformatted)';

function describe(problem: ExportProblem): string {
  if (problem.problem === 'period') return PERIOD_PROBLEM;
  if (problem.problem === 'period-last') return "The export's signed period is not the file's last line (a line after it, or the period given twice)";
  if (problem.problem === 'written') {
    if (problem.line === 'header') return `The file's header ${AS_WRITTEN}`;
    if (problem.line === 'period') return `The export's signed period ${AS_WRITTEN}`;
    return `Record ${problem.sequence}: ${problem.line === 'batch' ? 'its batch ' : ''}${AS_WRITTEN}`;
  }
  return `Record ${problem.sequence}: ${PROBLEMS[problem.problem]}`;
}

export const logCommands: readonly CliCommand[] = [
  {
    name: 'exchange log export',
    summary: 'Write the message log of a period (--to inclusive for a date) to a new file an auditor can verify offline',
    usage: '--from DATE --to DATE --out FILE',
    options: { from: { type: 'string' }, to: { type: 'string' }, out: { type: 'string' } },
    async run(context) {
      const from = readMoment(requireStringOption(context, 'from'), 'from', false);
      const to = readMoment(requireStringOption(context, 'to'), 'to', true);
      const file = requireStringOption(context, 'out');
      const kernel = context.kernel();
      let result;
      try {
        result = await exportMessageLog({ db: kernel.db, keys: createExchangeKeys({ db: kernel.db, secrets: kernel.secrets }), instance: kernel.config.EXCHANGE_INSTANCE, from, to, file, now: new Date() });
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'EEXIST') throw new CliError(`${file} exists already: give a new file`);
        throw error;
      }
      await kernel.audit.record({ actor: 'operator:cli', action: 'exchange.log.exported', subject: 'exchange:message-log', outcome: 'success', details: { from, to, records: result.records } });
      context.print({ file, records: result.records }, `Wrote ${result.records} records to ${file}`);
      return 0;
    },
  },
  {
    name: 'exchange log verify',
    summary: "Check an exported message log against this Civitas's log keys (or --keys, a JWK Set got from the Civitas that wrote it): every record unchanged, in order, none missing between, each signed",
    usage: 'FILE [--keys JWKS_FILE]',
    options: { keys: { type: 'string' } },
    async run(context) {
      const [file] = context.positionals;
      if (!file) throw new CliError('Give the file to verify', 2);
      const keysFile = optionalStringOption(context, 'keys');
      // Never the keys the file carries: a forger who rewrote it whole would have put their own there.
      const publicKeys = keysFile === undefined ? await databaseLogKeys(context.kernel()) : readKeysFile(keysFile);
      let verification;
      try {
        verification = verifyExportedLog(file, publicKeys);
      } catch {
        throw new CliError(`Cannot read ${file} as an Exchange log export`);
      }
      const { problem } = verification;
      const against = keysFile === undefined ? "this Civitas's log keys" : `the keys in ${keysFile}`;
      if (problem) throw new CliError(`${describe(problem)} (checked against ${against})`);
      const ends = verification.unsignedPeriod ? ' (an export from before signed periods: records missing at either end cannot be told)' : ', the period signed whole';
      context.print({ valid: true, records: verification.records, ...(verification.unsignedPeriod ? { unsigned_period: true } : {}) }, `OK: ${verification.records} records, each chained and signed by ${against}${ends}`);
      return 0;
    },
  },
];

async function databaseLogKeys(kernel: Pick<Kernel, 'db' | 'secrets'>): Promise<{ keys: JWK[] }> {
  const published = await createExchangeKeys({ db: kernel.db, secrets: kernel.secrets }).existing('message-log');
  if (published.keys.length === 0) throw new CliError('This Civitas has no message log keys: give the keys of the Civitas that wrote the file with --keys JWKS_FILE (its /.well-known/exchange-log-jwks.json)');
  return published;
}

function readKeysFile(file: string): { keys: JWK[] } {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8'));
  } catch {
    throw new CliError(`Cannot read ${file} as a JWK Set`);
  }
  const keys = (parsed as { keys?: unknown } | null)?.keys;
  if (!Array.isArray(keys) || keys.length === 0) throw new CliError(`${file} is not a JWK Set with keys in it`);
  const problem = logKeySetProblem(keys);
  if (problem) throw new CliError(`${file} ${problem}`);
  return { keys: keys as JWK[] };
}
