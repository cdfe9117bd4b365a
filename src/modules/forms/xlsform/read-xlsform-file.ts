import { readFile, stat } from 'node:fs/promises';
import { basename, extname } from 'node:path';
import { CliError } from '../../../platform/cli/cli-command.ts';
import type { FormDefinition } from '../definition/form-definition.ts';
import { convertXlsform } from './convert-xlsform.ts';
import { readXlsformWorkbook } from './read-workbook.ts';
import { describeXlsformProblem, type XlsformProblem } from './xlsform-problems.ts';
import { XLSX_LIMITS } from './xlsx-archive.ts';

/**
 * An XLSForm file as a form definition and the warnings of what was left out; a file too large,
 * unreadable or with anything Civitas cannot take is refused with every problem, by sheet and row.
 */
export async function readXlsformFile(file: string): Promise<{ definition: FormDefinition; warnings: XlsformProblem[] }> {
  const size = await stat(file).then((found) => (found.isFile() ? found.size : undefined), () => undefined);
  if (size === undefined) throw new CliError(`Cannot read ${file}`);
  if (size > XLSX_LIMITS.bytes) throw new CliError(`${file} is larger than ${XLSX_LIMITS.bytes} bytes`);
  const read = await readXlsformWorkbook(await readFile(file));
  const converted = read.sheets ? convertXlsform(read.sheets, { fallbackFormId: basename(file, extname(file)) }) : { problems: read.problems, warnings: [] };
  if (!converted.definition) {
    throw new CliError([`${file} cannot be imported: ${converted.problems.length} problem(s)`, ...converted.problems.map((problem) => `  ${describeXlsformProblem(problem)}`)].join('\n'));
  }
  return { definition: converted.definition, warnings: converted.warnings };
}
