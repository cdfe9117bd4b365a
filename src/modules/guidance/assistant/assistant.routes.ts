import type { FastifyInstance } from 'fastify';
import type { Locale } from '../../../platform/http/i18n.ts';
import { apiSecurityHeaders, JSON_API_ROUTE_CONFIG } from '../../../platform/http/security.ts';
import type { Assistant } from './assistant.ts';
import { MAX_QUESTION_LENGTH } from './input-guardrails.ts';
import { isQuestionTooLong } from './question-length.ts';
import type { AssistantRateLimit } from './rate-limit/assistant-rate-limit.ts';

type AnswerRequest = { Body: { question: string; language?: Locale } };

const answerSchema = {
  body: {
    type: 'object',
    required: ['question'],
    additionalProperties: false,
    properties: {
      question: { type: 'string', minLength: 1, maxLength: MAX_QUESTION_LENGTH },
      language: { type: 'string', enum: ['en', 'cy'] },
    },
  },
  response: {
    400: { type: 'object', properties: { statusCode: { type: 'integer' }, error: { type: 'string' }, message: { type: 'string' } } },
    413: { type: 'object', properties: { statusCode: { type: 'integer' }, error: { type: 'string' }, message: { type: 'string' } } },
    415: { type: 'object', properties: { statusCode: { type: 'integer' }, error: { type: 'string' }, message: { type: 'string' } } },
    429: { type: 'object', properties: { statusCode: { type: 'integer' }, error: { type: 'string' }, message: { type: 'string' } } },
    200: {
      type: 'object',
      required: ['answer', 'sources', 'refused'],
      properties: {
        answer: { type: 'string' },
        sources: { type: 'array', items: { type: 'object', required: ['title', 'url'], properties: { title: { type: 'string' }, url: { type: 'string' } } } },
        refused: {
          anyOf: [
            { type: 'null' },
            { type: 'object', required: ['reason'], properties: { reason: { type: 'string', enum: ['personal-data', 'jailbreak', 'out-of-scope', 'no-answer'] } } },
          ],
        },
      },
    },
  },
} as const;

/** A request this API cannot take, in the kernel's JSON envelope (Civitas's own API: no other to follow). */
const invalidRequest = (statusCode: 400 | 413 | 415) => ({
  statusCode,
  error: 'invalid-request',
  message: `Send JSON: {"question": "..."} with a question of 1 to ${MAX_QUESTION_LENGTH} characters, and "language": "en" or "cy" if you like`,
});

/**
 * `POST /api/assistant/answers`: `{"question", "language"?}` in, the answer with its sources (or
 * the refusal) out. No cookies are read and nothing is done on anyone's behalf, so there is no
 * CSRF token to carry; only JSON is accepted.
 */
export function registerAssistantApi(app: FastifyInstance, dependencies: { assistant: Assistant; rateLimit: AssistantRateLimit }): void {
  const { assistant, rateLimit } = dependencies;
  const headers = apiSecurityHeaders(app.config);
  app.post<AnswerRequest>(
    '/api/assistant/answers',
    {
      schema: answerSchema,
      attachValidation: true,
      config: { csrf: false, ...JSON_API_ROUTE_CONFIG },
      // A body Fastify could not read (not JSON, malformed, too large) is answered in this API's words.
      errorHandler: (error, _request, reply) => {
        const status = error.statusCode ?? 500;
        if (status >= 500) throw error;
        reply.headers(headers);
        const refused = status === 415 || status === 413 ? status : 400;
        return reply.code(refused).send(invalidRequest(refused));
      },
      // Before validation, which would turn 42 into "42" and drop unknown fields: the body as sent.
      preValidation: async (request, reply) => {
        const body = request.body as Record<string, unknown> | null | undefined;
        const sentAsText = typeof body === 'object' && body !== null && !Array.isArray(body) && typeof body.question === 'string';
        const knownFields = sentAsText && Object.keys(body).every((name) => name === 'question' || name === 'language');
        if (!knownFields || (body.language !== undefined && typeof body.language !== 'string')) {
          reply.headers(headers);
          return reply.code(400).send(invalidRequest(400));
        }
      },
    },
    async (request, reply) => {
      reply.headers(headers);
      const isJson = (request.headers['content-type'] ?? '').toLowerCase().startsWith('application/json');
      if (!isJson || request.validationError) return reply.code(isJson ? 400 : 415).send(invalidRequest(isJson ? 400 : 415));
      const question = request.body.question.trim();
      if (question === '' || isQuestionTooLong(question)) return reply.code(400).send(invalidRequest(400));
      const decision = await rateLimit.attempt(request.ip);
      if (!decision.allowed) {
        return reply
          .code(429)
          .header('retry-after', String(decision.retryAfterSeconds))
          .send({ statusCode: 429, error: 'rate-limited', message: `Too many questions from this address: ask again in ${decision.retryAfterSeconds} seconds` });
      }
      const { answer, sources, refused } = await assistant.answer({ question, language: request.body.language ?? 'en' });
      return { answer, sources, refused };
    },
  );
}
