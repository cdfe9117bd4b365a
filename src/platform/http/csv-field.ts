/** A cell a spreadsheet would run as a formula: it starts with =, +, -, @, a tab or a carriage return. */
const FORMULA_START = /^[=+\-@\t\r]/;

/**
 * One CSV field (RFC 4180) of text a person or a team typed: a leading apostrophe when a
 * spreadsheet would read it as a formula (OWASP's advice), so it shows as text and never runs;
 * quoted when it holds a quote, comma or line break, or always with `quote: 'always'`.
 */
export function formatCsvField(value: string | number | null | undefined, options: { quote?: 'always' | 'when-needed' } = {}): string {
  const text = value === null || value === undefined ? '' : String(value);
  const safe = typeof value === 'string' && FORMULA_START.test(text) ? `'${text}` : text;
  return options.quote === 'always' || /[",\r\n]/.test(safe) ? `"${safe.replaceAll('"', '""')}"` : safe;
}

/** Fields as one CSV row, ended by CRLF. */
export function formatCsvRow(fields: ReadonlyArray<string | number | null | undefined>, options: { quote?: 'always' | 'when-needed' } = {}): string {
  return `${fields.map((field) => formatCsvField(field, options)).join(',')}\r\n`;
}
