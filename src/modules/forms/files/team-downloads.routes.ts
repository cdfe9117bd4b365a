import type { Readable } from 'node:stream';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { FormsError } from '../forms.errors.ts';
import type { Answers } from '../runner/answers.ts';
import { composeSubmissionCsv } from '../submissions/submission-csv.ts';
import { paymentLineOf } from '../submissions/submission-email.ts';
import type { Submissions } from '../submissions/submissions.ts';
import type { FormVersions } from '../versions/form-versions.ts';
import type { AnswerFiles } from './answer-files.ts';
import type { TeamLinks } from './team-links.ts';

const UUID = { type: 'string', pattern: '^[0-9a-f-]{36}$' } as const;
const keyQuery = { type: 'object', required: ['key'], properties: { key: { type: 'string', maxLength: 100 } } } as const;

/** A download, never shown inline nor kept by a cache: the file's name made safe for the header, and as UTF-8. */
export function sendAttachment(reply: FastifyReply, input: { filename: string; mediaType: string; content: Buffer | string | Readable }) {
  return reply
    .header('content-type', input.mediaType)
    .header('content-disposition', `attachment; filename="${input.filename.replace(/[^\x20-\x7E]|["\\]/g, '_')}"; filename*=UTF-8''${encodeURIComponent(input.filename)}`)
    .header('cache-control', 'no-store')
    .send(input.content);
}

const notFound = () => new FormsError('forms.FILE_NOT_FOUND', 'There is no such file');

/**
 * What the links in the team's email fetch: a submitted file, and the answers as CSV. Always as
 * an attachment, never shown inline; each download audited; gone once retention deleted it.
 */
export function registerTeamDownloads(app: FastifyInstance, dependencies: { files: AnswerFiles; submissions: Submissions; versions: FormVersions; links: TeamLinks }): void {
  const { files, submissions, versions, links } = dependencies;
  const isLive = (expiresAt: string) => expiresAt > new Date().toISOString();

  app.get<{ Params: { fileId: string }; Querystring: { key: string } }>(
    '/forms/files/:fileId',
    { schema: { params: { type: 'object', required: ['fileId'], properties: { fileId: UUID } }, querystring: keyQuery } },
    async (request, reply) => {
      const { fileId } = request.params;
      const file = links.isFileKey(fileId, request.query.key) ? await files.find(fileId) : undefined;
      if (!file?.submission_id || !isLive(file.expires_at)) throw notFound();
      await app.audit.record({ actor: 'link', action: 'forms.file.downloaded', subject: `form:${file.form_id}`, outcome: 'success', details: { submission: file.submission_id, file: file.id } });
      return sendAttachment(reply, { filename: file.filename, mediaType: file.media_type, content: Buffer.from(file.content, 'base64') });
    },
  );

  app.get<{ Params: { submissionId: string }; Querystring: { key: string } }>(
    '/forms/submissions/:submissionId/answers.csv',
    { schema: { params: { type: 'object', required: ['submissionId'], properties: { submissionId: UUID } }, querystring: keyQuery } },
    async (request, reply) => {
      const { submissionId } = request.params;
      const submission = links.isAnswersCsvKey(submissionId, request.query.key) ? await submissions.find(submissionId) : undefined;
      const version = submission && isLive(submission.expires_at) ? await versions.findVersion(submission.version_id) : undefined;
      if (!submission || !version) throw notFound();
      await app.audit.record({ actor: 'link', action: 'forms.submission.csv-downloaded', subject: `form:${submission.form_id}`, outcome: 'success', details: { submission: submission.id } });
      const csv = composeSubmissionCsv({ definition: version.definition, reference: submission.reference, answers: JSON.parse(submission.answers) as Answers, submittedAt: submission.created_at, payment: paymentLineOf(submission) });
      return sendAttachment(reply, { filename: `${submission.reference}.csv`, mediaType: 'text/csv; charset=utf-8', content: csv });
    },
  );
}
