import { deflateRawSync } from 'node:zlib';
import ExcelJS from 'exceljs';

export type SheetCells = ReadonlyArray<ReadonlyArray<string | number | boolean | undefined>>;

/** An .xlsx workbook made by exceljs from each sheet's rows (the first row the headings), as a spreadsheet program saves one. */
export async function buildWorkbook(sheets: Readonly<Record<string, SheetCells>>): Promise<Buffer> {
  const workbook = new ExcelJS.Workbook();
  for (const [name, rows] of Object.entries(sheets)) {
    const worksheet = workbook.addWorksheet(name);
    for (const row of rows) worksheet.addRow([...row]);
  }
  return Buffer.from(await workbook.xlsx.writeBuffer());
}

const EN = 'label::English (en)';
const CY = 'label::Welsh (cy)';

/**
 * An XLSForm in English and Welsh that uses what the import maps: a select_one whose answer
 * decides whether a group is asked (relevant), a note, select_multiple, an email constraint,
 * integer, date, a one-question repeat, multiline text, an image, and a metadata row.
 */
export const BOAT_XLSFORM = {
  survey: [
    ['type', 'name', EN, CY, 'hint::English (en)', 'hint::Welsh (cy)', 'required', 'relevant', 'appearance', 'constraint'],
    ['start', 'start'],
    ['select_one yes_no', 'owns_boat', 'Do you own a boat?', 'Oes gennych chi gwch?', undefined, undefined, 'yes'],
    ['begin_group', 'boat', 'Your boat', 'Eich cwch', undefined, undefined, undefined, "${owns_boat} = 'yes'"],
    ['text', 'boat_name', 'What is your boat called?', 'Beth yw enw eich cwch?', undefined, undefined, 'yes'],
    ['integer', 'boat_length', 'How long is your boat, in metres?', 'Pa mor hir yw eich cwch, mewn metrau?', 'Round up to the next metre', 'Talgrynnwch i fyny i’r metr nesaf', 'yes'],
    ['end_group'],
    ['note', 'rules', 'Read the fishing rules before you go on.', 'Darllenwch y rheolau pysgota cyn mynd ymlaen.'],
    ['select_multiple waters', 'waters', 'Where will you fish?', 'Ble byddwch chi’n pysgota?', undefined, undefined, 'yes'],
    ['text', 'email', 'What is your email address?', 'Beth yw eich cyfeiriad e-bost?', undefined, undefined, 'yes', undefined, undefined, "regex(., '^[^@]+@[^@]+$')"],
    ['date', 'start_date', 'When do you want to start?', 'Pryd ydych chi eisiau dechrau?', undefined, undefined, 'yes'],
    ['begin_repeat', 'helpers', 'Helpers', 'Cynorthwywyr'],
    ['text', 'helper_name', 'What is the name of someone who helps you?', 'Beth yw enw rhywun sy’n eich helpu?', undefined, undefined, 'yes'],
    ['end_repeat'],
    ['text', 'experience', 'Tell us about your experience', 'Dywedwch wrthym am eich profiad', undefined, undefined, 'no', undefined, 'multiline'],
    ['image', 'boat_photo', 'Upload a photo of your boat', 'Uwchlwythwch lun o’ch cwch', undefined, undefined, 'no'],
  ],
  choices: [
    ['list_name', 'name', EN, CY],
    ['yes_no', 'yes', 'Yes', 'Ie'],
    ['yes_no', 'no', 'No', 'Na'],
    ['waters', 'rivers', 'Rivers', 'Afonydd'],
    ['waters', 'lakes', 'Lakes', 'Llynnoedd'],
    ['waters', 'sea', 'The sea', 'Y môr'],
  ],
  settings: [
    ['form_title::English (en)', 'form_title::Welsh (cy)', 'form_id', 'version', 'default_language', 'privacy_url', 'what_happens_next::English (en)', 'what_happens_next::Welsh (cy)', 'support_email'],
    ['Register a fishing boat', 'Cofrestru cwch pysgota', 'register_fishing_boat', '2026120301', 'English (en)', 'https://example.gov.uk/privacy', 'We will reply within 10 working days.', 'Byddwn yn ateb o fewn 10 diwrnod gwaith.', 'boats@example.gov.uk'],
  ],
} as const satisfies Record<string, SheetCells>;

export type ZipEntry = { name: string; data: Buffer; deflate?: boolean; flags?: number; localOffset?: number };

/**
 * A zip archive written by hand, so a test can make what no spreadsheet program would: entries
 * that inflate far past their size, or that share their data, or that claim encryption.
 * `localOffset` points an entry's directory record at another entry's data.
 */
export function buildZip(entries: readonly ZipEntry[]): Buffer {
  const locals: Buffer[] = [];
  const directory: Buffer[] = [];
  const offsets: number[] = [];
  let offset = 0;
  for (const entry of entries) {
    const compressed = entry.deflate === false ? entry.data : deflateRawSync(entry.data, { level: 9 });
    const name = Buffer.from(entry.name);
    const header = Buffer.alloc(30);
    header.writeUInt32LE(0x04034b50, 0);
    header.writeUInt16LE(20, 4);
    header.writeUInt16LE(entry.flags ?? 0, 6);
    header.writeUInt16LE(entry.deflate === false ? 0 : 8, 8);
    header.writeUInt32LE(compressed.length, 18);
    header.writeUInt32LE(entry.data.length, 22);
    header.writeUInt16LE(name.length, 26);
    offsets.push(offset);
    locals.push(header, name, compressed);
    const record = Buffer.alloc(46);
    record.writeUInt32LE(0x02014b50, 0);
    record.writeUInt16LE(20, 4);
    record.writeUInt16LE(20, 6);
    record.writeUInt16LE(entry.flags ?? 0, 8);
    record.writeUInt16LE(entry.deflate === false ? 0 : 8, 10);
    record.writeUInt32LE(compressed.length, 20);
    record.writeUInt32LE(entry.data.length, 24);
    record.writeUInt16LE(name.length, 28);
    record.writeUInt32LE(entry.localOffset === undefined ? offset : (offsets[entry.localOffset] ?? 0), 42);
    directory.push(record, name);
    offset += header.length + name.length + compressed.length;
  }
  const directoryBytes = Buffer.concat(directory);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(entries.length, 8);
  end.writeUInt16LE(entries.length, 10);
  end.writeUInt32LE(directoryBytes.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, directoryBytes, end]);
}
