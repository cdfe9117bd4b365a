import { stringify } from 'yaml';
import { CliError, optionalStringOption, type CliCommand, type CliContext } from '../../platform/cli/cli-command.ts';
import { findConsoleOrganisation } from '../console/console.contract.ts';
import { openCatalogueRecords } from './marketplace.contract.ts';
import { importRecords, type ImportedRecord } from './records/import-records.ts';

const CLI_ACTOR = 'cli';

function describeRecord(imported: ImportedRecord): string {
  if (imported.outcome === 'refused') {
    const problems = imported.problems.map((problem) => (problem.slot ? `${problem.slot} ${problem.message}` : `the document ${problem.message}`));
    return `refused    ${imported.file}: ${imported.identifier ?? '(no identifier)'}: ${problems.join('; ')}`;
  }
  return `${imported.outcome.padEnd(10)} ${imported.file}: ${imported.identifier} (version ${imported.version})`;
}

/** The console organisation named by --organisation, checked through the console's contract. */
async function readOrganisationOption(context: CliContext): Promise<string | undefined> {
  const organisationId = optionalStringOption(context, 'organisation');
  if (organisationId === undefined) return undefined;
  if (!(await findConsoleOrganisation(context.kernel().db, organisationId))) throw new CliError(`No organisation has the id ${organisationId}`);
  return organisationId;
}

function isMissingPath(error: unknown): boolean {
  return (error as NodeJS.ErrnoException).code === 'ENOENT';
}

/** `civitas marketplace ...` */
export const marketplaceCommands: readonly CliCommand[] = [
  {
    name: 'marketplace import',
    summary: 'Import catalogue records in the CDDO metadata model from a YAML or JSON file, or a folder of them (one record a document); each record is reported accepted or refused, and the exit code is 1 when any was refused',
    usage: 'FILE|DIR [--organisation ID]',
    options: { organisation: { type: 'string' } },
    async run(context) {
      const path = context.positionals[0];
      if (!path || context.positionals.length > 1) throw new CliError('Give one file or folder: civitas marketplace import FILE|DIR', 2);
      const organisationId = await readOrganisationOption(context);
      const kernel = context.kernel();
      let report;
      try {
        report = await importRecords({ path, records: openCatalogueRecords(kernel), organisationId, actor: CLI_ACTOR });
      } catch (error) {
        if (isMissingPath(error)) throw new CliError(`${path} is not a file or folder`);
        throw error;
      }
      const summary = `${report.accepted.length} accepted, ${report.refused.length} refused`;
      // The report names each problem by slot and message only (the key and parameters are for pages).
      const refused = report.refused.map((imported) => ({ ...imported, problems: imported.problems.map(({ slot, message }) => ({ slot, message })) }));
      context.print({ accepted: report.accepted, refused }, [...report.records.map(describeRecord), summary].join('\n'));
      return report.refused.length > 0 ? 1 : 0;
    },
  },
  {
    name: 'marketplace export',
    summary: 'Print every catalogue record (of one organisation with --organisation) in the CDDO metadata model: a YAML stream, or a JSON array with --json; what it prints imports again as the same records',
    usage: '[--organisation ID]',
    options: { organisation: { type: 'string' } },
    async run(context) {
      const organisationId = await readOrganisationOption(context);
      const records = (await openCatalogueRecords(context.kernel()).listRecords(organisationId)).map((stored) => stored.record);
      const yamlStream = records.map((record) => `---\n${stringify(record, { lineWidth: 0 })}`).join('');
      context.print(records, yamlStream.replace(/\n$/, ''));
      return 0;
    },
  },
];
