import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { JSON_BODY_TOO_DEEP } from '../../../platform/http/json-body.ts';
import { retryAfterSecondsOf } from '../../../platform/http/errors.ts';
import { patternOfRouteUrl } from '../../../platform/http/route-pattern.ts';
import { createJsonParserKeepingNumberText } from '../../../platform/http/json-number-text.ts';
import { UNSTORABLE_TEXT } from '../../../platform/http/unstorable-text.ts';
import type { OversizedRequestAnswer } from '../../../platform/http/oversized-request.ts';
import { apiSecurityHeaders, JSON_API_ROUTE_CONFIG } from '../../../platform/http/security.ts';
import type { Caller } from '../accounts/account.service.ts';
import { downstreamError, PayApiError, payUnavailable, tooManyRequests, unparsableJson } from '../pay.errors.ts';
import type { PayServices } from '../pay-services.ts';
import { registerAgreementRoutes } from './agreements.routes.ts';
import { registerAuthoriseRoutes } from './authorise.routes.ts';
import { registerDisputeRoutes } from './disputes.routes.ts';
import { registerPaymentRoutes } from './payments.routes.ts';
import { registerRefundRoutes } from './refunds.routes.ts';
import { answerUnstorableText, type UnstorableTextAnswers } from './unstorable-text.refusal.ts';

declare module 'fastify' {
  interface FastifyContextConfig {
    /**
     * The P-codes a Pay API route answers with for a body it cannot parse and for an unexpected
     * failure, and how it answers text no database can store in each place it reads.
     */
    payErrorCodes?: { unparsable?: string; downstream: string } & UnstorableTextAnswers;
  }
  interface FastifyRequest {
    /** The account and mode of the API key that authenticated this request (Pay API routes only). */
    payCaller: Caller | null;
  }
}

/** A request without a valid API key. Pay answers 401 without a P-code. */
class UnauthorisedError extends Error {}

/**
 * A request line or headers past 16 KiB. pay-publicapi's Jetty answers a URI past its 8 KiB 414
 * and header fields past it 431, in a page of its own; here the statuses are Jetty's and the body
 * Dropwizard's { code, message }, as Pay gives for the other errors no resource of it answers.
 */
export const PAY_OVERSIZED_REQUEST_ANSWER: OversizedRequestAnswer = {
  pathPrefix: '/v1',
  answer: (part) => {
    const code = part === 'url' ? 414 : 431;
    return { statusCode: code, body: { code, message: code === 414 ? 'HTTP 414 URI Too Long' : 'HTTP 431 Request Header Fields Too Large' } };
  },
};

export function requireCaller(request: FastifyRequest): Caller {
  if (!request.payCaller) throw new UnauthorisedError('no caller');
  return request.payCaller;
}

const BEARER = /^Bearer\s+(\S+)\s*$/i;

/**
 * For a context of routes that take no body (pay-publicapi's cancel and capture declare no
 * @Consumes and read no entity): whatever is sent, of any type or none, is ignored, never parsed.
 */
export function ignoreEveryBody(context: FastifyInstance): void {
  context.removeAllContentTypeParsers();
  context.addContentTypeParser('*', { parseAs: 'buffer' }, (_request, _body, done) => done(null, undefined));
}

function sendError(reply: FastifyReply, error: PayApiError) {
  return reply.code(error.statusCode).send(error.toJSON());
}

/**
 * The Pay API v1, in a context of its own: bearer API keys, per-account rate limits kept in the
 * database, and Pay's error envelope for every error, however it arises.
 */
export async function registerPayApi(app: FastifyInstance, services: PayServices): Promise<void> {
  const headers = apiSecurityHeaders(services.config);
  const routePatterns: RegExp[] = [];
  await app.register(async (api) => {
    // The pages' security headers (a CSP with fresh nonces, and more) are not for a JSON API,
    // whose few fixed headers the onSend hook below sets on every response, errors included.
    api.addHook('onRoute', (route) => {
      route.config = Object.assign(route.config ?? {}, JSON_API_ROUTE_CONFIG);
      routePatterns.push(patternOfRouteUrl(route.url));
    });
    // Pay (Java) reads numbers exactly: metadata keeps each number as it was sent. Its routes
    // that read a body consume application/json only: any other type (text/plain too) is a 415.
    api.removeAllContentTypeParsers();
    api.addContentTypeParser('application/json', { parseAs: 'string' }, createJsonParserKeepingNumberText(api));
    api.decorateRequest('payCaller', null);
    api.addHook('onSend', (_request, reply, payload, done) => {
      reply.headers(headers);
      done(null, payload);
    });

    api.addHook('onRequest', async (request) => {
      const match = BEARER.exec(request.headers.authorization ?? '');
      const caller = match ? await services.accounts.authenticate(match[1] as string) : undefined;
      if (!caller) throw new UnauthorisedError('unauthorised');
      const isPost = request.method === 'POST';
      const allowed = await services.rateLimiter.allow({
        accountId: caller.accountId,
        live: caller.live,
        kind: isPost ? 'post' : 'other',
        limit: isPost ? caller.rateLimitPost : caller.rateLimitOther,
      });
      if (!allowed) throw tooManyRequests();
      request.payCaller = caller;
    });

    api.setErrorHandler((error: FastifyError, request, reply) => {
      const codes = request.routeOptions.config.payErrorCodes;
      const retryAfterSeconds = retryAfterSecondsOf(error);
      if (retryAfterSeconds !== undefined) {
        request.log.warn({ errorCode: error.code }, 'pay api request refused: service unavailable');
        return sendError(reply.header('retry-after', String(retryAfterSeconds)), payUnavailable());
      }
      if (error instanceof UnauthorisedError) {
        request.log.info({ statusCode: 401 }, 'pay api request unauthorised');
        return reply
          .code(401)
          .header('www-authenticate', 'Bearer realm="Civitas Pay"')
          .send({ description: 'Credentials are required to access this resource.' });
      }
      if (error instanceof PayApiError) {
        if (error.statusCode >= 500) request.log.error({ payCode: error.payCode }, 'pay api request failed');
        else request.log.info({ payCode: error.payCode, statusCode: error.statusCode }, 'pay api request refused');
        return sendError(reply, error);
      }
      if (error.code === UNSTORABLE_TEXT) {
        const refusal = answerUnstorableText(request, codes ?? { downstream: 'P0999' });
        request.log.info({ payCode: refusal.payCode, statusCode: refusal.statusCode }, 'pay api request refused: unstorable text');
        return sendError(reply, refusal);
      }
      switch (error.code) {
        case 'FST_ERR_CTP_INVALID_JSON_BODY':
        case 'FST_ERR_CTP_EMPTY_JSON_BODY':
        // GOV.UK Pay's JSON reader refuses deep nesting as unparsable, and so does Civitas.
        case JSON_BODY_TOO_DEEP:
          return sendError(reply, unparsableJson(codes?.unparsable));
        case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
          // Jersey refuses the type before Pay's code runs: Dropwizard's own answer, no P-code.
          // (Not the route's error schema, which has Pay's P-code envelope.)
          return reply
            .code(415)
            .serializer((payload: unknown) => JSON.stringify(payload))
            .send({ code: 415, message: 'HTTP 415 Unsupported Media Type' });
        case 'FST_ERR_CTP_BODY_TOO_LARGE':
          return sendError(reply, new PayApiError({ statusCode: 413, code: codes?.unparsable ?? 'P0197', description: 'Request body too large' }));
        default:
      }
      if (error instanceof SyntaxError || (error.statusCode === 400 && error.code === undefined)) {
        return sendError(reply, unparsableJson(codes?.unparsable));
      }
      if (error.statusCode !== undefined && error.statusCode >= 400 && error.statusCode < 500) {
        request.log.info({ errorCode: error.code, statusCode: error.statusCode }, 'pay api request refused');
        return sendError(reply, new PayApiError({ statusCode: error.statusCode, code: codes?.unparsable ?? 'P0197', description: 'Bad request' }));
      }
      request.log.error({ err: error }, 'pay api request failed');
      return sendError(reply, downstreamError(codes?.downstream ?? 'P0999'));
    });

    registerPaymentRoutes(api, services);
    registerRefundRoutes(api, services);
    registerAuthoriseRoutes(api, services);
    registerDisputeRoutes(api, services);
    registerAgreementRoutes(api, services);
  });

  // What no route matched under /v1: its own not-found handler, in a context of its own. An
  // address that is no route, or a route asked with a method it does not take, is answered as
  // pay-publicapi (a Dropwizard application) answers them, with Dropwizard's own { code, message }
  // (never the kernel's generic answer, nor the CSRF check's FST_ code a PUT or DELETE would meet). Nothing
  // of such a request is read, so whatever would fail on the way (a body that does not parse,
  // the pages' CSRF check that a PUT or DELETE meets) gets the same answer.
  await app.register(
    async (unmatched) => {
      const answer = (request: FastifyRequest, reply: FastifyReply) => {
        const path = request.url.split('?')[0] as string;
        const known = routePatterns.some((pattern) => pattern.test(path));
        const status = known ? 405 : 404;
        return reply
          .code(status)
          .headers(headers)
          .send({ code: status, message: known ? 'HTTP 405 Method Not Allowed' : 'HTTP 404 Not Found' });
      };
      unmatched.setNotFoundHandler(answer);
      unmatched.setErrorHandler((_error, request, reply) => answer(request, reply));
    },
    { prefix: '/v1' },
  );
}
