import { Readable } from 'node:stream';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { CivitasError } from '../../../platform/http/errors.ts';
import { requireTeamMember, teamMemberOf, teamPageChrome } from '../../../platform/http/team-access.ts';
import { findConsoleService } from '../../console/console.contract.ts';
import type { FormDefinition } from '../definition/form-definition.ts';
import type { AnswerFiles } from '../files/answer-files.ts';
import { sendAttachment } from '../files/team-downloads.routes.ts';
import { FormsError } from '../forms.errors.ts';
import { describeAnswer } from '../runner/answer-display.ts';
import type { Answers, FileAnswer } from '../runner/answers.ts';
import { textIn } from '../runner/question-view.ts';
import type { FormVersions } from '../versions/form-versions.ts';
import { streamSubmissionsCsv } from './submission-csv.ts';
import type { Submissions } from './submissions.ts';

const VIEWS = 'modules/forms/submissions/views';
const ID = { type: 'string', maxLength: 64, pattern: '^[A-Za-z0-9-]+$' } as const;
const formParams = { type: 'object', required: ['organisationId', 'formId'], properties: { organisationId: ID, formId: ID } } as const;
const submissionParams = { type: 'object', required: ['organisationId', 'formId', 'submissionId'], properties: { organisationId: ID, formId: ID, submissionId: ID } } as const;
const fileParams = { type: 'object', required: ['organisationId', 'formId', 'submissionId', 'fileId'], properties: { organisationId: ID, formId: ID, submissionId: ID, fileId: ID } } as const;
type FormParams = { Params: { organisationId: string; formId: string } };
type SubmissionParams = { Params: { organisationId: string; formId: string; submissionId: string } };
type SearchQuery = { Querystring: Record<string, unknown> };

/** Submissions a page. */
const PAGE_SIZE = 25;
/** The longest search: a reference or a few words of an answer. */
export const SEARCH_LIMIT = 100;
const LAST_PAGE = 10_000;

const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (character) => `&#${character.charCodeAt(0)};`);
const textOf = (query: Record<string, unknown>, name: string) => (typeof query[name] === 'string' ? (query[name] as string) : '');
const isFile = (value: unknown): value is FileAnswer => typeof value === 'object' && value !== null && 'fileId' in value;

/** The team's search as the page's form sent it: text (too long: an error on the field), new or done, the page. */
function readSearch(query: Record<string, unknown>) {
  const text = textOf(query, 'q').trim();
  const status = textOf(query, 'status');
  return {
    text,
    tooLong: text.length > SEARCH_LIMIT,
    status: status === 'new' || status === 'done' ? status : undefined,
    page: Math.max(1, Math.min(LAST_PAGE, Number.parseInt(textOf(query, 'page'), 10) || 1)),
  } as const;
}

/**
 * The team's submissions of a form in the console: a search (reference or answer text, new or
 * done) a page at a time, each submission's answers (with an eligibility check's evidence and
 * its files), marking one done or new again, and a download of the search's result (or all) as
 * CSV. For the members of the organisation whose service owns the form: viewers read and
 * download, owners and developers also mark; another organisation's form, or a submission of
 * another form, is not found. Marking and downloading are audited, never with the answers.
 */
export async function registerTeamSubmissionPages(app: FastifyInstance, dependencies: { versions: FormVersions; submissions: Submissions; files: AnswerFiles }): Promise<void> {
  const { versions, submissions, files } = dependencies;

  async function formOf(request: FastifyRequest<FormParams>) {
    const serviceId = await versions.findServiceId(request.params.formId);
    const service = serviceId ? await findConsoleService(app.db, serviceId) : undefined;
    if (service?.organisationId !== request.params.organisationId) throw new FormsError('forms.FORM_NOT_FOUND', 'There is no such form');
    return { definition: await versions.exportDefinition(request.params.formId) };
  }
  /** The submission, only when it is this form's (and the form this organisation's). */
  async function submissionOf(request: FastifyRequest<SubmissionParams>) {
    await formOf(request);
    const submission = await submissions.find(request.params.submissionId);
    const version = submission?.form_id === request.params.formId ? await versions.findVersion(submission.version_id) : undefined;
    if (!submission || !version) throw new FormsError('forms.FORM_NOT_FOUND', 'There is no such submission');
    return { submission, definition: version.definition };
  }
  const listPath = (params: FormParams['Params']) => `/console/forms/${params.organisationId}/forms/${params.formId}/submissions`;
  const chrome = (request: FastifyRequest<FormParams>) => teamPageChrome(request, { href: `/console/forms/${request.params.organisationId}`, text: request.t('forms.team.forms') });
  const languageOf = (request: FastifyRequest) => (request.locale === 'cy' ? 'cy' : 'en');
  const auditDetails = (request: FastifyRequest<FormParams>) => ({ ...teamMemberOf(request).auditDetails, form: request.params.formId });

  await app.register(async (pages) => {
    pages.addHook('onRequest', async (_request, reply) => {
      reply.header('cache-control', 'private, no-store');
    });
    pages.addHook('preHandler', requireTeamMember({ kind: 'organisation', idParam: 'organisationId' }));

    pages.get<FormParams & SearchQuery>('/console/forms/:organisationId/forms/:formId/submissions', { schema: { params: formParams } }, async (request, reply) => {
      const form = await formOf(request);
      const { t } = request;
      const language = languageOf(request);
      const search = readSearch(request.query);
      const found = search.tooLong
        ? { rows: [], total: 0 }
        : await submissions.search({ formId: request.params.formId, text: search.text, ...(search.status ? { status: search.status } : {}), offset: (search.page - 1) * PAGE_SIZE, limit: PAGE_SIZE });
      const rows = found.rows.map((submission) => {
        const answers = JSON.parse(submission.answers) as Answers;
        const check = form.definition.pages.find((page) => page.eligibilityCheck && answers[page.id]);
        const outcome = check ? answers[check.id]?.values[0] : undefined;
        return {
          reference: submission.reference,
          href: `${listPath(request.params)}/${submission.id}`,
          at: submission.created_at,
          done: submission.done_at !== null,
          paid: submission.payment_amount === null ? t('forms.team.notPaid') : `£${(submission.payment_amount / 100).toFixed(2)}`,
          eligibility: check && typeof outcome === 'string' ? textIn(check.settings?.options?.find((option) => option.value === outcome)?.label, language) : '-',
        };
      });
      const lastPage = Math.max(1, Math.ceil(found.total / PAGE_SIZE));
      const linkTo = (path: string, page?: number) => {
        const parameters = new URLSearchParams();
        if (search.text && !search.tooLong) parameters.set('q', search.text);
        if (search.status) parameters.set('status', search.status);
        if (page) parameters.set('page', String(page));
        const query = parameters.toString();
        return query ? `${path}?${query}` : path;
      };
      const error = search.tooLong ? t('forms.team.search.tooLong', { limit: SEARCH_LIMIT }) : undefined;
      return reply.code(error ? 400 : 200).render(`${VIEWS}/team-submissions.njk`, {
        ...chrome(request),
        pageTitle: t('forms.team.title', { form: textIn(form.definition.name, language) }),
        errors: error ? [{ text: error, href: '#q' }] : [],
        searchError: error ? { text: error } : undefined,
        action: listPath(request.params),
        search: { text: search.text, status: search.status ?? '' },
        searched: Boolean(search.text || search.status),
        statuses: ['', 'new', 'done'].map((status) => ({ value: status, text: t(`forms.team.status.${status || 'any'}`), selected: status === (search.status ?? '') })),
        summary: found.total === 1 ? t('forms.team.countOne') : t('forms.team.count', { total: found.total }),
        csvHref: linkTo(`${listPath(request.params)}.csv`),
        rows,
        pagination: {
          previous: search.page > 1 ? { href: linkTo(listPath(request.params), search.page - 1), text: t('forms.team.previous') } : undefined,
          next: search.page < lastPage ? { href: linkTo(listPath(request.params), search.page + 1), text: t('forms.team.next') } : undefined,
          landmarkLabel: t('forms.team.pagination'),
        },
      });
    });

    pages.get<FormParams & SearchQuery>('/console/forms/:organisationId/forms/:formId/submissions.csv', { schema: { params: formParams } }, async (request, reply) => {
      const form = await formOf(request);
      const search = readSearch(request.query);
      // The list page says what is wrong with the search, on its field.
      if (search.tooLong) return reply.redirect(`${listPath(request.params)}?${new URLSearchParams({ q: search.text, status: search.status ?? '' }).toString()}`, 303);
      const filter = { formId: request.params.formId, text: search.text, ...(search.status ? { status: search.status } : {}) };
      const { total } = await submissions.search({ ...filter, offset: 0, limit: 0 });
      // Who downloaded which form's submissions, and whether a search chose them: never what was searched, nor the answers.
      await app.audit.record({
        actor: teamMemberOf(request).actor,
        action: 'forms.submissions.downloaded',
        subject: `form:${request.params.formId}`,
        outcome: 'success',
        details: { ...auditDetails(request), searched: search.text !== '', status: search.status ?? 'any', submissions: total },
      });
      const definitions: FormDefinition[] = [];
      for (const version of [...(await versions.listVersions(request.params.formId))].reverse()) {
        const found = await versions.findVersion(version.id);
        if (found) definitions.push(found.definition);
      }
      if (definitions.length === 0) definitions.push(form.definition);
      const csv = streamSubmissionsCsv({
        definitions,
        rows: submissions.eachMatching(filter),
        definitionOf: async (versionId) => (await versions.findVersion(versionId))?.definition,
        fileLink: (submissionId, fileId) => `${app.config.BASE_URL}${listPath(request.params)}/${submissionId}/files/${fileId}`,
      });
      return sendAttachment(reply, { filename: `${form.definition.slug}-submissions.csv`, mediaType: 'text/csv; charset=utf-8', content: Readable.from(csv) });
    });

    pages.get<SubmissionParams & { Querystring: { marked?: string } }>(
      '/console/forms/:organisationId/forms/:formId/submissions/:submissionId',
      { schema: { params: submissionParams, querystring: { type: 'object', properties: { marked: { type: 'string', maxLength: 10 } } } } },
      async (request, reply) => {
        const { submission, definition } = await submissionOf(request);
        const language = languageOf(request);
        const answers = JSON.parse(submission.answers) as Answers;
        const base = `${listPath(request.params)}/${submission.id}`;
        const lineOf = (line: string, value: unknown) => (isFile(value) ? `<a class="govuk-link" href="${base}/files/${escapeHtml(value.fileId)}" download>${escapeHtml(line)}</a>` : escapeHtml(line));
        const rows = definition.pages
          .filter((page) => answers[page.id])
          .map((page) => ({
            key: { text: textIn(page.question, language) },
            value: { html: (answers[page.id]?.values ?? []).flatMap((value) => describeAnswer(page, value, language, request.t).map((line) => lineOf(line, value))).join('<br>') || escapeHtml(request.t('forms.notAnswered')) },
          }));
        const done = submission.done_at !== null;
        const marked = request.query.marked === 'done' || request.query.marked === 'new' ? request.t(`forms.team.marked.${request.query.marked}`) : undefined;
        return reply.render(`${VIEWS}/team-submission.njk`, {
          ...chrome(request),
          pageTitle: request.t('forms.team.submission', { reference: submission.reference }),
          rows,
          at: submission.created_at,
          done,
          doneAt: submission.done_at,
          marked,
          markAction: `${base}/status`,
          payment: submission.payment_reference ? request.t('forms.team.payment', { amount: `£${((submission.payment_amount ?? 0) / 100).toFixed(2)}`, reference: submission.payment_reference }) : undefined,
          backLink: listPath(request.params),
        });
      },
    );

    pages.post<SubmissionParams & { Body: Record<string, unknown> | undefined }>(
      '/console/forms/:organisationId/forms/:formId/submissions/:submissionId/status',
      { schema: { params: submissionParams } },
      async (request, reply) => {
        const { submission } = await submissionOf(request);
        // Read here, after the member and the submission are checked, so a stranger's bad body is a 404 too.
        const status = request.body?.status;
        if (status !== 'new' && status !== 'done') throw new CivitasError({ code: 'forms.INVALID_STATUS', statusCode: 400, message: 'A submission is marked new or done' });
        const done = status === 'done';
        const member = teamMemberOf(request);
        if (await submissions.mark({ id: submission.id, formId: request.params.formId, done, by: member.actor })) {
          await app.audit.record({
            actor: member.actor,
            action: done ? 'forms.submission.marked-done' : 'forms.submission.marked-new',
            subject: `form:${request.params.formId}`,
            outcome: 'success',
            details: { ...auditDetails(request), submission: submission.id },
          });
        }
        return reply.redirect(`${listPath(request.params)}/${submission.id}?marked=${status}`, 303);
      },
    );

    pages.get<{ Params: SubmissionParams['Params'] & { fileId: string } }>(
      '/console/forms/:organisationId/forms/:formId/submissions/:submissionId/files/:fileId',
      { schema: { params: fileParams } },
      async (request, reply) => {
        const { submission } = await submissionOf(request);
        const file = await files.find(request.params.fileId);
        if (!file || file.submission_id !== submission.id || file.expires_at <= new Date().toISOString()) throw new FormsError('forms.FILE_NOT_FOUND', 'There is no such file');
        await app.audit.record({
          actor: teamMemberOf(request).actor,
          action: 'forms.file.downloaded',
          subject: `form:${request.params.formId}`,
          outcome: 'success',
          details: { ...auditDetails(request), submission: submission.id, file: file.id },
        });
        return sendAttachment(reply, { filename: file.filename, mediaType: file.media_type, content: Buffer.from(file.content, 'base64') });
      },
    );
  });
}
