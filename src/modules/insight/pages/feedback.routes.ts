import type { FastifyInstance, FastifyRequest } from 'fastify';
import { clientAddressKey } from '../../../platform/http/client-address.ts';
import type { AddressRateLimit, KeyedRateLimit } from '../../../platform/rate-limit/rate-limit.ts';
import { findConsoleService } from '../../console/console.contract.ts';
import { MAX_COMMENT_LENGTH, type Insight } from '../insight.ts';

const VIEWS = 'modules/insight/pages';
export const FEEDBACK_PATH = '/feedback';
const SERVICE_ID = /^[A-Za-z0-9-]{1,64}$/;
const RATINGS = ['5', '4', '3', '2', '1'] as const;
/** Far past the comment's limit, so a long comment meets its field's error, never a 400 page. */
const FIELD_BACKSTOP = 100_000;
const formBody = { type: 'object', properties: { rating: { type: 'string', maxLength: 10 }, comment: { type: 'string', maxLength: FIELD_BACKSTOP } } } as const;
type Params = { serviceId: string };

/**
 * "Give feedback on SERVICE": GOV.UK's five-point satisfaction question and a comment box, linked
 * from a service's confirmation pages. The rating counts towards the service's user satisfaction;
 * the comment is kept for the team and never published, logged or audited.
 */
export function registerFeedbackPages(app: FastifyInstance, dependencies: { insight: Insight; rateLimit: AddressRateLimit; dailyLimit: KeyedRateLimit }): void {
  const { insight, rateLimit, dailyLimit } = dependencies;

  async function serviceOf(serviceId: string) {
    return SERVICE_ID.test(serviceId) ? findConsoleService(app.db, serviceId) : undefined;
  }

  function formPage(request: FastifyRequest, serviceLabel: string, fields: { rating: string; comment: string }, errors: { rating?: string; comment?: string; tooMany?: string } = {}) {
    const { t } = request;
    const summary = [
      ...(errors.rating ? [{ text: errors.rating, href: '#rating' }] : []),
      ...(errors.comment ? [{ text: errors.comment, href: '#comment' }] : []),
      ...(errors.tooMany ? [{ text: errors.tooMany, href: '#rating' }] : []),
    ];
    return {
      pageTitle: t('insight.feedback.title', { service: serviceLabel }),
      ratings: RATINGS.map((value) => ({ value, text: t(`insight.feedback.ratings.${value}`), checked: fields.rating === value })),
      fields,
      fieldErrors: errors,
      errors: summary,
      maxComment: MAX_COMMENT_LENGTH,
    };
  }

  app.get<{ Params: Params }>(`${FEEDBACK_PATH}/:serviceId`, async (request, reply) => {
    const service = await serviceOf(request.params.serviceId);
    if (!service) return reply.callNotFound();
    return reply.render(`${VIEWS}/feedback.njk`, formPage(request, service.name, { rating: '', comment: '' }));
  });

  app.post<{ Params: Params; Body: { rating?: string; comment?: string } }>(`${FEEDBACK_PATH}/:serviceId`, { schema: { body: formBody } }, async (request, reply) => {
    const service = await serviceOf(request.params.serviceId);
    if (!service) return reply.callNotFound();
    const { t } = request;
    const fields = { rating: request.body?.rating ?? '', comment: (request.body?.comment ?? '').trim() };
    const errors = {
      ...((RATINGS as readonly string[]).includes(fields.rating) ? {} : { rating: t('insight.feedback.errors.rating') }),
      ...(fields.comment.length > MAX_COMMENT_LENGTH ? { comment: t('insight.feedback.errors.commentTooLong', { max: MAX_COMMENT_LENGTH.toLocaleString('en-GB') }) } : {}),
    };
    if (Object.keys(errors).length > 0) return reply.code(400).render(`${VIEWS}/feedback.njk`, formPage(request, service.name, fields, errors));
    // Ratings are anonymous: what keeps one address from outweighing a service's real users is
    // a limit per address in any ten minutes and a smaller one per address and service each day.
    const decision = await rateLimit.take(request.ip);
    const today = decision.allowed ? await dailyLimit.take(`${clientAddressKey(request.ip)}|${service.id}`) : decision;
    if (!today.allowed) {
      reply.header('retry-after', String(today.retryAfterSeconds));
      const problem = decision.allowed ? t('insight.feedback.errors.tooManyToday') : t('insight.feedback.errors.tooMany', { minutes: Math.ceil(today.retryAfterSeconds / 60) });
      return reply.code(429).render(`${VIEWS}/feedback.njk`, formPage(request, service.name, fields, { tooMany: problem }));
    }
    await insight.recordFeedback({ serviceId: service.id, rating: Number(fields.rating), comment: fields.comment });
    return reply.redirect(`${FEEDBACK_PATH}/${service.id}/sent`, 303);
  });

  app.get<{ Params: Params }>(`${FEEDBACK_PATH}/:serviceId/sent`, async (request, reply) => {
    const service = await serviceOf(request.params.serviceId);
    if (!service) return reply.callNotFound();
    return reply.render(`${VIEWS}/feedback-sent.njk`, { pageTitle: request.t('insight.feedback.sent.title'), serviceLabel: service.name });
  });
}
