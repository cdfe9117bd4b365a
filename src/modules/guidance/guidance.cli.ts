import { join } from 'node:path';
import { CliError, type CliCommand, type CliContext } from '../../platform/cli/cli-command.ts';
import { openGuidanceLibrary } from './guidance.contract.ts';
import { importGuidanceFolder, type ImportResult } from './import/import-folder.ts';
import { ImportRefusal } from './import/parse-markdown-file.ts';

/** The example guidance shipped with Civitas, written for it. */
export const EXAMPLES_DIRECTORY = join(import.meta.dirname, 'examples');
const CLI_ACTOR = 'cli';

function describeResult(result: ImportResult): string {
  if (result.outcome === 'refused') return `refused    ${result.file}: ${result.reason}`;
  const where = `${result.slug} (${result.lang}) version ${result.version}${result.published ? ', published' : ', not published'}`;
  return `${result.outcome.padEnd(10)} ${result.file}: ${where}`;
}

async function importAndReport(context: CliContext, directory: string, publish: boolean): Promise<number> {
  const kernel = context.kernel();
  let results: ImportResult[];
  try {
    results = await importGuidanceFolder({ directory, library: openGuidanceLibrary(kernel), actor: CLI_ACTOR, publish });
  } catch (error) {
    if (error instanceof ImportRefusal) throw new CliError(error.message);
    if ((error as NodeJS.ErrnoException).code === 'ENOENT' || (error as NodeJS.ErrnoException).code === 'ENOTDIR') {
      throw new CliError(`${directory} is not a folder`);
    }
    throw error;
  }
  const refused = results.filter((result) => result.outcome === 'refused').length;
  const summary = `${results.length - refused} accepted, ${refused} refused`;
  context.print({ files: results, accepted: results.length - refused, refused }, [...results.map(describeResult), summary].join('\n'));
  return refused > 0 ? 1 : 0;
}

/** `civitas guidance ...` */
export const guidanceCommands: readonly CliCommand[] = [
  {
    name: 'guidance import',
    summary: 'Import guidance from a folder of markdown files with front matter and GOV.UK Content API JSON documents; each file is reported accepted or refused',
    usage: 'DIR [--draft]',
    options: { draft: { type: 'boolean' } },
    async run(context) {
      const directory = context.positionals[0];
      if (!directory || context.positionals.length > 1) throw new CliError('Give one folder: civitas guidance import DIR', 2);
      return importAndReport(context, directory, context.values.draft !== true);
    },
  },
  {
    name: 'guidance seed',
    summary: 'Import and publish the example guidance shipped with Civitas (Blue Badge, Council Tax, paying a fine, One Login help); pages already the same are left as they are',
    async run(context) {
      return importAndReport(context, EXAMPLES_DIRECTORY, true);
    },
  },
];
