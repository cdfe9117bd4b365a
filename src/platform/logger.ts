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

function withoutSecretParameters(path: string | undefined, params: unknown): string | undefined {
  if (path === undefined || params === null || typeof params !== 'object') return path;
  let safe = path;
  for (const [name, value] of Object.entries(params)) {
    if (!SECRET_PARAMETER.test(name) || typeof value !== 'string' || value === '') continue;
    safe = safe.split(encodeURIComponent(value)).join(`:${name}`).split(value).join(`:${name}`);
  }
  return safe;
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
        req: (request: { method?: string; url?: string; params?: unknown }) => ({
          method: request.method,
          path: withoutSecretParameters(request.url?.split('?')[0], request.params),
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
