import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { DatabaseUnavailableError } from '../db/database-unavailable.ts';

/**
 * An error with a stable code that callers and tests can rely on. Its message is safe to show:
 * never put secrets or personal data in it.
 */
export class CivitasError extends Error {
  readonly code: string;
  readonly statusCode: number;

  constructor(details: { code: string; statusCode: number; message: string }) {
    super(details.message);
    this.name = 'CivitasError';
    this.code = details.code;
    this.statusCode = details.statusCode;
  }
}

const CSRF_ERROR_CODES = new Set([
  'FST_CSRF_INVALID_TOKEN',
  'FST_CSRF_MISSING_SECRET',
]);

/**
 * For an outage of what Civitas depends on (the database cut or unreachable): how many seconds a
 * client should wait before trying again. The one place that decides a failure is a 503 with
 * Retry-After; modules with an API envelope of their own ask it too. Undefined for any other error.
 */
export function retryAfterSecondsOf(error: unknown): number | undefined {
  return error instanceof DatabaseUnavailableError ? error.retryAfterSeconds : undefined;
}

function wantsHtml(request: FastifyRequest): boolean {
  return (request.headers.accept ?? '').includes('text/html');
}

function statusOf(error: Partial<FastifyError>): number {
  const status = error.statusCode ?? 500;
  return status >= 400 && status <= 599 ? status : 500;
}

function renderErrorPage(reply: FastifyReply, statusCode: number, code: string | undefined) {
  const page =
    statusCode === 404
      ? { key: 'notFound', paragraphs: ['typed', 'pasted'] }
      : statusCode === 503
        ? { key: 'unavailable', paragraphs: ['later'] }
        : statusCode >= 500
        ? { key: 'problem', paragraphs: ['tryLater', 'saved'] }
        : code && CSRF_ERROR_CODES.has(code)
          ? { key: 'formExpired', paragraphs: ['explanation'] }
          : { key: 'badRequest', paragraphs: ['explanation'] };
  const { t } = reply.request;
  return reply.code(statusCode).render('platform/http/views/error.njk', {
    pageTitle: t(`platform.errors.${page.key}.title`),
    paragraphs: page.paragraphs.map((paragraph) => t(`platform.errors.${page.key}.${paragraph}`)),
    requestId: statusCode >= 500 ? reply.request.id : undefined,
  });
}

/** JSON for API clients, a GOV.UK page for people. Modules with their own API envelope set their own handler. */
export function registerErrorHandling(app: FastifyInstance): void {
  app.setErrorHandler((error: FastifyError, request, reply) => {
    const retryAfterSeconds = retryAfterSecondsOf(error);
    if (retryAfterSeconds !== undefined) {
      request.log.warn({ errorCode: error.code }, 'request refused: service unavailable');
      reply.header('retry-after', String(retryAfterSeconds));
      if (wantsHtml(request)) return renderErrorPage(reply, 503, error.code);
      return reply.code(503).send({ statusCode: 503, error: 'SERVICE_UNAVAILABLE', message: 'Sorry, the service is unavailable. Try again later.' });
    }
    const statusCode = statusOf(error);
    if (statusCode >= 500) {
      request.log.error({ err: error }, 'request failed');
    } else {
      request.log.info({ errorCode: error.code, statusCode }, 'request refused');
    }
    if (wantsHtml(request)) return renderErrorPage(reply, statusCode, error.code);
    return reply.code(statusCode).send({
      statusCode,
      error: statusCode >= 500 ? 'INTERNAL_ERROR' : (error.code ?? 'BAD_REQUEST'),
      message: statusCode >= 500 ? 'Sorry, there is a problem with the service.' : error.message,
    });
  });

  app.setNotFoundHandler((request, reply) => {
    if (wantsHtml(request)) return renderErrorPage(reply, 404, 'NOT_FOUND');
    return reply.code(404).send({ statusCode: 404, error: 'NOT_FOUND', message: 'Not found' });
  });
}
