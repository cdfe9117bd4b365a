import { readdir, readFile, stat } from 'node:fs/promises';
import { basename, join } from 'node:path';
import type { CatalogueRecords, SaveOutcome } from './catalogue-records.ts';
import { MAX_FILE_BYTES, readRecordDocuments } from './read-record-documents.ts';
import type { RecordProblem } from './validate-record.ts';

export type ImportedRecord = { file: string } & SaveOutcome;
export type ImportReport = {
  accepted: string[];
  refused: Array<{ file: string; identifier: string | null; problems: RecordProblem[] }>;
  records: ImportedRecord[];
};

const RECORD_FILE = /\.(?:ya?ml|json)$/i;

/** The files to read: the one given, or the YAML and JSON files of a folder, in name order. */
async function listRecordFiles(path: string): Promise<Array<{ path: string; name: string }>> {
  if (!(await stat(path)).isDirectory()) return [{ path, name: basename(path) }];
  const entries = await readdir(path, { withFileTypes: true });
  return entries
    .filter((entry) => entry.isFile() && RECORD_FILE.test(entry.name))
    .map((entry) => entry.name)
    .sort()
    .map((name) => ({ path: join(path, name), name }));
}

/**
 * Imports a file or a folder of records, one record a document, each saved or refused on its
 * own: a refused record never stops the others.
 */
export async function importRecords(input: { path: string; records: CatalogueRecords; organisationId?: string; actor: string }): Promise<ImportReport> {
  const report: ImportReport = { accepted: [], refused: [], records: [] };
  const note = (outcome: ImportedRecord) => {
    report.records.push(outcome);
    if (outcome.outcome === 'refused') report.refused.push({ file: outcome.file, identifier: outcome.identifier, problems: outcome.problems });
    else report.accepted.push(outcome.identifier);
  };
  for (const file of await listRecordFiles(input.path)) {
    if ((await stat(file.path)).size > MAX_FILE_BYTES) {
      note({ file: file.name, outcome: 'refused', identifier: null, problems: [{ slot: '', message: `is larger than ${MAX_FILE_BYTES / 1024 / 1024} MB` }] });
      continue;
    }
    for (const document of readRecordDocuments(file.name, await readFile(file.path, 'utf8'))) {
      if ('problems' in document) {
        note({ file: file.name, outcome: 'refused', identifier: null, problems: document.problems });
        continue;
      }
      note({ file: file.name, ...(await input.records.saveRecord({ document: document.value, organisationId: input.organisationId, actor: input.actor })) });
    }
  }
  return report;
}
