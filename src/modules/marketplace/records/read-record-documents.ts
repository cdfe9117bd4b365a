import { parseAllDocuments } from 'yaml';
import type { RecordProblem } from './validate-record.ts';

/** One document of a file: the value it holds, or why it could not be read. */
export type RecordDocument = { value: unknown } | { problems: RecordProblem[] };

/** A file larger than this is not read: the biggest real record is a few kilobytes. */
export const MAX_FILE_BYTES = 5 * 1024 * 1024;
export const MAX_DOCUMENTS_PER_FILE = 20_000;

function readJson(text: string): RecordDocument[] {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return [{ problems: [{ slot: '', message: 'is not valid JSON' }] }];
  }
  const values = Array.isArray(value) ? value : [value];
  if (values.length > MAX_DOCUMENTS_PER_FILE) return [{ problems: [{ slot: '', message: `holds more than ${MAX_DOCUMENTS_PER_FILE} records` }] }];
  return values.map((item) => ({ value: item }));
}

function readYaml(text: string): RecordDocument[] {
  const documents = parseAllDocuments(text, { uniqueKeys: true, prettyErrors: false });
  const list = Array.isArray(documents) ? documents : [documents];
  if (list.length > MAX_DOCUMENTS_PER_FILE) return [{ problems: [{ slot: '', message: `holds more than ${MAX_DOCUMENTS_PER_FILE} records` }] }];
  return list.flatMap((document): RecordDocument[] => {
    if (document.errors.length > 0) return [{ problems: [{ slot: '', message: `is not valid YAML: ${document.errors[0]!.code}` }] }];
    if (document.contents === null) return [];
    try {
      // A few aliases are ordinary YAML; many are how a small file becomes a huge value.
      return [{ value: document.toJS({ maxAliasCount: 50 }) }];
    } catch {
      return [{ problems: [{ slot: '', message: 'uses too many YAML aliases' }] }];
    }
  });
}

/**
 * The records of one file, one per document: a JSON object or array of objects (`.json`), or a
 * YAML stream of documents separated by `---` (anything else). Documents holding only comments
 * are skipped.
 */
export function readRecordDocuments(fileName: string, text: string): RecordDocument[] {
  return fileName.toLowerCase().endsWith('.json') ? readJson(text) : readYaml(text);
}
