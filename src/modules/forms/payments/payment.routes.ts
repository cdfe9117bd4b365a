import type { FastifyInstance } from 'fastify';
import type { SubmitJourney } from '../runner/journey-end.routes.ts';
import { FormNotFound, loadContext, pageContext, redirectUnlessReached, slugParams, urlOf, type RunnerDependencies } from '../runner/runner-context.ts';
import type { FormPayments } from './form-payments.ts';

const VIEWS = 'modules/forms/payments/views';
const returnParams = {
  type: 'object',
  required: ['slug', 'token'],
  properties: { slug: slugParams.properties.slug, token: { type: 'string', maxLength: 64, pattern: '^[A-Za-z0-9_-]+$' } },
} as const;

/**
 * Where Pay sends the person back (`/forms/{slug}/payment/{token}`), and the page that lets them
 * try again. The submission is made here only once Pay says the payment succeeded.
 */
export function registerPaymentPages(app: FastifyInstance, dependencies: RunnerDependencies & { payments: FormPayments; submitJourney: SubmitJourney }): void {
  const { payments, submitJourney } = dependencies;

  app.get<{ Params: { slug: string; token: string } }>('/forms/:slug/payment/:token', { schema: { params: returnParams } }, async (request, reply) => {
    // A person who paid finishes (their submission is made) even if the form was taken down meanwhile.
    const context = await loadContext(dependencies, request, request.params.slug, { finishTakenDown: true });
    const settled = await payments.settle({ token: request.params.token, session: context.session, formId: context.version.formId });
    // Another person's, another form's or a made-up return address opens nothing.
    if (settled.kind === 'refused' || !context.session) throw new FormNotFound();
    if (context.session.submissionId) return reply.redirect(urlOf(context.slug, { state: 'submitted' }), 303);
    if (settled.kind === 'not-taken') return reply.redirect(`/forms/${context.slug}/payment-not-taken`, 303);
    if (settled.kind === 'in-progress') {
      return reply.render(`${VIEWS}/payment-not-taken.njk`, pageContext(context, request.t('forms.payment.inProgressTitle'), { inProgress: true, tryAgain: `/forms/${context.slug}/check-answers` }));
    }
    const redirect = redirectUnlessReached(context, { state: 'check-answers' });
    if (redirect) return reply.redirect(redirect, 303);
    await submitJourney(context, context.session, settled.payment);
    return reply.redirect(urlOf(context.slug, { state: 'submitted' }), 303);
  });

  app.get<{ Params: { slug: string } }>('/forms/:slug/payment-not-taken', { schema: { params: slugParams } }, async (request, reply) => {
    const context = await loadContext(dependencies, request, request.params.slug);
    const redirect = redirectUnlessReached(context, { state: 'check-answers' });
    if (redirect) return reply.redirect(redirect, 303);
    return reply.render(`${VIEWS}/payment-not-taken.njk`, pageContext(context, request.t('forms.payment.notTakenTitle'), { tryAgain: `/forms/${context.slug}/check-answers`, backLink: `/forms/${context.slug}/check-answers` }));
  });
}
