import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { FormPage } from '../definition/form-definition.ts';
import { MAX_REPEATS, type Answers, type FieldError, type FileAnswer, type SubmittedFields } from './answers.ts';
import { describeAnswer } from './answer-display.ts';
import { describeJourney, keepAnswersOnRoute, previousPageOf, stepAfter } from './journey.ts';
import { describeQuestion, fieldsOfValue, textIn } from './question-view.ts';
import { readAnswer, type ReadAnswer } from './read-answer.ts';
import type { AnswerFiles } from '../files/answer-files.ts';
import { takeUpload } from '../files/multipart-upload.ts';
import { RUNNER_SESSION_SECONDS } from './runner-sessions.ts';
import { registerRemoveAnswerPage } from './remove-answer.routes.ts';
import { dropStaleChecks, type EligibilityCheckPages } from './eligibility-check.routes.ts';
import {
  answerBody,
  auditActorOf,
  keepPending,
  loadContext,
  pageContext,
  pageParams,
  prefillOf,
  redirectUnlessReached,
  RUNNER_BODY_LIMIT,
  saveAnswers,
  stepBackTo,
  stepQuery,
  takePending,
  urlOf,
  VIEWS,
  type RunnerContext,
  type RunnerDependencies,
  type StepQuery,
} from './runner-context.ts';

type PageRequest = FastifyRequest<{ Params: { slug: string; pageId: string }; Querystring: StepQuery; Body: SubmittedFields }>;

function errorSummaryOf(errors: FieldError[], view: ReturnType<typeof describeQuestion>) {
  const texts = view.parts?.filter((part) => part.error).map((part) => ({ text: part.error as string, href: `#${part.name}` })) ?? [];
  if (texts.length > 0) return texts;
  const first = errors[0];
  return first && view.error ? [{ text: view.error, href: `#${first.field === 'answer' && view.kind === 'date' ? 'day' : first.field}` }] : [];
}

/** The back link: check your answers when changing an answer, else the page before on the route. */
function backLinkOf(context: RunnerContext, page: FormPage, change: boolean): string | undefined {
  if (change) return urlOf(context.slug, { state: 'check-answers' });
  const previous = stepBackTo(previousPageOf(context.journey, page.id), context.answers);
  return previous ? urlOf(context.slug, previous) : undefined;
}

function renderQuestion(request: PageRequest, reply: FastifyReply, input: { context: RunnerContext; page: FormPage; fields: SubmittedFields; errors: FieldError[] }) {
  const { context, page, fields, errors } = input;
  const view = describeQuestion({ page, language: context.language, t: request.t, fields, errors });
  return reply.render(`${VIEWS}/question.njk`, pageContext(context, view.question, {
    question: view,
    errors: errorSummaryOf(errors, view),
    backLink: backLinkOf(context, page, request.query.change === '1'),
  }));
}

function pageOf(context: RunnerContext, pageId: string): FormPage {
  return context.definition.pages.find((page) => page.id === pageId) as FormPage;
}

/** The answers with this page's answer put in: one value, or one item of a repeatable question's list. */
function answersWith(answers: Answers, page: FormPage, value: ReturnType<typeof readAnswer>['value'], item: number): Answers {
  if (!page.repeatable) return { ...answers, [page.id]: { values: value === null ? [] : [value], complete: true } };
  const values = [...(answers[page.id]?.values ?? [])];
  if (value === null) return { ...answers, [page.id]: { values, complete: values.length === 0 } };
  values[item] = value;
  return { ...answers, [page.id]: { values, complete: false } };
}

/**
 * The question asked at this URL and which of its answers (`item`, for a repeatable question: the
 * next one unless named), or where the journey sends the person instead.
 */
async function findQuestion(dependencies: RunnerDependencies, request: FastifyRequest<{ Params: { slug: string; pageId: string }; Querystring: StepQuery }>) {
  const context = await loadContext(dependencies, request, request.params.slug);
  const redirect = redirectUnlessReached(context, { state: 'question', pageId: request.params.pageId, item: request.query.item });
  if (redirect) return { redirect };
  const page = pageOf(context, request.params.pageId);
  const given = context.answers[page.id]?.values ?? [];
  const item = request.query.item ?? (page.repeatable ? given.length : 0);
  if (page.repeatable && item >= MAX_REPEATS) return { redirect: urlOf(context.slug, { state: 'add-another', pageId: page.id }) };
  return { context, page, given, item };
}

/**
 * A file question's answer: the file sent, checked and kept; none sent keeps the file given
 * before (the browser cannot show it again), else is "Select a file" unless the question is optional.
 */
async function readFileAnswer(files: AnswerFiles, input: { request: FastifyRequest; context: RunnerContext; page: FormPage }): Promise<ReadAnswer> {
  const { context, page } = input;
  const given = context.answers[page.id]?.values[0];
  const upload = takeUpload(input.request);
  if (!upload) {
    if (given !== undefined || page.optional) return { value: given ?? null, errors: [] };
    return { value: null, errors: [{ field: 'answer', key: 'fileRequired' }] };
  }
  // A file lasts as long as the session that has it (20 hours, or a signed-in person's retention period).
  const keepUntil = context.session ? new Date(context.session.expiresAt) : new Date(Date.now() + RUNNER_SESSION_SECONDS * 1000);
  const accepted = await files.accept({ page, formId: context.version.formId, upload, keepUntil });
  await input.request.server.audit.record({
    actor: auditActorOf(context.session),
    action: 'forms.file.uploaded',
    subject: `form:${context.version.formId}`,
    outcome: 'error' in accepted ? 'failure' : 'success',
    details: { page: page.id, ...('error' in accepted ? { refused: accepted.error.key } : { size: upload.bytes.length }) },
  });
  return 'error' in accepted ? { value: null, errors: [accepted.error] } : { value: accepted.value, errors: [] };
}

type QuestionDependencies = RunnerDependencies & { files: AnswerFiles; eligibility: EligibilityCheckPages };

export function registerQuestionPages(app: FastifyInstance, dependencies: QuestionDependencies): void {
  const questionPath = '/forms/:slug/pages/:pageId';
  const schema = { params: pageParams, querystring: stepQuery };

  app.get<{ Params: { slug: string; pageId: string }; Querystring: StepQuery }>(questionPath, { schema }, async (request, reply) => {
    const found = await findQuestion(dependencies, request);
    if (found.redirect !== undefined) return reply.redirect(found.redirect, 303);
    const { context, page, given, item } = found;
    if (page.eligibilityCheck) return dependencies.eligibility.show(request, reply, context, { ...page, eligibilityCheck: page.eligibilityCheck });
    const pending = await takePending(dependencies, context, { step: 'question', pageId: page.id, item });
    // Reached once a journey, not at each return to the page (a refused answer, a change, an item).
    if (!pending && given.length === 0) await dependencies.insight?.pageReached(context.version.formId, page.id, context.session?.idHash);
    const fields = pending ? pending.fields : given[item] === undefined ? prefillOf(page, context) : fieldsOfValue(page, given[item]);
    return renderQuestion(request as PageRequest, reply, { context, page, fields, errors: pending?.errors ?? [] });
  });

  app.post<{ Params: { slug: string; pageId: string }; Querystring: StepQuery; Body: SubmittedFields }>(
    questionPath,
    { schema: { ...schema, body: answerBody }, bodyLimit: RUNNER_BODY_LIMIT },
    async (request, reply) => {
      const found = await findQuestion(dependencies, request);
      if (found.redirect !== undefined) return reply.redirect(found.redirect, 303);
      const { context, page, item } = found;
      // An eligibility check is answered by Exchange, never by the person: its form only starts the check.
      if (page.eligibilityCheck) return dependencies.eligibility.start(request, reply, context, { ...page, eligibilityCheck: page.eligibilityCheck });
      const read = page.answerType === 'file' ? await readFileAnswer(dependencies.files, { request, context, page }) : readAnswer(page, request.body ?? {});
      if (read.errors.length > 0) {
        const { _csrf, ...fields } = page.answerType === 'file' ? fieldsOfValue(page, found.given[0]) : (request.body ?? {});
        await keepPending(dependencies, context, reply, { step: 'question', pageId: page.id, item, fields, errors: read.errors });
        return reply.redirect(request.url, 303);
      }

      const answers = dropStaleChecks(context.definition, context.answers, keepAnswersOnRoute(context.definition, answersWith(context.answers, page, read.value, item)));
      if (!(await saveAnswers(dependencies, context, reply, answers))) return reply.redirect(urlOf(context.slug, { state: 'submitted' }), 303);
      const replaced = page.answerType === 'file' ? (found.given[0] as FileAnswer | undefined) : undefined;
      if (replaced && replaced.fileId !== (read.value as FileAnswer | null)?.fileId) await dependencies.files.discard(replaced.fileId);
      const change = request.query.change === '1';
      const journey = describeJourney(context.definition, answers);
      if (page.repeatable && (answers[page.id]?.values.length ?? 0) > 0) return reply.redirect(urlOf(context.slug, { state: 'add-another', pageId: page.id }, { change }), 303);
      return reply.redirect(urlOf(context.slug, change ? journey.current : stepAfter(journey, page.id)), 303);
    },
  );

  registerAddAnotherPage(app, dependencies);
  registerRemoveAnswerPage(app, dependencies);
}

/** "Do you need to add another answer?" after each answer to a repeatable question, with the answers so far. */
function registerAddAnotherPage(app: FastifyInstance, dependencies: RunnerDependencies): void {
  const path = '/forms/:slug/pages/:pageId/add-another';
  const schema = { params: pageParams, querystring: stepQuery };
  const render = (request: FastifyRequest<{ Querystring: StepQuery }>, reply: FastifyReply, context: RunnerContext, page: FormPage, refused?: FieldError) => {
    const values = context.answers[page.id]?.values ?? [];
    const error = refused ? request.t(`forms.errors.${refused.key}`, refused.parameters) : undefined;
    const question = textIn(page.question, context.language);
    return reply.render(`${VIEWS}/add-another.njk`, pageContext(context, request.t('forms.addAnother.title', { count: values.length }), {
      question,
      rows: values.map((value, item) => ({
        lines: describeAnswer(page, value, context.language, request.t),
        href: urlOf(context.slug, { state: 'question', pageId: page.id, item }, { change: request.query.change === '1' }),
        removeHref: `/forms/${context.slug}/pages/${page.id}/remove?item=${item}${request.query.change === '1' ? '&change=1' : ''}`,
      })),
      atLimit: values.length >= MAX_REPEATS,
      error,
      errors: error ? [{ text: error, href: '#add_another' }] : [],
      backLink: urlOf(context.slug, { state: 'question', pageId: page.id, item: Math.max(values.length - 1, 0) }),
    }));
  };

  app.get<{ Params: { slug: string; pageId: string }; Querystring: StepQuery }>(path, { schema }, async (request, reply) => {
    const context = await loadContext(dependencies, request, request.params.slug);
    const redirect = redirectUnlessReached(context, { state: 'add-another', pageId: request.params.pageId });
    if (redirect) return reply.redirect(redirect, 303);
    const pending = await takePending(dependencies, context, { step: 'add-another', pageId: request.params.pageId });
    return render(request, reply, context, pageOf(context, request.params.pageId), pending?.errors[0]);
  });

  app.post<{ Params: { slug: string; pageId: string }; Querystring: StepQuery; Body: SubmittedFields }>(
    path,
    { schema: { ...schema, body: answerBody }, bodyLimit: RUNNER_BODY_LIMIT },
    async (request, reply) => {
      const context = await loadContext(dependencies, request, request.params.slug);
      const redirect = redirectUnlessReached(context, { state: 'add-another', pageId: request.params.pageId });
      if (redirect) return reply.redirect(redirect, 303);
      const page = pageOf(context, request.params.pageId);
      const values = context.answers[page.id]?.values ?? [];
      const choice = request.body?.add_another;
      const refuse = async (error: FieldError) => {
        await keepPending(dependencies, context, reply, { step: 'add-another', pageId: page.id, fields: {}, errors: [error] });
        return reply.redirect(request.url, 303);
      };
      if (choice !== 'yes' && choice !== 'no') return refuse({ field: 'add_another', key: 'addAnotherRequired' });
      if (choice === 'yes') {
        if (values.length >= MAX_REPEATS) return refuse({ field: 'add_another', key: 'tooManyRepeats', parameters: { max: MAX_REPEATS } });
        return reply.redirect(urlOf(context.slug, { state: 'question', pageId: page.id, item: values.length }, { change: request.query.change === '1' }), 303);
      }
      const answers = keepAnswersOnRoute(context.definition, { ...context.answers, [page.id]: { values, complete: true } });
      if (!(await saveAnswers(dependencies, context, reply, answers))) return reply.redirect(urlOf(context.slug, { state: 'submitted' }), 303);
      const journey = describeJourney(context.definition, answers);
      return reply.redirect(urlOf(context.slug, request.query.change === '1' ? journey.current : stepAfter(journey, page.id)), 303);
    },
  );
}
