import { createHash } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { createKeyedRateLimit } from '../../../platform/rate-limit/rate-limit.ts';
import type { SecretBoxes } from '../../../platform/secrets/secret-box.ts';
import { callAsDemoCouncil, findAgreementInForce, readConsentAnswer, type ConsentAnswer, type ExchangeAnswer } from '../../exchange/exchange.contract.ts';
import type { EligibilityCheck, EligibilityOutcome, FormDefinition, FormPage } from '../definition/form-definition.ts';
import type { Answers, EligibilityEvidence, EligibilityReason } from './answers.ts';
import { describeEvidence } from './answer-display.ts';
import { renderGuidance } from './guidance-markdown.ts';
import { describeJourney, keepAnswersOnRoute, previousPageOf, stepAfter } from './journey.ts';
import { textIn } from './question-view.ts';
import { auditActorOf, loadContext, pageContext, pageParams, redirectUnlessReached, stepBackTo, urlOf, VIEWS, type RunnerContext, type RunnerDependencies } from './runner-context.ts';

/** The most of a service's answer kept as evidence: the agreed fields of a small record. */
const MAX_EVIDENCE_CHARACTERS = 2_000;
/**
 * Checks that found no record (reference, date of birth and name not matching one record) a
 * signed-in person may make in a day: enough for typing mistakes, too few to guess the date of
 * birth that goes with someone else's reference.
 */
export const FAILED_MATCHES_PER_DAY = 5;
const answerQuery = {
  type: 'object',
  properties: { state: { type: 'string', maxLength: 300 }, result: { type: 'string', maxLength: 20 }, consent_id: { type: 'string', maxLength: 100 }, consent_token: { type: 'string', maxLength: 4_000 } },
} as const;
type AnswerQuery = { Params: { slug: string; pageId: string }; Querystring: { state?: string; consent_token?: string } };
type PageRoute = { Params: { slug: string; pageId: string } };

export type EligibilityDependencies = RunnerDependencies & { secrets: SecretBoxes; failedMatchesPerDay?: number };

/** The page's field at a JSON path such as `$.rate.mobility`, as text; undefined when absent. */
function fieldAt(body: unknown, path: string): string | undefined {
  let value: unknown = body;
  for (const key of path.slice(2).split('.')) value = value !== null && typeof value === 'object' ? (value as Record<string, unknown>)[key] : undefined;
  return value === undefined || value === null ? undefined : String(value);
}

/** What the service's answer says: qualifying when every condition holds. */
export function judgeAnswer(check: EligibilityCheck, body: unknown): 'qualifying' | 'not-qualifying' {
  return check.eligibleWhen.every((condition) => condition.oneOf.includes(fieldAt(body, condition.field) ?? '')) ? 'qualifying' : 'not-qualifying';
}

/** What the call's answer means for the person: the service's answer judged, or why there is none. */
function reasonOfCall(check: EligibilityCheck, answer: ExchangeAnswer): EligibilityReason {
  if (answer.status === 200) return judgeAnswer(check, answer.body);
  if (answer.status === 404 && answer.errorType === null) return 'no-award';
  if (answer.errorType === 'Server.ServerProxy.AccessDenied') return 'consent-withdrawn';
  return 'exchange-failed';
}

function keptAward(body: unknown): Record<string, unknown> | undefined {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) return undefined;
  return JSON.stringify(body).length <= MAX_EVIDENCE_CHARACTERS ? (body as Record<string, unknown>) : undefined;
}

/**
 * The answers with every eligibility check whose reference answer changed taken out: its evidence
 * was about the old reference, so the check is asked again (and the pages after it wait for it).
 */
export function dropStaleChecks(definition: FormDefinition, before: Answers, after: Answers): Answers {
  const changed = (pageId: string | undefined) => pageId !== undefined && JSON.stringify(before[pageId]?.values) !== JSON.stringify(after[pageId]?.values);
  const stale = definition.pages.filter((page) => page.eligibilityCheck && after[page.id] && [page.eligibilityCheck.referencePage, page.eligibilityCheck.dateOfBirthPage, page.eligibilityCheck.namePage].some(changed));
  return stale.length === 0 ? after : Object.fromEntries(Object.entries(after).filter(([pageId]) => !stale.some((page) => page.id === pageId)));
}

/** The reference the service is asked about: the answer to the reference question, in capitals without spaces. */
function referenceOf(context: RunnerContext, check: EligibilityCheck): string {
  const value = context.answers[check.referencePage]?.values[0];
  return typeof value === 'string' ? value.toUpperCase().replace(/\s+/g, '') : '';
}

/** The name answer as one line: the full name, or first and last names (the title left out). */
function nameOf(value: unknown): string {
  if (value === null || typeof value !== 'object') return '';
  const name = value as { fullName?: unknown; firstName?: unknown; lastName?: unknown };
  const parts = typeof name.fullName === 'string' ? [name.fullName] : [name.firstName, name.lastName];
  return parts.filter((part): part is string => typeof part === 'string').join(' ').trim();
}

/**
 * What the service is asked, the path with the reference and a query naming the person: their
 * date of birth and (when the check names a name question) their name, so the service answers
 * only about a record of theirs. The query is never logged (request logs keep paths only) and
 * Exchange's message log keeps the path only up to the service code.
 */
export function callPathOf(answers: Answers, check: EligibilityCheck): string {
  const reference = answers[check.referencePage]?.values[0];
  const query = new URLSearchParams({ dateOfBirth: String(answers[check.dateOfBirthPage]?.values[0] ?? '') });
  if (check.namePage !== undefined) query.set('name', nameOf(answers[check.namePage]?.values[0]));
  const normalised = typeof reference === 'string' ? reference.toUpperCase().replace(/\s+/g, '') : '';
  return `${check.path.replace('{reference}', encodeURIComponent(normalised))}?${query}`;
}

/**
 * The runner's eligibility check (a page with `eligibilityCheck`): the person, signed in, is sent
 * to Exchange's consent page for the consumer's agreement with a fresh state kept in their
 * session; the consent page sends them back with a signed answer, checked for this journey and
 * this person; with consent the service is called through Exchange as the consumer, naming the
 * person; the outcome (`eligible` or `not-eligible`) and its evidence become the page's answer,
 * which routing reads. Every way it can fail ends on a page that says so and goes on to the
 * questions, never an error.
 */
export function registerEligibilityCheck(app: FastifyInstance, dependencies: EligibilityDependencies) {
  const { sessions } = dependencies;
  const baseUrl = app.config.BASE_URL;
  const returnUrlOf = (slug: string, pageId: string) => `${baseUrl}/forms/${slug}/pages/${pageId}/consent-answer`;
  // Failed matches counted per signed-in person (by a hash of their One Login sub), across processes.
  const failedMatches = createKeyedRateLimit({ db: app.db, name: 'forms-eligibility-failed-matches', perWindow: dependencies.failedMatchesPerDay ?? FAILED_MATCHES_PER_DAY, windowSeconds: 86_400 });
  const personKey = (subject: string) => createHash('sha256').update(`forms-eligibility:${subject}`).digest('hex');

  async function audit(context: RunnerContext, page: FormPage, action: string, outcome: 'success' | 'failure', details: Record<string, unknown>, request: FastifyRequest) {
    await app.audit.record({ actor: auditActorOf(context.session), action, subject: `form:${context.version.formId}`, outcome, requestId: request.id, details: { page: page.id, ...details } });
  }

  /** Records the outcome as the page's answer and shows what was found. */
  async function record(request: FastifyRequest, reply: FastifyReply, input: { context: RunnerContext; page: FormPage & { eligibilityCheck: EligibilityCheck }; reason: EligibilityReason; answer?: ExchangeAnswer; consent?: ConsentAnswer }) {
    const { context, page, reason } = input;
    const outcome: EligibilityOutcome = reason === 'qualifying' ? 'eligible' : 'not-eligible';
    const award = input.answer?.status === 200 ? keptAward(input.answer.body) : undefined;
    const evidence: EligibilityEvidence = {
      kind: 'eligibility-evidence',
      reason,
      service: page.eligibilityCheck.service,
      checkedAt: new Date().toISOString(),
      ...(award ? { award } : {}),
      ...(input.consent?.consentId ? { consentId: input.consent.consentId } : {}),
      ...(input.answer?.xRoadId ? { xRoadId: input.answer.xRoadId } : {}),
    };
    const answers: Answers = keepAnswersOnRoute(context.definition, { ...context.answers, [page.id]: { values: [outcome, evidence], complete: true } });
    if (!context.session || !(await sessions.saveAnswers(context.session, answers))) return reply.redirect(urlOf(context.slug, { state: 'submitted' }), 303);
    await audit(context, page, 'forms.eligibility.checked', 'success', { outcome, reason, x_road_id: evidence.xRoadId ?? null, consent_id: evidence.consentId ?? null }, request);
    return reply.redirect(`/forms/${context.slug}/pages/${page.id}/result`, 303);
  }

  /** The check's page, reached as any question: where the person is, signed in. */
  async function checkPageOf(request: FastifyRequest<PageRoute>, reply: FastifyReply) {
    const context = await loadContext(dependencies, request, request.params.slug);
    const redirect = redirectUnlessReached(context, { state: 'question', pageId: request.params.pageId });
    if (redirect) return { done: reply.redirect(redirect, 303) };
    const page = context.definition.pages.find((candidate) => candidate.id === request.params.pageId);
    if (!page?.eligibilityCheck) return { done: reply.redirect(urlOf(context.slug, context.journey.current), 303) };
    return { context, page: { ...page, eligibilityCheck: page.eligibilityCheck } };
  }

  return {
    /** The check page: what will be asked and of whom, and a button to give or refuse consent. */
    async show(request: FastifyRequest<PageRoute>, reply: FastifyReply, context: RunnerContext, page: FormPage & { eligibilityCheck: EligibilityCheck }) {
      const { t } = request;
      const previous = stepBackTo(previousPageOf(context.journey, page.id), context.answers);
      const hint = page.hint ? textIn(page.hint, context.language) : undefined;
      return reply.render(`${VIEWS}/eligibility-check.njk`, pageContext(context, textIn(page.question, context.language), {
        hint,
        guidanceHtml: page.guidance ? renderGuidance(textIn(page.guidance, context.language)) : undefined,
        explanation: t('forms.eligibility.explanation'),
        reference: t('forms.eligibility.reference', { reference: referenceOf(context, page.eligibilityCheck) }),
        button: t('forms.eligibility.continue'),
        backLink: previous ? urlOf(context.slug, previous) : undefined,
      }));
    },

    /** Continue: a fresh state kept in the session, then Exchange's consent page for the consumer's agreement. */
    async start(request: FastifyRequest<PageRoute>, reply: FastifyReply, context: RunnerContext, page: FormPage & { eligibilityCheck: EligibilityCheck }) {
      const check = page.eligibilityCheck;
      const session = context.session;
      if (!session?.account) return reply.redirect(`/forms/${context.slug}/sign-in`, 303);
      const agreementId = await findAgreementInForce(app.db, { client: check.client, service: check.service, now: new Date() });
      if (!agreementId) {
        await audit(context, page, 'forms.eligibility.consent-asked', 'failure', { reason: 'no-agreement' }, request);
        return record(request, reply, { context, page, reason: 'exchange-failed' });
      }
      const state = crypto.randomUUID();
      const answers: Answers = { ...context.answers, [page.id]: { values: [], complete: false, consentAsked: { state, at: new Date().toISOString() } } };
      if (!(await sessions.saveAnswers(session, keepAnswersOnRoute(context.definition, answers)))) return reply.redirect(urlOf(context.slug, { state: 'submitted' }), 303);
      await audit(context, page, 'forms.eligibility.consent-asked', 'success', { agreement_id: agreementId, client: check.client }, request);
      const consentUrl = new URL('/account/consent', baseUrl);
      consentUrl.search = new URLSearchParams({ client: check.client, agreement: agreementId, record: referenceOf(context, check), state, return_url: returnUrlOf(context.slug, page.id) }).toString();
      return reply.redirect(consentUrl.href, 303);
    },

    register() {
      // The consent page's answer: used only for the state this session is waiting for, from
      // Civitas, for this consumer, about this signed-in person; then the service is called.
      app.get<AnswerQuery>('/forms/:slug/pages/:pageId/consent-answer', { schema: { params: pageParams, querystring: answerQuery } }, async (request, reply) => {
        const found = await checkPageOf(request, reply);
        if ('done' in found) return found.done;
        const { context, page } = found;
        const check = page.eligibilityCheck;
        const waiting = context.answers[page.id]?.consentAsked;
        const refuse = async (why: string) => {
          await audit(context, page, 'forms.eligibility.answer-refused', 'failure', { why }, request);
          return reply.code(400).render(`${VIEWS}/exit.njk`, pageContext(context, request.t('forms.eligibility.refusedTitle'), { bodyHtml: `<p class="govuk-body">${request.t('forms.eligibility.refused')}</p><p class="govuk-body"><a class="govuk-link" href="${urlOf(context.slug, { state: 'question', pageId: page.id })}">${request.t('forms.eligibility.tryAgain')}</a></p>` }));
        };
        if (!context.session?.account) return refuse('not-signed-in');
        if (!waiting || request.query.state !== waiting.state) return refuse('state');
        let consent: ConsentAnswer;
        try {
          consent = await readConsentAnswer({ db: app.db, secrets: dependencies.secrets, issuer: baseUrl }, { token: request.query.consent_token ?? '', client: check.client, state: waiting.state });
        } catch {
          return refuse('token');
        }
        if (consent.subject !== context.session.account.subject) return refuse('other-person');
        if (consent.result === 'refused') return record(request, reply, { context, page, reason: 'consent-refused', consent });
        // Past the day's failed matches nothing is asked of the service: guessing a date of birth is bounded.
        const key = personKey(consent.subject);
        const allowed = await failedMatches.check(key);
        if (!allowed.allowed) {
          await audit(context, page, 'forms.eligibility.too-many-failed-matches', 'failure', {}, request);
          return record(request, reply, { context, page, reason: 'too-many-failed-matches', consent });
        }
        let answer: ExchangeAnswer;
        try {
          answer = await callAsDemoCouncil(
            { db: app.db, secrets: dependencies.secrets, baseUrl, instance: app.config.EXCHANGE_INSTANCE },
            { client: check.client, service: check.service, path: callPathOf(context.answers, check), subject: consent.subject, issue: `forms:${context.slug}` },
          );
        } catch (error) {
          request.log.warn({ err: error }, 'forms eligibility call failed');
          return record(request, reply, { context, page, reason: 'exchange-failed', consent });
        }
        const reason = reasonOfCall(check, answer);
        if (reason === 'no-award') {
          // Counted and audited, without the date of birth or name tried: they are the person's (or someone else's) data.
          await failedMatches.take(key);
          await audit(context, page, 'forms.eligibility.no-match', 'failure', { x_road_id: answer.xRoadId ?? null }, request);
        }
        return record(request, reply, { context, page, reason, answer, consent });
      });

      // What the check found, once it is the page's answer, and the way on.
      app.get<PageRoute>('/forms/:slug/pages/:pageId/result', { schema: { params: pageParams } }, async (request, reply) => {
        const found = await checkPageOf(request, reply);
        if ('done' in found) return found.done;
        const { context, page } = found;
        const evidence = context.answers[page.id]?.values[1] as EligibilityEvidence | undefined;
        if (!context.answers[page.id]?.complete || evidence?.kind !== 'eligibility-evidence') return reply.redirect(urlOf(context.slug, context.journey.current), 303);
        const { t } = request;
        const journey = describeJourney(context.definition, context.answers);
        const retry = evidence.reason === 'exchange-failed' || evidence.reason === 'no-award' || evidence.reason === 'consent-refused';
        return reply.render(`${VIEWS}/eligibility-result.njk`, pageContext(context, t(`forms.eligibility.result.${evidence.reason}.title`), {
          paragraphs: [t(`forms.eligibility.result.${evidence.reason}.body`)],
          evidence: describeEvidence(evidence, t),
          button: t('forms.eligibility.next'),
          nextUrl: urlOf(context.slug, stepAfter(journey, page.id)),
          ...(retry ? { retryUrl: urlOf(context.slug, { state: 'question', pageId: page.id }), retryText: t('forms.eligibility.tryAgain') } : {}),
          backLink: urlOf(context.slug, { state: 'question', pageId: page.id }),
        }));
      });
    },
  };
}

export type EligibilityCheckPages = ReturnType<typeof registerEligibilityCheck>;
