import type { FastifyInstance, FastifyRequest } from 'fastify';
import { requireTeamMember, teamPageChrome } from '../../../platform/http/team-access.ts';
import { findConsoleService } from '../../console/console.contract.ts';
import { FormsError } from '../forms.errors.ts';
import { describeAnswer } from '../runner/answer-display.ts';
import type { Answers } from '../runner/answers.ts';
import { textIn } from '../runner/question-view.ts';
import type { FormVersions } from '../versions/form-versions.ts';
import type { Submissions } from './submissions.ts';

const VIEWS = 'modules/forms/submissions/views';
const ID = { type: 'string', maxLength: 64, pattern: '^[A-Za-z0-9-]+$' } as const;
const formParams = { type: 'object', required: ['organisationId', 'formId'], properties: { organisationId: ID, formId: ID } } as const;
const submissionParams = { type: 'object', required: ['organisationId', 'formId', 'submissionId'], properties: { organisationId: ID, formId: ID, submissionId: ID } } as const;
type FormParams = { Params: { organisationId: string; formId: string } };
type SubmissionParams = { Params: { organisationId: string; formId: string; submissionId: string } };

/**
 * The team's submissions of a form in the console, read-only: the list (reference, when, payment,
 * the answer to an eligibility check) and each submission's answers, with an eligibility check's
 * evidence. For the members of the organisation whose service owns the form; another
 * organisation's form, or a submission of another form, is not found.
 */
export async function registerTeamSubmissionPages(app: FastifyInstance, dependencies: { versions: FormVersions; submissions: Submissions }): Promise<void> {
  const { versions, submissions } = dependencies;

  async function formOf(request: FastifyRequest<FormParams>) {
    const serviceId = await versions.findServiceId(request.params.formId);
    const service = serviceId ? await findConsoleService(app.db, serviceId) : undefined;
    if (service?.organisationId !== request.params.organisationId) throw new FormsError('forms.FORM_NOT_FOUND', 'There is no such form');
    return { definition: await versions.exportDefinition(request.params.formId) };
  }
  const listPath = (params: FormParams['Params']) => `/console/forms/${params.organisationId}/forms/${params.formId}/submissions`;

  await app.register(async (pages) => {
    pages.addHook('onRequest', async (_request, reply) => {
      reply.header('cache-control', 'private, no-store');
    });
    pages.addHook('preHandler', requireTeamMember({ kind: 'organisation', idParam: 'organisationId' }));

    pages.get<FormParams>('/console/forms/:organisationId/forms/:formId/submissions', { schema: { params: formParams } }, async (request, reply) => {
      const form = await formOf(request);
      const { t } = request;
      const rows = (await submissions.listForForm(request.params.formId)).reverse().map((submission) => {
        const answers = JSON.parse(submission.answers) as Answers;
        const check = form.definition.pages.find((page) => page.eligibilityCheck && answers[page.id]);
        const outcome = check ? answers[check.id]?.values[0] : undefined;
        return {
          reference: submission.reference,
          href: `${listPath(request.params)}/${submission.id}`,
          at: submission.created_at,
          paid: submission.payment_amount === null ? t('forms.team.notPaid') : `£${(submission.payment_amount / 100).toFixed(2)}`,
          eligibility: check && typeof outcome === 'string' ? textIn(check.settings?.options?.find((option) => option.value === outcome)?.label, request.locale === 'cy' ? 'cy' : 'en') : '-',
        };
      });
      return reply.render(`${VIEWS}/team-submissions.njk`, {
        ...teamPageChrome(request, { href: `/console/forms/${request.params.organisationId}`, text: t('forms.team.forms') }),
        pageTitle: t('forms.team.title', { form: textIn(form.definition.name, request.locale === 'cy' ? 'cy' : 'en') }),
        rows,
      });
    });

    pages.get<SubmissionParams>('/console/forms/:organisationId/forms/:formId/submissions/:submissionId', { schema: { params: submissionParams } }, async (request, reply) => {
      await formOf(request);
      const submission = await submissions.find(request.params.submissionId);
      const version = submission?.form_id === request.params.formId ? await versions.findVersion(submission.version_id) : undefined;
      if (!submission || !version) throw new FormsError('forms.FORM_NOT_FOUND', 'There is no such submission');
      const language = request.locale === 'cy' ? 'cy' : 'en';
      const answers = JSON.parse(submission.answers) as Answers;
      const rows = version.definition.pages
        .filter((page) => answers[page.id])
        .map((page) => ({
          key: { text: textIn(page.question, language) },
          value: { html: (answers[page.id]?.values ?? []).flatMap((value) => describeAnswer(page, value, language, request.t)).map((line) => escapeHtml(line)).join('<br>') || request.t('forms.notAnswered') },
        }));
      return reply.render(`${VIEWS}/team-submission.njk`, {
        ...teamPageChrome(request, { href: `/console/forms/${request.params.organisationId}`, text: request.t('forms.team.forms') }),
        pageTitle: request.t('forms.team.submission', { reference: submission.reference }),
        rows,
        at: submission.created_at,
        payment: submission.payment_reference ? request.t('forms.team.payment', { amount: `£${((submission.payment_amount ?? 0) / 100).toFixed(2)}`, reference: submission.payment_reference }) : undefined,
        backLink: listPath(request.params),
      });
    });
  });
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (character) => `&#${character.charCodeAt(0)};`);
}
