import { randomUUID } from 'node:crypto';
import type { Database } from '../../../platform/db/database.ts';
import { FILE_TYPES, MAX_FILE_MEGABYTES, type FormPage } from '../definition/form-definition.ts';
import type { FieldError, FileAnswer } from '../runner/answers.ts';
import { createAnswerFileStore } from './answer-file.store.ts';
import { FILE_KINDS, identifyFile } from './file-kinds.ts';
import type { FileScanner } from './file-scanner.ts';
import type { Upload } from './multipart-upload.ts';

const MEGABYTE = 1024 * 1024;
const FILENAME_LENGTH = 100;

/** The name a file is kept and shown under: its last path segment, without control characters, at most 100 characters (keeping the extension). */
function cleanFilename(filename: string): string {
  const base = (filename.split(/[\\/]/).at(-1) ?? '').replace(/[\u0000-\u001F\u007F"]/g, '').trim();
  if (base.length <= FILENAME_LENGTH) return base;
  const dot = base.lastIndexOf('.');
  const extension = dot > 0 && base.length - dot <= 10 ? base.slice(dot) : '';
  return base.slice(0, FILENAME_LENGTH - extension.length) + extension;
}

/**
 * Files given as answers: checked (size, kind by name and content, a scan) with the Design
 * System's error for each fault, then kept until the session ends or, once submitted, until the
 * form's retention period ends.
 */
export function createAnswerFiles(dependencies: { db: Database; scanner: FileScanner; clock?: () => Date }) {
  const { db, scanner } = dependencies;
  const clock = dependencies.clock ?? (() => new Date());
  const store = createAnswerFileStore(db);

  return {
    /** Checks and keeps an uploaded file for a question: the answer, or the error to show. */
    async accept(input: { page: FormPage; formId: string; upload: Upload; keepUntil: Date }): Promise<{ value: FileAnswer } | { error: FieldError }> {
      const { page, upload } = input;
      const allowed = page.settings?.fileTypes ?? [...FILE_TYPES];
      const maxMegabytes = page.settings?.maxSizeMb ?? MAX_FILE_MEGABYTES;
      const filename = cleanFilename(upload.filename);
      if (upload.tooLarge || upload.bytes.length > maxMegabytes * MEGABYTE) return { error: { field: 'answer', key: 'fileTooLarge', parameters: { max: `${maxMegabytes}MB` } } };
      if (upload.bytes.length === 0) return { error: { field: 'answer', key: 'fileEmpty' } };
      const kind = filename === '' ? undefined : await identifyFile({ filename, bytes: upload.bytes, allowed });
      if (!kind) return { error: { field: 'answer', key: 'fileType', parameters: { types: allowed.join(',') } } };
      const scanned = await scanner.scan(upload.bytes);
      if (scanned === 'infected') return { error: { field: 'answer', key: 'fileVirus' } };
      if (scanned === 'failed') return { error: { field: 'answer', key: 'fileUploadFailed' } };
      const now = clock();
      const value: FileAnswer = { fileId: randomUUID(), filename, size: upload.bytes.length, mediaType: FILE_KINDS[kind].mediaType };
      await store.insert({
        id: value.fileId,
        form_id: input.formId,
        submission_id: null,
        filename,
        media_type: value.mediaType,
        size: value.size,
        content: upload.bytes.toString('base64'),
        created_at: now.toISOString(),
        expires_at: input.keepUntil.toISOString(),
      });
      return { value };
    },

    /** Forgets a file the person replaced before submitting. */
    discard: (fileId: string) => store.removeUnsubmitted(fileId),

    find: (fileId: string) => store.find(fileId),
    listOfSubmission: (submissionId: string) => store.listOfSubmission(submissionId),
  };
}

export type AnswerFiles = ReturnType<typeof createAnswerFiles>;
