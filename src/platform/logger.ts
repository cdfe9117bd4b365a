import { pino, type Logger } from 'pino';
import type { Config } from './config/config.schema.ts';

/**
 * Fields that may hold secrets or personal data, at the top of a log object or one level down.
 * Log lines are constant messages with ids; these catch what slips into an object by mistake.
 */
const SENSITIVE_FIELDS = [
  'password',
  'newPassword',
  'code',
  'otp',
  'token',
  'secret',
  'apiKey',
  'email',
  'emailAddress',
  'email_address',
  'phone',
  'phoneNumber',
  'phone_number',
  'cardNumber',
  'card_number',
  'cvc',
  'personalisation',
  'body',
];

const REDACTED_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'res.headers["set-cookie"]',
  ...SENSITIVE_FIELDS.flatMap((field) => [field, `*.${field}`]),
];

/** Route parameters whose values are secrets: single-use links and tokens carried in a path. */
const SECRET_PARAMETER = /token|secret|key|code/i;

/** On a path no route took (so no parameter names are known), segments this long are left out. */
const LONGEST_SEGMENT_KEPT = 32;

type LoggedRequest = { method?: string; url?: string; params?: unknown; routeOptions?: { url?: string; config?: { loggedPathSegments?: unknown } } };

/**
 * The path to log: a route with a parameter named as a secret is logged as its pattern
 * (`/console/invitations/:token`); a path no route of its own took (a token with a trailing
 * slash, say: no parameters, or the not-found handler's wildcard) with its long segments left out;
 * a route that says how many of its segments to keep (`loggedPathSegments`), only those.
 */
function loggablePath(request: LoggedRequest): string | undefined {
  const path = request.url?.split('?')[0];
  if (path === undefined) return path;
  const kept = request.routeOptions?.config?.loggedPathSegments;
  if (typeof kept === 'number') {
    const segments = path.split('/');
    return segments.length > kept + 1 ? `${segments.slice(0, kept + 1).join('/')}/:rest` : path;
  }
  const names = request.params !== null && typeof request.params === 'object' ? Object.keys(request.params) : [];
  if (names.length === 0 || names.includes('*')) {
    return path.split('/').map((segment) => (segment.length > LONGEST_SEGMENT_KEPT ? ':long' : segment)).join('/');
  }
  if (names.some((name) => SECRET_PARAMETER.test(name))) return request.routeOptions?.url ?? ':redacted';
  return path;
}

export function createLogger(config: Pick<Config, 'LOG_LEVEL'>, destination?: pino.DestinationStream): Logger {
  return pino(
    {
      level: config.LOG_LEVEL,
      redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
      base: { pid: process.pid },
      serializers: {
        // The path without its query string, which can carry codes and tokens, and with the values of
        // route parameters named as secrets (`:token`, `:key`, ...) left out; no client address.
        req: (request: LoggedRequest) => ({
          method: request.method,
          path: loggablePath(request),
        }),
        // Only these fields: database errors carry the offending values in properties like `detail`.
        err: (error: { name?: string; message?: string; code?: unknown; stack?: string }) => ({
          type: error.name,
          message: error.message,
          code: error.code,
          stack: error.stack,
        }),
      },
    },
    destination,
  );
}
