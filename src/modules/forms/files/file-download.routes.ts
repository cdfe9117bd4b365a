import type { FastifyInstance } from 'fastify';
import { FormsError } from '../forms.errors.ts';
import type { AnswerFiles } from './answer-files.ts';
import type { FileLinks } from './file-links.ts';

const params = { type: 'object', required: ['fileId'], properties: { fileId: { type: 'string', pattern: '^[0-9a-f-]{36}$' } } } as const;
const query = { type: 'object', required: ['key'], properties: { key: { type: 'string', maxLength: 100 } } } as const;

/** A submitted file for the team, through the link in their email: as an attachment, never shown inline. */
export function registerFileDownload(app: FastifyInstance, dependencies: { files: AnswerFiles; links: FileLinks }): void {
  app.get<{ Params: { fileId: string }; Querystring: { key: string } }>('/forms/files/:fileId', { schema: { params, querystring: query } }, async (request, reply) => {
    const { fileId } = request.params;
    const file = dependencies.links.isKeyOf(fileId, request.query.key) ? await dependencies.files.find(fileId) : undefined;
    if (!file?.submission_id || file.expires_at <= new Date().toISOString()) throw new FormsError('forms.FILE_NOT_FOUND', 'There is no such file');
    await app.audit.record({ actor: 'link', action: 'forms.file.downloaded', subject: `form:${file.form_id}`, outcome: 'success', details: { submission: file.submission_id, file: file.id } });
    return reply
      .header('content-type', file.media_type)
      .header('content-disposition', `attachment; filename="${file.filename.replace(/[^\x20-\x7E]|["\\]/g, '_')}"; filename*=UTF-8''${encodeURIComponent(file.filename)}`)
      .header('cache-control', 'no-store')
      .send(Buffer.from(file.content, 'base64'));
  });
}
