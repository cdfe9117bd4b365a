import ExcelJS from 'exceljs';
import type { XlsformProblem } from './xlsform-problems.ts';
import { findXlsxArchiveProblem } from './xlsx-archive.ts';

/** A row of a sheet: its number in the spreadsheet and its cells by column heading. */
export type SheetRow = { number: number; cells: ReadonlyMap<string, string> };
export type Sheet = { name: string; columns: readonly string[]; rows: readonly SheetRow[] };
export type XlsformSheets = { survey: Sheet; choices?: Sheet; settings?: Sheet };

/** Rows past these are refused: GOV.UK Forms-sized forms are far smaller (a form has at most 200 pages). */
export const SHEET_LIMITS = { surveyRows: 1_000, choicesRows: 10_000, settingsRows: 10, columns: 100, cellCharacters: 10_000 } as const;

const ROW_LIMITS: Readonly<Record<keyof XlsformSheets, number>> = { survey: SHEET_LIMITS.surveyRows, choices: SHEET_LIMITS.choicesRows, settings: SHEET_LIMITS.settingsRows };

/** Older names of columns that pyxform still reads (its aliases), as the names used here. */
const COLUMN_ALIASES: Readonly<Record<string, string>> = {
  caption: 'label',
  relevance: 'relevant',
  readonly: 'read_only',
  calculate: 'calculation',
  constraining_message: 'constraint_message',
  set_form_title: 'form_title',
  set_form_id: 'form_id',
};

/**
 * A column heading as XLSForm reads it: `list name` is `list_name`, the part before `::` is not
 * case-sensitive, and a language suffix (`label::Welsh (cy)`) is kept as written. A sheet with no
 * `::` heading at all uses the older single colon (`label:English`), as pyxform still reads it.
 */
export function normaliseHeading(heading: string, singleColon = false): string {
  const trimmed = heading.trim();
  const separator = trimmed.includes('::') || !singleColon || trimmed.toLowerCase().startsWith('jr:') ? '::' : ':';
  const [base = '', ...language] = trimmed.split(separator);
  const snake = base.trim().toLowerCase().replace(/\s+/g, '_');
  const name = COLUMN_ALIASES[snake] ?? snake;
  return language.length > 0 ? `${name}::${language.join(separator).trim()}` : name;
}

/** A cell as text: what the spreadsheet shows for a value, the result of a formula, the text of rich text or a link. */
function textOf(value: ExcelJS.CellValue): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (value instanceof Date) return value.toISOString().slice(0, 10);
  if ('richText' in value) return value.richText.map((part) => part.text).join('');
  if ('hyperlink' in value) return typeof value.text === 'string' ? value.text : '';
  if ('formula' in value || 'sharedFormula' in value) return value.result === undefined ? '' : textOf(value.result as ExcelJS.CellValue);
  return '';
}

function readSheet(worksheet: ExcelJS.Worksheet, maxRows: number, problems: XlsformProblem[]): Sheet {
  const sheet = worksheet.name.trim().toLowerCase();
  const rows: SheetRow[] = [];
  let columns: string[] = [];
  if (worksheet.actualRowCount > maxRows + 1) {
    problems.push({ sheet, message: `has ${worksheet.actualRowCount} rows: at most ${maxRows} (and a heading row) are taken` });
    return { name: sheet, columns, rows };
  }
  worksheet.eachRow((row) => {
    const texts: string[] = [];
    row.eachCell((cell, column) => {
      if (column > SHEET_LIMITS.columns) return;
      const text = textOf(cell.value).trim();
      if (text.length > SHEET_LIMITS.cellCharacters) problems.push({ sheet, row: row.number, message: `has a cell of more than ${SHEET_LIMITS.cellCharacters} characters` });
      else texts[column - 1] = text;
    });
    if (columns.length === 0) {
      const singleColon = !texts.some((heading) => heading?.includes('::'));
      columns = Array.from(texts, (heading) => normaliseHeading(heading ?? '', singleColon));
      const seen = new Set<string>();
      for (const heading of columns) {
        if (heading !== '' && seen.has(heading)) problems.push({ sheet, row: row.number, message: `has the column "${heading}" twice` });
        seen.add(heading);
      }
      return;
    }
    const cells = new Map<string, string>();
    texts.forEach((text, index) => {
      const heading = columns[index];
      if (text && heading) cells.set(heading, text);
    });
    if (cells.size > 0) rows.push({ number: row.number, cells });
  });
  if (worksheet.columnCount > SHEET_LIMITS.columns) problems.push({ sheet, message: `has ${worksheet.columnCount} columns: at most ${SHEET_LIMITS.columns} are taken` });
  return { name: sheet, columns, rows };
}

export type ReadWorkbook = { sheets: XlsformSheets; problems: [] } | { sheets?: undefined; problems: XlsformProblem[] };

/**
 * The survey, choices and settings sheets of an .xlsx XLSForm, read with exceljs once the archive
 * is known to be within its bounds; anything unreadable is a problem, never a crash.
 */
export async function readXlsformWorkbook(bytes: Buffer): Promise<ReadWorkbook> {
  const archiveProblem = findXlsxArchiveProblem(bytes);
  if (archiveProblem) return { problems: [{ sheet: 'workbook', message: archiveProblem }] };
  const workbook = new ExcelJS.Workbook();
  try {
    await workbook.xlsx.load(bytes as unknown as ArrayBuffer);
  } catch {
    return { problems: [{ sheet: 'workbook', message: 'is not an .xlsx workbook that can be read (its contents are damaged or not a spreadsheet)' }] };
  }
  const problems: XlsformProblem[] = [];
  const found = new Map<string, Sheet>();
  for (const worksheet of workbook.worksheets) {
    const name = worksheet.name.trim().toLowerCase() as keyof XlsformSheets;
    if (!(name in ROW_LIMITS)) continue;
    if (found.has(name)) problems.push({ sheet: name, message: 'is in the workbook twice' });
    else found.set(name, readSheet(worksheet, ROW_LIMITS[name], problems));
  }
  const survey = found.get('survey');
  if (!survey) problems.push({ sheet: 'workbook', message: 'has no "survey" sheet: an XLSForm needs one' });
  else if (survey.rows.length === 0 && problems.length === 0) problems.push({ sheet: 'survey', message: 'has no questions' });
  if (problems.length > 0 || !survey) return { problems };
  return { sheets: { survey, choices: found.get('choices'), settings: found.get('settings') }, problems: [] };
}
