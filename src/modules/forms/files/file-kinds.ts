import { fileTypeFromBuffer } from 'file-type';
import type { FileType } from '../definition/form-definition.ts';

type FileKind = {
  /** How the Design System's error message names it ("must be a PDF, JPG or PNG"). */
  label: string;
  extensions: readonly string[];
  mediaType: string;
  /** The extension file-type gives for this content; none for plain text, which has no signature. */
  detectedAs?: string;
};

export const FILE_KINDS: Readonly<Record<FileType, FileKind>> = {
  pdf: { label: 'PDF', extensions: ['pdf'], mediaType: 'application/pdf', detectedAs: 'pdf' },
  jpg: { label: 'JPG', extensions: ['jpg', 'jpeg'], mediaType: 'image/jpeg', detectedAs: 'jpg' },
  png: { label: 'PNG', extensions: ['png'], mediaType: 'image/png', detectedAs: 'png' },
  docx: { label: 'DOCX', extensions: ['docx'], mediaType: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document', detectedAs: 'docx' },
  xlsx: { label: 'XLSX', extensions: ['xlsx'], mediaType: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet', detectedAs: 'xlsx' },
  odt: { label: 'ODT', extensions: ['odt'], mediaType: 'application/vnd.oasis.opendocument.text', detectedAs: 'odt' },
  csv: { label: 'CSV', extensions: ['csv'], mediaType: 'text/csv' },
  txt: { label: 'TXT', extensions: ['txt'], mediaType: 'text/plain' },
};

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** Text a person would open in a text editor: UTF-8, and no control characters beyond tab and line ends. */
function isPlainText(bytes: Buffer): boolean {
  try {
    return !/[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F]/.test(utf8.decode(bytes));
  } catch {
    return false;
  }
}

function extensionOf(filename: string): string {
  const dot = filename.lastIndexOf('.');
  return dot === -1 ? '' : filename.slice(dot + 1).toLowerCase();
}

/**
 * Which of the allowed kinds a file is: its name must say so and its content must agree (a
 * script renamed photo.jpg is not a JPG). Undefined when it is none of them.
 */
export async function identifyFile(input: { filename: string; bytes: Buffer; allowed: readonly FileType[] }): Promise<FileType | undefined> {
  const extension = extensionOf(input.filename);
  const named = input.allowed.find((type) => FILE_KINDS[type].extensions.includes(extension));
  if (!named) return undefined;
  const detected = await fileTypeFromBuffer(input.bytes);
  const expected = FILE_KINDS[named].detectedAs;
  if (expected) return detected?.ext === expected ? named : undefined;
  return detected === undefined && isPlainText(input.bytes) ? named : undefined;
}

/** "PDF, JPG or PNG" (Welsh: "neu"), as the Design System's message lists the kinds. */
export function listFileKinds(types: readonly FileType[], or: string): string {
  const labels = types.map((type) => FILE_KINDS[type].label);
  return labels.length <= 1 ? (labels[0] ?? '') : `${labels.slice(0, -1).join(', ')} ${or} ${labels.at(-1)}`;
}
