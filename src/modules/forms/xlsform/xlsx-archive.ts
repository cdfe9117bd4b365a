import { inflateRawSync } from 'node:zlib';

/**
 * The bounds an XLSForm workbook keeps to before any library reads it. A form of 200 questions
 * is tens of kilobytes; these leave room for Excel's styles and a picture or two.
 */
export const XLSX_LIMITS = {
  /** The .xlsx file itself. */
  bytes: 2_000_000,
  /** Every entry of the archive inflated, added up. */
  inflatedBytes: 8_000_000,
  entries: 200,
} as const;

const END_OF_CENTRAL_DIRECTORY = 0x06054b50;
const CENTRAL_DIRECTORY_ENTRY = 0x02014b50;
const LOCAL_FILE_HEADER = 0x04034b50;
/** The start of an OLE compound file: Excel 97-2003's .xls. */
const OLD_EXCEL_SIGNATURE = Buffer.from([0xd0, 0xcf, 0x11, 0xe0]);
const STORED = 0;
const DEFLATED = 8;
/** A 32-bit field of all ones means the real value is in a ZIP64 record, which no XLSForm needs. */
const ZIP64_MARKER = 0xffffffff;

function findEndOfCentralDirectory(bytes: Buffer): number | undefined {
  // The record is 22 bytes, followed by a comment of at most 65,535 bytes. Searched from the end, as JSZip does.
  const earliest = Math.max(0, bytes.length - 22 - 0xffff);
  for (let offset = bytes.length - 22; offset >= earliest; offset -= 1) {
    if (bytes.readUInt32LE(offset) === END_OF_CENTRAL_DIRECTORY) return offset;
  }
  return undefined;
}

/**
 * Why an .xlsx file is refused before it is read, or undefined when it is a zip archive within
 * XLSX_LIMITS. exceljs reads an .xlsx through JSZip, which inflates each entry whole into memory
 * whatever size the archive declares: a 300 KB file whose sheet inflates to 300 MB took 12 s and
 * over 1 GB to load. So each entry is inflated here first, by the same central directory JSZip
 * reads, with zlib stopping at what is left of the budget; declared sizes are not trusted, and
 * entries that share their data (an overlapping zip bomb) are each counted.
 */
export function findXlsxArchiveProblem(bytes: Buffer): string | undefined {
  if (bytes.length > XLSX_LIMITS.bytes) return `is larger than ${XLSX_LIMITS.bytes} bytes`;
  const notXlsx = (why: string) => `is not an .xlsx workbook (${why})`;
  const notZip = notXlsx('not a zip archive');
  if (bytes.subarray(0, 4).equals(OLD_EXCEL_SIGNATURE)) return 'is an Excel 97-2003 .xls workbook: save it as .xlsx';
  if (bytes.length < 22 || bytes.readUInt32LE(0) !== LOCAL_FILE_HEADER) return notZip;
  const end = findEndOfCentralDirectory(bytes);
  if (end === undefined) return notZip;
  const entries = bytes.readUInt16LE(end + 10);
  const directoryOffset = bytes.readUInt32LE(end + 16);
  if (entries === 0xffff || directoryOffset === ZIP64_MARKER) return 'is a ZIP64 archive, which an XLSForm never needs';
  if (entries > XLSX_LIMITS.entries) return `has more than ${XLSX_LIMITS.entries} files inside it`;
  let budget: number = XLSX_LIMITS.inflatedBytes;
  let offset = directoryOffset;
  for (let index = 0; index < entries; index += 1) {
    if (offset + 46 > bytes.length || bytes.readUInt32LE(offset) !== CENTRAL_DIRECTORY_ENTRY) return notXlsx('its zip directory is damaged');
    const flags = bytes.readUInt16LE(offset + 8);
    const method = bytes.readUInt16LE(offset + 10);
    const compressedSize = bytes.readUInt32LE(offset + 20);
    const nameLength = bytes.readUInt16LE(offset + 28);
    const localOffset = bytes.readUInt32LE(offset + 42);
    offset += 46 + nameLength + bytes.readUInt16LE(offset + 30) + bytes.readUInt16LE(offset + 32);
    if (flags & 1) return 'is encrypted (protected with a password): save it without one';
    if (compressedSize === ZIP64_MARKER || localOffset === ZIP64_MARKER) return 'is a ZIP64 archive, which an XLSForm never needs';
    if (method !== STORED && method !== DEFLATED) return 'uses a compression method other than deflate';
    if (localOffset + 30 > bytes.length || bytes.readUInt32LE(localOffset) !== LOCAL_FILE_HEADER) return notXlsx('its zip directory is damaged');
    const dataStart = localOffset + 30 + bytes.readUInt16LE(localOffset + 26) + bytes.readUInt16LE(localOffset + 28);
    if (dataStart + compressedSize > bytes.length) return notXlsx('it is cut short');
    const data = bytes.subarray(dataStart, dataStart + compressedSize);
    if (method === STORED) budget -= data.length;
    else {
      try {
        budget -= inflateRawSync(data, { maxOutputLength: Math.max(budget, 0) + 1 }).length;
      } catch (error) {
        if ((error as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE') budget = -1;
        else return notXlsx('a file inside it cannot be inflated');
      }
    }
    if (budget < 0) return `inflates to more than ${XLSX_LIMITS.inflatedBytes} bytes (a compressed "zip bomb" is refused)`;
  }
  return undefined;
}
