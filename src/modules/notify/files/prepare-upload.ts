import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { badRequest } from '../notify.errors.ts';
import type { FileRow } from './file.store.ts';

/**
 * Files sent by email: a personalisation value made by the client's `prepareUpload`,
 * `{file: base64, filename, confirm_email_before_download, retention_period}`, becomes a link to
 * a download page. The file is kept until its retention period (26 weeks by default) ends.
 */
export const FILE_MAX_BYTES = 2 * 1024 * 1024;
const DEFAULT_RETENTION_WEEKS = 26;
const WEEK_MS = 7 * 24 * 60 * 60 * 1000;

type Upload = { file: string; filename?: unknown; confirm_email_before_download?: unknown; retention_period?: unknown };

export function isUpload(value: unknown): value is Upload {
  return value !== null && typeof value === 'object' && !Array.isArray(value) && typeof (value as Upload).file === 'string';
}

export function hashFileToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

function parseRetention(value: unknown): number {
  if (value === undefined || value === null) return DEFAULT_RETENTION_WEEKS;
  const match = typeof value === 'string' ? /^\s*(\d+)\s+weeks?\s*$/i.exec(value) : null;
  const weeks = match ? Number(match[1]) : Number.NaN;
  if (!(weeks >= 1 && weeks <= 78)) {
    throw badRequest(`Unsupported value for retention_period '${String(value)}'. Supported periods are from 1 to 78 weeks.`);
  }
  return weeks;
}

function parseFilename(value: unknown): string | null {
  if (value === undefined || value === null) return null;
  if (typeof value !== 'string' || value.trim() === '') throw badRequest('filename must be a string');
  const filename = value.trim();
  if (filename.length > 100) throw badRequest('`filename` cannot be longer than 100 characters');
  if (!/\.[A-Za-z0-9]{1,10}$/.test(filename)) throw badRequest('`filename` must end with a file extension. For example, filename.csv');
  return filename.replace(/[\\/\r\n"]/g, '_');
}

/** Turns every upload in the personalisation into a file row and a download link. */
export function prepareUploads(input: {
  personalisation: Record<string, unknown>;
  serviceId: string;
  notificationId: string;
  recipientEmail: string;
  baseUrl: string;
  now: Date;
}): { personalisation: Record<string, unknown>; files: FileRow[] } {
  const files: FileRow[] = [];
  // Built from entries, which define keys: a key named __proto__ is a key like any other.
  const personalisation: Array<[string, unknown]> = [];
  for (const [key, value] of Object.entries(input.personalisation)) {
    if (!isUpload(value)) {
      personalisation.push([key, value]);
      continue;
    }
    const content = value.file.replace(/\s+/g, '');
    if (!/^[A-Za-z0-9+/]*={0,2}$/.test(content) || content.length % 4 !== 0) throw badRequest('File did not pass the virus scan');
    const bytes = Buffer.from(content, 'base64');
    if (bytes.length === 0) throw badRequest('File is empty');
    if (bytes.length > FILE_MAX_BYTES) throw badRequest('File is larger than 2MB');
    const confirm = value.confirm_email_before_download;
    if (confirm !== undefined && confirm !== null && typeof confirm !== 'boolean') {
      throw badRequest('Unsupported value for confirm_email_before_download: must be true or false');
    }
    const weeks = parseRetention(value.retention_period);
    const id = randomUUID();
    const token = randomBytes(24).toString('base64url');
    files.push({
      id,
      service_id: input.serviceId,
      notification_id: input.notificationId,
      token_hash: hashFileToken(token),
      filename: parseFilename(value.filename),
      content,
      confirm_email: confirm === false ? 0 : 1,
      recipient_email: input.recipientEmail.trim().toLowerCase(),
      expires_at: new Date(input.now.getTime() + weeks * WEEK_MS).toISOString(),
      created_at: input.now.toISOString(),
    });
    personalisation.push([key, `${input.baseUrl}/notify/files/${id}?key=${token}`]);
  }
  return { personalisation: Object.fromEntries(personalisation), files };
}
