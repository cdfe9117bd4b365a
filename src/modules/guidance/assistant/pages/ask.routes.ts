import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Assistant, RefusalReason } from '../assistant.ts';
import type { AnswerTickets } from '../feedback/answer-tickets.ts';
import { MAX_QUESTION_LENGTH } from '../input-guardrails.ts';
import { isQuestionTooLong } from '../question-length.ts';
import type { AssistantRateLimit } from '../rate-limit/assistant-rate-limit.ts';
import type { GuidanceRetriever } from '../retrieval.ts';

const VIEWS = 'modules/guidance/assistant/pages';
const REFUSALS: readonly RefusalReason[] = ['personal-data', 'jailbreak', 'out-of-scope', 'no-answer'];
const MAX_PASSAGES = 3;

type AnswerQuery = { refused?: string; passage?: string | string[]; answer?: string; feedback?: string };

/**
 * The answer page's address: the passages it shows (or the refusal) and the ticket for the
 * answer's one "was this useful?" vote, never the question.
 */
function answerQueryOf(query: AnswerQuery): URLSearchParams {
  const parameters = new URLSearchParams();
  if (query.refused && REFUSALS.includes(query.refused as RefusalReason)) parameters.set('refused', query.refused);
  const passages = query.passage === undefined ? [] : [query.passage].flat();
  for (const id of passages.slice(0, MAX_PASSAGES)) parameters.append('passage', id.slice(0, 200));
  if (query.answer && !parameters.has('refused')) parameters.set('answer', query.answer.slice(0, 100));
  return parameters;
}

const answerQuerySchema = {
  type: 'object',
  properties: {
    refused: { type: 'string' },
    passage: { anyOf: [{ type: 'string' }, { type: 'array', items: { type: 'string' }, maxItems: 10 }] },
    answer: { type: 'string' },
    feedback: { type: 'string' },
  },
} as const;

/**
 * `/ask`: a person asks a question in the page's language and gets the answer on a page of its
 * own (post/redirect/get). The answer page's address names only the passages (or the reason for
 * refusing), so the question is never kept, logged with the address or shown back.
 */
export function registerAskPages(
  app: FastifyInstance,
  dependencies: { assistant: Assistant; retriever: GuidanceRetriever; rateLimit: AssistantRateLimit; tickets: AnswerTickets },
): void {
  const { assistant, retriever, rateLimit, tickets } = dependencies;
  const toAnswer = (reply: FastifyReply, parameters: URLSearchParams) => reply.redirect(`/ask/answer?${parameters}`, 303);
  /** Questions and feedback count against the client address's limit; past it, a page that says so, with Retry-After. */
  const refuseWhenTooMany = async (request: FastifyRequest, reply: FastifyReply) => {
    const decision = await rateLimit.attempt(request.ip);
    if (decision.allowed) return;
    return reply
      .code(429)
      .header('retry-after', String(decision.retryAfterSeconds))
      .render(`${VIEWS}/answer.njk`, { pageTitle: request.t('guidance.ask.tooMany.title'), refusal: request.t('guidance.ask.tooMany.explain') });
  };

  app.get<{ Querystring: { error?: string } }>('/ask', { schema: { querystring: { type: 'object', properties: { error: { type: 'string' } } } } }, async (request, reply) => {
    const { t } = request;
    const error = request.query.error === 'empty' || request.query.error === 'too-long' ? t(`guidance.ask.errors.${request.query.error}`, { max: MAX_QUESTION_LENGTH }) : undefined;
    return reply.render(`${VIEWS}/ask.njk`, {
      pageTitle: t('guidance.ask.title'),
      maxLength: MAX_QUESTION_LENGTH,
      error,
      errors: error ? [{ text: error, href: '#question' }] : [],
    });
  });

  app.post<{ Body: { question?: string } }>(
    '/ask',
    { schema: { body: { type: 'object', properties: { question: { type: 'string' }, _csrf: { type: 'string' } } } }, preHandler: refuseWhenTooMany },
    async (request, reply) => {
      const question = (request.body.question ?? '').trim();
      if (question === '') return reply.redirect('/ask?error=empty', 303);
      if (isQuestionTooLong(question)) return reply.redirect('/ask?error=too-long', 303);
      const result = await assistant.answer({ question, language: request.locale });
      if (result.refused) return toAnswer(reply, answerQueryOf({ refused: result.refused.reason }));
      return toAnswer(reply, answerQueryOf({ passage: result.passageIds, answer: tickets.issue(result.passageIds) }));
    },
  );

  app.get<{ Querystring: AnswerQuery }>('/ask/answer', { schema: { querystring: answerQuerySchema } }, async (request, reply) => {
    const { t } = request;
    const parameters = answerQueryOf(request.query);
    const refused = parameters.get('refused') as RefusalReason | null;
    const passages = refused ? [] : await retriever.findPassages(parameters.getAll('passage'));
    // Passages no longer published leave nothing to show: that is "no answer" now.
    const reason = refused ?? (passages.length === 0 ? 'no-answer' : undefined);
    const sources = [...new Map(passages.map((passage) => [passage.url, { title: passage.title, href: `${passage.url}${passage.anchor}` }])).values()];
    // The vote is offered only with an answer the assistant gave (a link to passages alone has none).
    const votable = tickets.verify(parameters.get('answer') ?? '', parameters.getAll('passage')) !== undefined;
    return reply.render(`${VIEWS}/answer.njk`, {
      pageTitle: t(reason ? 'guidance.ask.noAnswerTitle' : 'guidance.ask.answerTitle'),
      refusal: reason && t(`guidance.assistant.refusals.${reason}`),
      passages: passages.map((passage) => ({
        lines: passage.text.split('\n'),
        lang: passage.lang,
        source: { title: passage.title, href: `${passage.url}${passage.anchor}` },
      })),
      sources,
      feedbackSent: request.query.feedback === 'sent',
      feedbackAction: votable ? `/ask/feedback?${parameters}` : undefined,
    });
  });

  app.post<{ Querystring: AnswerQuery; Body: { useful?: string } }>(
    '/ask/feedback',
    { schema: { querystring: answerQuerySchema, body: { type: 'object', properties: { useful: { type: 'string' }, _csrf: { type: 'string' } } } }, preHandler: refuseWhenTooMany },
    async (request, reply) => {
      const parameters = answerQueryOf(request.query);
      const ticket = tickets.verify(parameters.get('answer') ?? '', parameters.getAll('passage'));
      const { useful } = request.body;
      // A vote for no answer the assistant gave counts nothing; one for an answer already voted on is thanked, and not counted again.
      if (ticket && (useful === 'yes' || useful === 'no')) {
        await assistant.countFeedback({ useful: useful === 'yes', answerId: ticket.answerId });
        parameters.set('feedback', 'sent');
      }
      return toAnswer(reply, parameters);
    },
  );
}
