import fastifyMultipart from '@fastify/multipart';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { CivitasError } from '../../../platform/http/errors.ts';
import { MAX_FILE_MEGABYTES } from '../definition/form-definition.ts';
import type { SubmittedFields } from '../runner/answers.ts';

/** A file as the browser sent it; `tooLarge` when it was past the largest any question takes (the rest was not kept). */
export type Upload = { filename: string; bytes: Buffer; tooLarge: boolean };

export const MAX_FILE_BYTES = MAX_FILE_MEGABYTES * 1024 * 1024;
/** Far past what a question page sends (a file, the CSRF token), and small enough to bound the work a request can cause. */
const LIMITS = { fileSize: MAX_FILE_BYTES, files: 1, fields: 30, fieldSize: 100_000, parts: 32, headerPairs: 50 } as const;

const uploads = new WeakMap<FastifyRequest, Upload>();

class UnreadableForm extends CivitasError {
  constructor() {
    super({ code: 'forms.UNREADABLE_FORM', statusCode: 400, message: 'The form could not be read' });
  }
}

async function readParts(request: FastifyRequest): Promise<SubmittedFields> {
  const fields: SubmittedFields = {};
  for await (const part of request.parts()) {
    if (part.type === 'file') {
      const chunks: Buffer[] = [];
      for await (const chunk of part.file) chunks.push(chunk as Buffer);
      // A file input left empty still sends a part, with no name and no content.
      if (part.filename !== '') uploads.set(request, { filename: part.filename, bytes: Buffer.concat(chunks), tooLarge: part.file.truncated });
      continue;
    }
    if (part.valueTruncated || typeof part.value !== 'string') throw new UnreadableForm();
    const before = fields[part.fieldname];
    fields[part.fieldname] = before === undefined ? part.value : [before, part.value].flat();
  }
  return fields;
}

/**
 * Lets the runner's pages take multipart/form-data (a file question's form), streamed through
 * @fastify/multipart within limits, in Forms' context only. The fields become the body, as a
 * urlencoded form's would (before the CSRF check reads it); the file waits for the route
 * (`takeUpload`). A body the parser cannot read, or one past a limit, is a 400 page, never a 500.
 */
export async function acceptMultipartForms(app: FastifyInstance): Promise<void> {
  await app.register(fastifyMultipart, { limits: LIMITS, throwFileSizeLimit: false });
  app.addHook('preValidation', async (request) => {
    if (!request.isMultipart()) return;
    try {
      request.body = await readParts(request);
    } catch (error) {
      if (error instanceof UnreadableForm) throw error;
      request.log.info({ reason: (error as { code?: string }).code ?? 'malformed' }, 'multipart form refused');
      throw new UnreadableForm();
    }
  });
}

/** The file the request carried, if any. */
export function takeUpload(request: FastifyRequest): Upload | undefined {
  return uploads.get(request);
}
