import type { CatalogueRecord } from '../records/validate-record.ts';

const COLUMNS = ['identifier', 'type', 'title', 'summary', 'publisher', 'accessRights', 'securityClassification', 'serviceStatus', 'updateFrequency', 'modified', 'theme', 'keyword', 'page'] as const;
/** A cell a spreadsheet would run as a formula: it starts with one of these. */
const FORMULA_START = /^[=+\-@\t\r]/;

function cellOf(value: unknown): string {
  const text = Array.isArray(value) ? value.join('; ') : value === undefined || value === null ? '' : String(value);
  const safe = FORMULA_START.test(text) ? `'${text}` : text;
  return /[",\r\n]/.test(safe) ? `"${safe.replaceAll('"', '""')}"` : safe;
}

/**
 * Search results as CSV (RFC 4180, CRLF line ends): one row a record. A cell that starts as a
 * formula would (= + - @, a tab or a carriage return) is prefixed with an apostrophe, so a
 * spreadsheet shows it as text and never runs it.
 */
export function writeCatalogueCsv(records: readonly CatalogueRecord[], pageUrlOf: (identifier: string) => string): string {
  const rows = records.map((record) =>
    COLUMNS.map((column) => cellOf(column === 'page' ? pageUrlOf(record.identifier) : column === 'type' ? record.type.slice('dcat:'.length) : record[column])).join(','),
  );
  return [COLUMNS.join(','), ...rows].map((row) => `${row}\r\n`).join('');
}
