import type { FastifyInstance, FastifyRequest } from 'fastify';
import { clientAddressKey } from '../../../../platform/http/client-address.ts';
import {
  checkProblemReport,
  pageOfReport,
  PROBLEM_REPORT_LIMITS,
  type ProblemReportFault,
  type ProblemReportFields,
  type ProblemReports,
} from '../../problem-reports/problem-reports.ts';

const VIEWS = 'modules/site/pages/report-a-problem';
export const REPORT_A_PROBLEM_PATH = '/report-a-problem';

/** Far past every limit, so a long answer meets its field's error, never a 400 page. */
const FIELD_BACKSTOP = 100_000;
const formBody = {
  type: 'object',
  properties: Object.fromEntries(['whatDoing', 'whatWentWrong', 'email', 'page'].map((name) => [name, { type: 'string', maxLength: FIELD_BACKSTOP }])),
} as const;
type Form = { Body: Partial<ProblemReportFields> };
type PageQuery = { Querystring: { page?: string } };

/** The id on the page of each field, for the error summary's links. */
const FIELD_IDS = { whatDoing: 'what-doing', whatWentWrong: 'what-went-wrong', email: 'email' } as const;

function messageOf(t: FastifyRequest['t'], { field, fault }: ProblemReportFault): string {
  const limit = fault === 'tooLong' ? { max: PROBLEM_REPORT_LIMITS[field].toLocaleString('en-GB') } : undefined;
  return t(`site.reportAProblem.errors.${field}.${fault}`, limit);
}

/**
 * "Report a problem", which the phase banner links to from every page: what the person was doing,
 * what went wrong and, if they want a reply, their email address. The report is stored for the
 * operators (`civitas site problems`); what it says is never logged.
 */
export function registerReportAProblemPages(app: FastifyInstance, reports: ProblemReports): void {
  const formPage = (request: FastifyRequest, fields: ProblemReportFields, faults: readonly ProblemReportFault[], tooMany?: number) => {
    const { t } = request;
    const fieldErrors = Object.fromEntries(faults.map((fault) => [fault.field, messageOf(t, fault)]));
    const errors = faults.map((fault) => ({ text: fieldErrors[fault.field], href: `#${FIELD_IDS[fault.field]}` }));
    if (tooMany !== undefined) errors.push({ text: t('site.reportAProblem.errors.tooMany', { minutes: Math.ceil(tooMany / 60) }), href: `#${FIELD_IDS.whatWentWrong}` });
    return {
      pageTitle: t('site.reportAProblem.title'),
      limits: PROBLEM_REPORT_LIMITS,
      fields,
      fieldErrors,
      errors,
    };
  };

  app.get<PageQuery>(REPORT_A_PROBLEM_PATH, { schema: { querystring: { type: 'object', properties: { page: { type: 'string' } } } } }, async (request, reply) => {
    const fields = { whatDoing: '', whatWentWrong: '', email: '', page: pageOfReport(request.query.page) ?? '' };
    return reply.render(`${VIEWS}/report-a-problem.njk`, formPage(request, fields, []));
  });

  app.post<Form>(REPORT_A_PROBLEM_PATH, { schema: { body: formBody } }, async (request, reply) => {
    const body = request.body ?? {};
    const fields: ProblemReportFields = {
      whatDoing: (body.whatDoing ?? '').trim(),
      whatWentWrong: (body.whatWentWrong ?? '').trim(),
      email: (body.email ?? '').trim(),
      page: pageOfReport(body.page) ?? '',
    };
    const faults = checkProblemReport(fields);
    if (faults.length > 0) return reply.code(400).render(`${VIEWS}/report-a-problem.njk`, formPage(request, fields, faults));
    const outcome = await reports.send({ addressKey: clientAddressKey(request.ip), fields, language: request.locale });
    if (!outcome.sent) {
      request.log.warn('problem report refused: too many from one address');
      reply.header('retry-after', String(outcome.retryAfterSeconds));
      return reply.code(429).render(`${VIEWS}/report-a-problem.njk`, formPage(request, fields, [], outcome.retryAfterSeconds));
    }
    request.log.info({ problemReportId: outcome.id }, 'problem report stored');
    return reply.redirect(`${REPORT_A_PROBLEM_PATH}/sent`, 303);
  });

  app.get(`${REPORT_A_PROBLEM_PATH}/sent`, async (request, reply) =>
    reply.render(`${VIEWS}/report-sent.njk`, { pageTitle: request.t('site.reportAProblem.sent.title') }),
  );
}
