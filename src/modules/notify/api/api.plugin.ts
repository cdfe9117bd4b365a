import type { FastifyError, FastifyInstance, FastifyRequest } from 'fastify';
import { JSON_BODY_TOO_DEEP } from '../../../platform/http/json-body.ts';
import { retryAfterSecondsOf } from '../../../platform/http/errors.ts';
import { patternOfRouteUrl } from '../../../platform/http/route-pattern.ts';
import { createJsonParserKeepingNumberText } from '../../../platform/http/json-number-text.ts';
import { isUnstorableText, UNSTORABLE_TEXT, UnstorableTextError } from '../../../platform/http/unstorable-text.ts';
import type { OversizedRequestAnswer } from '../../../platform/http/oversized-request.ts';
import { apiSecurityHeaders, JSON_API_ROUTE_CONFIG } from '../../../platform/http/security.ts';
import { internalError, NotifyApiError, badRequest, serviceUnavailable, validationError } from '../notify.errors.ts';
import type { NotifyCore } from '../notify.core.ts';
import type { AuthenticatedCaller } from '../services/service.service.ts';
import { canonicaliseUuid, compileNotifySchema } from './notify-schema.ts';
import { writeNumbersAsNotifyDoes } from './personalisation-numbers.ts';
import { registerNotificationRoutes } from './notifications.routes.ts';
import { registerReceivedTextRoutes } from './received-texts.routes.ts';
import { registerTemplateRoutes } from './templates.routes.ts';

declare module 'fastify' {
  interface FastifyRequest {
    /** The service and API key a Notify API request was made with. */
    notifyCaller?: AuthenticatedCaller;
  }
}

/**
 * The field a request's unstorable text was in, as Notify names fields in its messages: the
 * top-level property only (`personalisation`, not `personalisation.name`: notifications-api's
 * schema messages take the first element of the error's path). A name that is itself unstorable
 * (a key holding a NUL) is shown with JSON escapes, never echoed raw.
 */
export function nameUnstorableField(path: string): string {
  const top = /^[^.[]+/.exec(path)?.[0] ?? path;
  if (!isUnstorableText(top)) return top;
  return Array.from(top, (character) =>
    character === '\0' || !character.isWellFormed() ? `\\u${character.charCodeAt(0).toString(16).padStart(4, '0')}` : character,
  ).join('');
}

/**
 * Notify reads every request body as JSON whatever its Content-Type says (notifications-api's
 * get_valid_json: `request.get_json(force=True)`), so a form-encoded or text/plain body is parsed
 * as JSON too and, when it is not, is answered "Invalid JSON supplied in POST data". The kernel's
 * depth check, then a parse that keeps each number's text (for personalisation), for every type,
 * in this context only.
 */
function readEveryBodyAsJson(app: FastifyInstance): void {
  const parseBody = createJsonParserKeepingNumberText(app, {
    maxIntegerDigits: PYTHON_MAX_INTEGER_DIGITS,
    afterParse: (body) => {
      const personalisation = isPlainObject(body) ? body.personalisation : undefined;
      if (!isPlainObject(personalisation)) return;
      writeNumbersAsNotifyDoes(personalisation);
    },
  });
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'string' }, parseBody);
}

/** Python reads no integer of more than 4,300 digits (sys.int_info.default_max_str_digits): Notify refuses the body. */
const PYTHON_MAX_INTEGER_DIGITS = 4300;

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** Fields that carry an id; Notify's ids are UUIDs, read by Python's uuid.UUID. */
const ID_FIELDS = ['notification_id', 'template_id', 'email_reply_to_id', 'sms_sender_id', 'older_than'] as const;

/**
 * As Notify (uuid.UUID, then a UUID column) finds `ABCD...`, `{abcd...}`, `urn:uuid:abcd...` and
 * 32 hex digits without hyphens as the same id: ids are stored in the canonical lower-case
 * hyphenated form here, and each id given is looked up in that form.
 */
function canonicaliseIds(container: unknown): void {
  if (container === null || typeof container !== 'object' || Array.isArray(container)) return;
  const fields = container as Record<string, unknown>;
  for (const field of ID_FIELDS) {
    const value = Object.hasOwn(fields, field) ? fields[field] : undefined;
    const canonical = typeof value === 'string' ? canonicaliseUuid(value) : undefined;
    if (canonical !== undefined) fields[field] = canonical;
  }
}


const NOT_FOUND = { result: 'error', message: 'The requested URL was not found on the server.' };

/** As Flask lists them: a GET route answers HEAD too, and every route OPTIONS. */
function describeAllowedMethods(methods: readonly string[]): string {
  const allowed = new Set(methods);
  if (allowed.has('GET')) allowed.add('HEAD');
  allowed.add('OPTIONS');
  return [...allowed].sort().join(', ');
}

/**
 * A request line or headers past 16 KiB. Notify's gunicorn refuses a request line past 4094 bytes
 * or header fields past its limits with a 400 of its own (an HTML page); its status and words are
 * kept here, in Notify's envelope, so the clients read it as any other 400.
 */
export const NOTIFY_OVERSIZED_REQUEST_ANSWER: OversizedRequestAnswer = {
  pathPrefix: '/v2',
  answer: (part) => {
    const refusal = badRequest(part === 'url' ? 'Request Line is too large' : 'Request Header Fields Too Large');
    return { statusCode: refusal.statusCode, body: refusal.toEnvelope() };
  },
};

export function requireCaller(request: FastifyRequest): AuthenticatedCaller {
  if (!request.notifyCaller) throw new Error('Notify API route reached without authentication');
  return request.notifyCaller;
}

/**
 * Notify's API v2, mounted at /v2. Every request is authenticated in this context's onRequest
 * hook (before its body is read); every error leaves in Notify's envelope.
 */
export async function notifyApiPlugin(app: FastifyInstance, options: { core: NotifyCore }): Promise<void> {
  const { core } = options;
  app.setValidatorCompiler(compileNotifySchema);
  readEveryBodyAsJson(app);
  // The kernel's helmet headers are made for pages (a CSP with fresh nonces on every response,
  // and more). A JSON API needs a few fixed ones: set here, at a fraction of the cost.
  const routeMethods = new Map<string, { pattern: RegExp; methods: Set<string> }>();
  app.addHook('onRoute', (route) => {
    route.config = Object.assign(route.config ?? {}, JSON_API_ROUTE_CONFIG);
    const known = routeMethods.get(route.url) ?? { pattern: patternOfRouteUrl(route.url), methods: new Set<string>() };
    for (const method of [route.method].flat()) known.methods.add(method);
    routeMethods.set(route.url, known);
  });
  const securityHeaders = apiSecurityHeaders(core.config);
  app.decorateRequest('notifyCaller', undefined);

  app.addHook('onRequest', async (request, reply) => {
    reply.headers(securityHeaders);
    // Flask matches the method with the URL, before any hook of Notify's runs: a path Notify has
    // asked with a method it does not take is Werkzeug's 405 (with Allow), whoever asks.
    if (request.is404) {
      const path = request.url.split('?')[0] as string;
      const allowed = [...routeMethods.values()].filter(({ pattern }) => pattern.test(path)).flatMap(({ methods }) => [...methods]);
      if (allowed.length > 0) {
        return reply
          .code(405)
          .header('allow', describeAllowedMethods(allowed))
          .send({ result: 'error', message: 'The method is not allowed for the requested URL.' });
      }
      return reply.code(404).send(NOT_FOUND);
    }
    request.notifyCaller = await core.serviceAdmin.authenticate(request.headers.authorization);
  });
  app.addHook('preValidation', async (request) => {
    canonicaliseIds(request.params);
    canonicaliseIds(request.query);
    canonicaliseIds(request.body);
  });

  app.setErrorHandler((error: FastifyError | NotifyApiError, request, reply) => {
    const retryAfterSeconds = retryAfterSecondsOf(error);
    if (retryAfterSeconds !== undefined) {
      request.log.warn({ errorCode: error.code }, 'notify api request refused: service unavailable');
      return reply.code(503).header('retry-after', String(retryAfterSeconds)).send(serviceUnavailable().toEnvelope());
    }
    let notifyError: NotifyApiError;
    if (error instanceof NotifyApiError) notifyError = error;
    else if (error.code === UNSTORABLE_TEXT) {
      const field = error instanceof UnstorableTextError ? error.field : '(body)';
      notifyError = validationError([`${nameUnstorableField(field)} must not contain NUL characters or unpaired surrogates`]);
    } else if (error.code === 'FST_ERR_CTP_INVALID_JSON_BODY' || error.code === 'FST_ERR_CTP_EMPTY_JSON_BODY' || error instanceof SyntaxError) {
      notifyError = badRequest('Invalid JSON supplied in POST data');
    } else if (error.code === JSON_BODY_TOO_DEEP) {
      notifyError = validationError([error.message]);
    } else if (error.code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
      notifyError = new NotifyApiError(413, [{ error: 'BadRequestError', message: 'Request body is too large' }]);
    } else if (error.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') {
      notifyError = badRequest('Content-Type must be application/json');
    } else if (error.code?.startsWith('FST_ERR_CTP_')) {
      // Any other fault in reading the body (a Content-Length it does not match, say): to Notify,
      // a body it cannot read as JSON.
      notifyError = badRequest('Invalid JSON supplied in POST data');
    } else if (error.statusCode && error.statusCode >= 400 && error.statusCode < 500) {
      // Never the framework's own words or codes: only a message of ours is passed on.
      notifyError = badRequest(error.code?.startsWith('FST_') ? 'Bad request' : error.message);
    } else {
      request.log.error({ err: error }, 'notify api request failed');
      notifyError = internalError();
    }
    if (notifyError.statusCode < 500) {
      request.log.info({ errorCode: notifyError.code, statusCode: notifyError.statusCode }, 'notify api request refused');
    }
    return reply.code(notifyError.statusCode).send(notifyError.toEnvelope());
  });

  app.setNotFoundHandler((_request, reply) => reply.code(404).send(NOT_FOUND));

  registerNotificationRoutes(app, core);
  registerTemplateRoutes(app, core);
  registerReceivedTextRoutes(app, core);
}
