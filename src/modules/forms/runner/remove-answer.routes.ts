import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { FormPage } from '../definition/form-definition.ts';
import type { AnswerValue, FieldError, SubmittedFields } from './answers.ts';
import { describeAnswer } from './answer-display.ts';
import { keepAnswersOnRoute } from './journey.ts';
import {
  answerBody,
  keepPending,
  loadContext,
  pageContext,
  pageParams,
  redirectUnlessReached,
  RUNNER_BODY_LIMIT,
  saveAnswers,
  stepQuery,
  takePending,
  urlOf,
  VIEWS,
  type RunnerContext,
  type RunnerDependencies,
  type StepQuery,
} from './runner-context.ts';

type RemoveRequest = FastifyRequest<{ Params: { slug: string; pageId: string }; Querystring: StepQuery }>;

type FoundItem = { context: RunnerContext; page: FormPage; item: number; values: AnswerValue[] };

/** The repeatable page and the item to remove, or where to go instead when there is no such item. */
async function findItem(dependencies: RunnerDependencies, request: RemoveRequest): Promise<FoundItem | { redirect: string }> {
  const context = await loadContext(dependencies, request, request.params.slug);
  const redirect = redirectUnlessReached(context, { state: 'add-another', pageId: request.params.pageId });
  if (redirect) return { redirect };
  const page = context.definition.pages.find((candidate) => candidate.id === request.params.pageId) as FormPage;
  const values = context.answers[page.id]?.values ?? [];
  const item = request.query.item;
  if (item === undefined || item >= values.length) return { redirect: urlOf(context.slug, { state: 'add-another', pageId: page.id }, { change: request.query.change === '1' }) };
  return { context, page, item, values };
}

/** "Are you sure you want to remove this answer?" for one answer of a repeatable question. */
export function registerRemoveAnswerPage(app: FastifyInstance, dependencies: RunnerDependencies): void {
  const path = '/forms/:slug/pages/:pageId/remove';
  const schema = { params: pageParams, querystring: stepQuery };
  const render = (request: RemoveRequest, reply: FastifyReply, found: FoundItem, refused?: FieldError) => {
    const { context, page, item } = found;
    const error = refused ? request.t(`forms.errors.${refused.key}`) : undefined;
    const addAnother = urlOf(context.slug, { state: 'add-another', pageId: page.id }, { change: request.query.change === '1' });
    return reply.render(`${VIEWS}/remove.njk`, pageContext(context, request.t('forms.remove.title'), {
      lines: describeAnswer(page, found.values[item] as AnswerValue, context.language, request.t),
      error,
      errors: error ? [{ text: error, href: '#remove' }] : [],
      backLink: addAnother,
    }));
  };

  app.get<{ Params: { slug: string; pageId: string }; Querystring: StepQuery }>(path, { schema }, async (request, reply) => {
    const found = await findItem(dependencies, request);
    if ('redirect' in found) return reply.redirect(found.redirect, 303);
    const pending = await takePending(dependencies, found.context, { step: 'remove', pageId: found.page.id, item: found.item });
    return render(request, reply, found, pending?.errors[0]);
  });

  app.post<{ Params: { slug: string; pageId: string }; Querystring: StepQuery; Body: SubmittedFields }>(
    path,
    { schema: { ...schema, body: answerBody }, bodyLimit: RUNNER_BODY_LIMIT },
    async (request, reply) => {
      const found = await findItem(dependencies, request);
      if ('redirect' in found) return reply.redirect(found.redirect, 303);
      const { context, page, item, values } = found;
      const choice = request.body?.remove;
      if (choice !== 'yes' && choice !== 'no') {
        await keepPending(dependencies, context, reply, { step: 'remove', pageId: page.id, item, fields: {}, errors: [{ field: 'remove', key: 'removeRequired' }] });
        return reply.redirect(request.url, 303);
      }
      const change = request.query.change === '1';
      if (choice === 'no') return reply.redirect(urlOf(context.slug, { state: 'add-another', pageId: page.id }, { change }), 303);
      const remaining = values.filter((_, index) => index !== item);
      const answers = keepAnswersOnRoute(context.definition, { ...context.answers, [page.id]: { values: remaining, complete: false } });
      if (!(await saveAnswers(dependencies, context, reply, answers))) return reply.redirect(urlOf(context.slug, { state: 'submitted' }), 303);
      const next = remaining.length > 0 ? { state: 'add-another' as const, pageId: page.id } : { state: 'question' as const, pageId: page.id };
      return reply.redirect(urlOf(context.slug, next, { change }), 303);
    },
  );
}
