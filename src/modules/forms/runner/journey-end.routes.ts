import type { FastifyInstance } from 'fastify';
import type { Translate } from '../../../platform/http/i18n.ts';
import { DEFAULT_RETENTION_DAYS, type FormPage, type FormSettings } from '../definition/form-definition.ts';
import type { FormPayments } from '../payments/form-payments.ts';
import { formatPence } from '../payments/pence.ts';
import type { SubmissionPayment, Submissions } from '../submissions/submissions.ts';
import type { RunnerSession } from './runner-sessions.ts';
import { describeAnswer } from './answer-display.ts';
import type { FormInsight } from './form-insight.ts';
import { renderGuidance } from './guidance-markdown.ts';
import { textIn, type Language } from './question-view.ts';
import type { Answers } from './answers.ts';
import {
  auditActorOf,
  clearSessionCookie,
  exitParams,
  loadContext,
  pageContext,
  redirectUnlessReached,
  slugParams,
  stepBackTo,
  urlOf,
  VIEWS,
  type RunnerContext,
  type RunnerDependencies,
} from './runner-context.ts';

/** Submits the person's journey (with the payment that paid for it): one submission per session, however often it is called. */
export function createJourneySubmitter(app: FastifyInstance, submissions: Submissions, insight?: FormInsight) {
  const submitted = app.metrics.counter({ name: 'civitas_forms_submissions_total', help: 'Forms submitted (created), and submits again of a form already submitted (replayed)', labelNames: ['outcome'] });
  return async (context: RunnerContext, session: RunnerSession, payment?: SubmissionPayment): Promise<void> => {
    const { settings } = context.definition;
    const { created, reference } = await submissions.submit({
      session,
      definition: context.definition,
      answers: context.answers,
      referenceFormat: settings.referenceFormat,
      retentionDays: settings.retentionDays ?? DEFAULT_RETENTION_DAYS,
      language: context.language,
      sendWebhook: settings.webhookUrl !== undefined,
      ...(payment ? { payment } : {}),
    });
    submitted.inc({ outcome: created ? 'created' : 'replayed' });
    if (created) {
      await app.audit.record({ actor: auditActorOf(session), action: 'forms.submission.submitted', subject: `form:${context.version.formId}`, outcome: 'success', details: { reference, paid: payment !== undefined } });
      await insight?.submitted(context.version.formId, session.idHash);
    }
  };
}

export type SubmitJourney = ReturnType<typeof createJourneySubmitter>;

/**
 * What check your answers shows: each page on the route with its answers and a change link, the
 * declaration and the amount to pay. The runner's page and the builder's preview draw it alike.
 */
export function describeCheckAnswers(input: { settings: Partial<FormSettings>; route: readonly FormPage[]; answers: Answers; language: Language; t: Translate; changeHref: (page: FormPage, answered: boolean) => string }) {
  const { settings, language, t } = input;
  return {
    rows: input.route.map((page) => {
      const values = input.answers[page.id]?.values ?? [];
      return {
        question: textIn(page.question, language),
        answers: values.length === 0 ? [[t('forms.notAnswered')]] : values.map((value) => describeAnswer(page, value, language, t)),
        href: input.changeHref(page, values.length > 0),
      };
    }),
    declarationHtml: settings.declaration ? renderGuidance(textIn(settings.declaration, language)) : undefined,
    paymentAmount: settings.payment ? formatPence(settings.payment.amount) : undefined,
  };
}

/** What the confirmation page shows: the reference, a payment, what happens next and where to get help. The runner's page and the builder's preview draw it alike. */
export function describeConfirmation(input: { settings: Partial<FormSettings>; language: Language; reference: string; serviceId: string | undefined; payment?: { reference: string; amount: number }; startAgain: string }) {
  const { settings, language } = input;
  const support = settings.support ?? {};
  return {
    reference: input.reference,
    // Insight's satisfaction question, as GOV.UK services link to theirs from the confirmation page.
    feedbackHref: input.serviceId ? `/feedback/${encodeURIComponent(input.serviceId)}` : undefined,
    payment: input.payment ? { reference: input.payment.reference, amount: formatPence(input.payment.amount) } : undefined,
    whatHappensNextHtml: renderGuidance(textIn(settings.whatHappensNext, language)),
    support: {
      email: support.email,
      phone: support.phone ? textIn(support.phone, language) : undefined,
      url: support.url,
      urlText: support.urlText ? textIn(support.urlText, language) : support.url,
    },
    privacyUrl: settings.privacyUrl,
    startAgain: input.startAgain,
  };
}

/** The start of a form, check your answers (with the declaration), exit pages and the confirmation. */
export function registerJourneyEndPages(app: FastifyInstance, dependencies: RunnerDependencies & { submissions: Submissions; payments: FormPayments; submitJourney: SubmitJourney }): void {
  const { submissions, payments, submitJourney } = dependencies;

  // The form's address: where the person is, or, after submitting, a fresh start.
  app.get<{ Params: { slug: string } }>('/forms/:slug', { schema: { params: slugParams } }, async (request, reply) => {
    const context = await loadContext(dependencies, request, request.params.slug);
    if (context.session?.submissionId) {
      clearSessionCookie(reply, context.slug);
      const first = context.definition.pages[0];
      return reply.redirect(urlOf(context.slug, { state: 'question', pageId: first?.id ?? '' }), 303);
    }
    return reply.redirect(urlOf(context.slug, context.journey.current), 303);
  });

  app.get<{ Params: { slug: string } }>('/forms/:slug/check-answers', { schema: { params: slugParams } }, async (request, reply) => {
    const context = await loadContext(dependencies, request, request.params.slug);
    const redirect = redirectUnlessReached(context, { state: 'check-answers' });
    if (redirect) return reply.redirect(redirect, 303);
    const { t } = request;
    const lastPage = context.journey.route.at(-1);
    const back = stepBackTo(lastPage, context.answers);
    return reply.render(`${VIEWS}/check-answers.njk`, pageContext(context, t('forms.checkAnswers.title'), {
      ...describeCheckAnswers({
        settings: context.definition.settings,
        route: context.journey.route,
        answers: context.answers,
        language: context.language,
        t,
        changeHref: (page, answered) => urlOf(context.slug, page.repeatable && answered ? { state: 'add-another', pageId: page.id } : { state: 'question', pageId: page.id }, { change: true }),
      }),
      ...(back ? { backLink: urlOf(context.slug, back) } : {}),
    }));
  });

  app.post<{ Params: { slug: string } }>('/forms/:slug/check-answers', { schema: { params: slugParams } }, async (request, reply) => {
    const context = await loadContext(dependencies, request, request.params.slug);
    const redirect = redirectUnlessReached(context, { state: 'check-answers' });
    if (redirect) return reply.redirect(redirect, 303);
    if (!context.session) return reply.redirect(urlOf(context.slug, context.journey.current), 303);
    const { settings } = context.definition;
    if (settings.payment) {
      // Paid already, on a return that found the answers incomplete: that payment pays for this.
      const paid = await payments.findUnused(context.session);
      if (!paid) {
        const nextUrl = await payments.start({ session: context.session, slug: context.slug, setting: settings.payment, referenceFormat: settings.referenceFormat, language: context.language });
        await app.audit.record({ actor: auditActorOf(context.session), action: 'forms.payment.started', subject: `form:${context.version.formId}`, outcome: 'success', details: { amount: settings.payment.amount } });
        return reply.redirect(nextUrl, 303);
      }
      await submitJourney(context, context.session, paid);
    } else {
      await submitJourney(context, context.session);
    }
    return reply.redirect(urlOf(context.slug, { state: 'submitted' }), 303);
  });

  app.get<{ Params: { slug: string } }>('/forms/:slug/confirmation', { schema: { params: slugParams } }, async (request, reply) => {
    const context = await loadContext(dependencies, request, request.params.slug);
    const submission = context.session?.submissionId ? await submissions.findBySession(context.session) : undefined;
    if (!submission) return reply.redirect(urlOf(context.slug, context.journey.current), 303);
    const serviceId = await dependencies.versions.findServiceId(context.version.formId);
    return reply.render(`${VIEWS}/confirmation.njk`, pageContext(context, request.t('forms.confirmation.title'), describeConfirmation({
      settings: context.definition.settings,
      language: context.language,
      reference: submission.reference,
      serviceId,
      payment: submission.payment_reference ? { reference: submission.payment_reference, amount: submission.payment_amount ?? 0 } : undefined,
      startAgain: `/forms/${context.slug}`,
    })));
  });

  app.get<{ Params: { slug: string; exitId: string } }>('/forms/:slug/exit/:exitId', { schema: { params: exitParams } }, async (request, reply) => {
    const context = await loadContext(dependencies, request, request.params.slug);
    const redirect = redirectUnlessReached(context, { state: 'exit', exitId: request.params.exitId });
    if (redirect) return reply.redirect(redirect, 303);
    const exit = context.definition.exitPages.find((candidate) => candidate.id === request.params.exitId);
    if (!exit) return reply.redirect(urlOf(context.slug, context.journey.current), 303);
    const back = stepBackTo(context.journey.route.at(-1), context.answers);
    return reply.render(`${VIEWS}/exit.njk`, pageContext(context, textIn(exit.heading, context.language), {
      bodyHtml: renderGuidance(textIn(exit.body, context.language)),
      ...(back ? { backLink: urlOf(context.slug, back) } : {}),
    }));
  });
}
