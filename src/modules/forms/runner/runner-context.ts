import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { usesHttps } from '../../../platform/http/security.ts';
import type { FormDefinition, FormPage, SignInLevel } from '../definition/form-definition.ts';
import type { FormVersion, FormVersions } from '../versions/form-versions.ts';
import type { Answers, PendingAnswer, SubmittedFields } from './answers.ts';
import { describeJourney, hasReached, type Journey, type JourneyStep } from './journey.ts';
import type { FormInsight } from './form-insight.ts';
import { RUNNER_SESSION_SECONDS, sessionKeyOf, type RunnerSession, type RunnerSessions } from './runner-sessions.ts';
import { textIn, type Language } from './question-view.ts';

export const VIEWS = 'modules/forms/runner/views';
const SESSION_COOKIE = 'forms_session';
const SLUG = { type: 'string', maxLength: 100, pattern: '^[a-z0-9-]+$' } as const;
const ID = { type: 'string', maxLength: 64, pattern: '^[a-z0-9-]+$' } as const;

export const slugParams = { type: 'object', required: ['slug'], properties: { slug: SLUG } } as const;
export const pageParams = { type: 'object', required: ['slug', 'pageId'], properties: { slug: SLUG, pageId: ID } } as const;
export const exitParams = { type: 'object', required: ['slug', 'exitId'], properties: { slug: SLUG, exitId: ID } } as const;
export const stepQuery = {
  type: 'object',
  properties: { item: { type: 'integer', minimum: 0, maximum: 1000 }, change: { type: 'string', enum: ['1'] }, lang: { type: 'string', maxLength: 10 } },
} as const;
/** Field values up to a backstop far past every answer's limit, so a long answer meets its field error, not a 400 page. */
export const answerBody = {
  type: 'object',
  maxProperties: 30,
  additionalProperties: {
    anyOf: [
      { type: 'string', maxLength: 100_000 },
      { type: 'array', maxItems: 1_001, items: { type: 'string', maxLength: 1_000 } },
    ],
  },
} as const;
/** The largest body a runner page takes: a 4,999-character answer, every character percent-encoded UTF-8, fits. */
export const RUNNER_BODY_LIMIT = 128 * 1024;

export type StepQuery = { item?: number; change?: '1' };

export type RunnerDependencies = { versions: FormVersions; sessions: RunnerSessions; insight?: FormInsight };

/** Everything a runner page knows of the person's journey: the version they are on, their answers, where they are. */
export type RunnerContext = {
  slug: string;
  version: FormVersion;
  definition: FormDefinition;
  session: RunnerSession | undefined;
  answers: Answers;
  journey: Journey;
  language: Language;
};

export function urlOf(slug: string, step: JourneyStep, options: { change?: boolean } = {}): string {
  const base = `/forms/${slug}`;
  const change = options.change ? 'change=1' : '';
  switch (step.state) {
    case 'question': {
      const query = [step.item === undefined ? '' : `item=${step.item}`, change].filter(Boolean).join('&');
      return `${base}/pages/${step.pageId}${query ? `?${query}` : ''}`;
    }
    case 'add-another':
      return `${base}/pages/${step.pageId}/add-another${change ? `?${change}` : ''}`;
    case 'check-answers':
      return `${base}/check-answers`;
    case 'exit':
      return `${base}/exit/${step.exitId}`;
    case 'submitted':
      return `${base}/confirmation`;
  }
}

/** Where the back link of a page after `page` goes: the page itself, or its "add another" question. */
export function stepBackTo(page: FormPage | undefined, answers: Answers): JourneyStep | undefined {
  if (!page) return undefined;
  return page.repeatable && (answers[page.id]?.values.length ?? 0) > 0 ? { state: 'add-another', pageId: page.id } : { state: 'question', pageId: page.id };
}

export class FormNotFound extends Error {
  readonly statusCode = 404;
}

/** The form at /forms/{slug} was taken down (archived): the page says so, with its support contact, in the form's languages. */
export class FormNoLongerAvailable extends Error {
  readonly statusCode = 404;
  readonly slug: string;
  readonly definition: FormDefinition;

  constructor(slug: string, definition: FormDefinition) {
    super('The form is no longer available');
    this.slug = slug;
    this.definition = definition;
  }
}

/**
 * The language of a form's pages. A form not offered in Welsh is in English whatever language was
 * asked for (`?lang=cy`, the remembered choice): its pages, chrome and all, say lang="en".
 */
export function languageOf(request: FastifyRequest, definition: FormDefinition): Language {
  if (definition.settings.languages.includes('cy')) return request.locale === 'cy' ? 'cy' : 'en';
  request.locale = 'en';
  request.t = request.server.translations.en;
  return 'en';
}

/** For the runner's layout: a form offered in one language offers no language switch. */
export const languageSwitchOf = (definition: FormDefinition) => ({ singleLanguage: !definition.settings.languages.includes('cy') });

/**
 * The person's journey on the form at /forms/{slug}: the version their session started on (a
 * person halfway through keeps it when a new version goes live), else the live one. A form taken
 * down is no longer available, except to a person who has submitted it (their confirmation) and,
 * with `finishTakenDown`, to the return from a payment they made for it.
 */
export async function loadContext(dependencies: RunnerDependencies, request: FastifyRequest, slug: string, options: { finishTakenDown?: boolean } = {}): Promise<RunnerContext> {
  const live = await dependencies.versions.findLive(slug);
  const form = live ?? (await dependencies.versions.findArchived(slug));
  if (!form) throw new FormNotFound();
  const session = await dependencies.sessions.find(request.cookies[SESSION_COOKIE], form.formId);
  const version = (session && (await dependencies.versions.findVersion(session.versionId))) || form;
  if (!live && !(session && (session.submissionId || options.finishTakenDown))) throw new FormNoLongerAvailable(slug, version.definition);
  const answers = session?.answers ?? {};
  return { slug, version, definition: version.definition, session, answers, journey: describeJourney(version.definition, answers), language: languageOf(request, version.definition) };
}

/** Forms' answer to FormNoLongerAvailable from any runner page; every other error goes on to the kernel's handler. */
export function registerNoLongerAvailablePage(app: FastifyInstance): void {
  app.setErrorHandler((error, request, reply) => {
    if (!(error instanceof FormNoLongerAvailable)) throw error;
    const { definition } = error;
    const language = languageOf(request, definition);
    const support = definition.settings.support;
    request.log.info({ errorCode: 'forms.FORM_NO_LONGER_AVAILABLE', statusCode: 404 }, 'request refused');
    return reply.code(404).render(`${VIEWS}/no-longer-available.njk`, {
      ...languageSwitchOf(definition),
      pageTitle: request.t('forms.noLongerAvailable.title'),
      serviceName: textIn(definition.name, language),
      serviceUrl: `/forms/${error.slug}`,
      formName: textIn(definition.name, language),
      support: {
        email: support?.email,
        phone: support?.phone ? textIn(support.phone, language) : undefined,
        url: support?.url,
        urlText: support?.urlText ? textIn(support.urlText, language) : support?.url,
      },
    });
  });
}

/** Who the audit trail names for a runner step: the signed-in person by their One Login `sub`, else anonymous. */
export function auditActorOf(session: RunnerSession | undefined): string {
  return session?.account ? `one-login:${session.account.subject}` : 'anonymous';
}

/** Cl.Cm (two factors) also satisfies a form that asks for Cl. */
export function meetsSignInLevel(level: string, required: SignInLevel): boolean {
  return level === 'Cl.Cm' || level === required;
}

/** A form that asks people to sign in, and no account (at the level it asks for) on this session. */
function needsSignIn(context: RunnerContext): boolean {
  const required = context.definition.settings.signIn;
  const account = context.session?.account;
  return required !== undefined && !(account && meetsSignInLevel(account.level, required));
}

/**
 * The state machine's guard: a form that asks people to sign in sends them to sign in first; a submitted journey goes to its confirmation, and a step the
 * journey has not reached redirects to where the person is. Undefined when the step may be shown.
 */
export function redirectUnlessReached(context: RunnerContext, step: JourneyStep): string | undefined {
  if (needsSignIn(context)) return `/forms/${context.slug}/sign-in`;
  if (context.session?.submissionId) return urlOf(context.slug, { state: 'submitted' });
  if (step.state === 'question' && !context.definition.pages.some((page) => page.id === step.pageId)) throw new FormNotFound();
  return hasReached(context.journey, step, context.answers) ? undefined : urlOf(context.slug, context.journey.current);
}

export function setSessionCookie(reply: FastifyReply, slug: string, token: string, maxAgeSeconds: number = RUNNER_SESSION_SECONDS): void {
  const secure = usesHttps(reply.server.config);
  reply.setCookie(SESSION_COOKIE, token, { path: `/forms/${slug}`, httpOnly: true, sameSite: 'lax', secure, maxAge: maxAgeSeconds });
}

export function clearSessionCookie(reply: FastifyReply, slug: string): void {
  reply.clearCookie(SESSION_COOKIE, { path: `/forms/${slug}`, httpOnly: true, sameSite: 'lax', secure: usesHttps(reply.server.config) });
}

/** The context every runner page's template gets: the form's name as the service, its start as the link. */
export function pageContext(context: RunnerContext, pageTitle: string, extra: Record<string, unknown> = {}) {
  return { pageTitle, serviceName: textIn(context.definition.name, context.language), serviceUrl: `/forms/${context.slug}`, ...languageSwitchOf(context.definition), ...extra };
}

/** What One Login told us, shown in a question the person has not answered yet: their email address and phone number. */
export function prefillOf(page: FormPage, context: RunnerContext): SubmittedFields {
  const account = context.session?.account;
  if (page.answerType === 'email' && account?.email) return { answer: account.email };
  if (page.answerType === 'phone_number' && account?.phone) return { answer: account.phone };
  return {};
}

/** Saves the person's answers: their session's, or a new session's (with its cookie) on their first answer. */
export async function saveAnswers(dependencies: RunnerDependencies, context: RunnerContext, reply: FastifyReply, answers: Answers): Promise<boolean> {
  if (context.session) return dependencies.sessions.saveAnswers(context.session, answers);
  const token = await dependencies.sessions.start({ formId: context.version.formId, versionId: context.version.versionId, answers });
  setSessionCookie(reply, context.slug, token);
  await dependencies.insight?.started(context.version.formId, sessionKeyOf(token));
  return true;
}

/**
 * Keeps an answer refused with errors for the page the person is redirected to (post/redirect/get),
 * starting their session if this was their first answer.
 */
export async function keepPending(dependencies: RunnerDependencies, context: RunnerContext, reply: FastifyReply, pending: PendingAnswer): Promise<void> {
  if (context.session) {
    await dependencies.sessions.setPending(context.session, pending);
    return;
  }
  const token = await dependencies.sessions.start({ formId: context.version.formId, versionId: context.version.versionId, answers: {}, pending });
  setSessionCookie(reply, context.slug, token);
  await dependencies.insight?.started(context.version.formId, sessionKeyOf(token));
}

/** The refused answer waiting for this page, if any: taken as it is shown, so it shows once. */
export async function takePending(dependencies: RunnerDependencies, context: RunnerContext, at: Pick<PendingAnswer, 'step' | 'pageId' | 'item'>): Promise<PendingAnswer | undefined> {
  const pending = context.session?.pending;
  if (!context.session || !pending || pending.step !== at.step || pending.pageId !== at.pageId || pending.item !== at.item) return undefined;
  await dependencies.sessions.setPending(context.session, null);
  return pending;
}
