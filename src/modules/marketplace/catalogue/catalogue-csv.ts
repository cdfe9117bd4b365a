import { formatCsvRow } from '../../../platform/http/csv-field.ts';
import type { CatalogueRecord } from '../records/validate-record.ts';

const COLUMNS = ['identifier', 'type', 'title', 'summary', 'publisher', 'accessRights', 'securityClassification', 'serviceStatus', 'updateFrequency', 'modified', 'theme', 'keyword', 'page'] as const;

/** A list (themes, keywords) as one cell, "a; b"; anything else as its text. */
function cellOf(value: unknown): string {
  return Array.isArray(value) ? value.join('; ') : value === undefined || value === null ? '' : String(value);
}

/**
 * Search results as CSV (RFC 4180, CRLF line ends): one row a record. A cell that starts as a
 * formula would (= + - @, a tab or a carriage return) is prefixed with an apostrophe, so a
 * spreadsheet shows it as text and never runs it.
 */
export function writeCatalogueCsv(records: readonly CatalogueRecord[], pageUrlOf: (identifier: string) => string): string {
  const rows = records.map((record) =>
    formatCsvRow(COLUMNS.map((column) => cellOf(column === 'page' ? pageUrlOf(record.identifier) : column === 'type' ? record.type.slice('dcat:'.length) : record[column]))),
  );
  return [formatCsvRow(COLUMNS), ...rows].join('');
}
