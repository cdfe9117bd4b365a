/**
 * Notify's API errors: each renders as Notify's envelope
 * `{"status_code": N, "errors": [{"error": "<Class>", "message": "..."}]}` with Notify's classes
 * and messages, so the official clients read them as they read GOV.UK Notify's.
 */
export type NotifyErrorClass =
  | 'AuthError'
  | 'ValidationError'
  | 'BadRequestError'
  | 'NoResultFound'
  | 'RateLimitError'
  | 'TooManyRequestsError'
  | 'PDFNotReadyError'
  | 'Exception';

export type NotifyErrorEntry = { error: NotifyErrorClass; message: string };

export class NotifyApiError extends Error {
  readonly statusCode: number;
  readonly errors: readonly NotifyErrorEntry[];
  /** A stable code for logs and tests: `notify.<class>`. */
  readonly code: string;

  constructor(statusCode: number, errors: readonly NotifyErrorEntry[]) {
    super(errors.map((entry) => entry.message).join('; '));
    this.name = 'NotifyApiError';
    this.statusCode = statusCode;
    this.errors = errors;
    this.code = `notify.${errors[0]?.error ?? 'Exception'}`;
  }

  toEnvelope(): { status_code: number; errors: NotifyErrorEntry[] } {
    return { status_code: this.statusCode, errors: [...this.errors] };
  }
}

export function authError(statusCode: 401 | 403, message: string): NotifyApiError {
  return new NotifyApiError(statusCode, [{ error: 'AuthError', message }]);
}

export function validationError(messages: readonly string[]): NotifyApiError {
  return new NotifyApiError(400, messages.map((message) => ({ error: 'ValidationError' as const, message })));
}

export function badRequest(message: string, statusCode = 400): NotifyApiError {
  return new NotifyApiError(statusCode, [{ error: 'BadRequestError', message }]);
}

export function noResultFound(): NotifyApiError {
  return new NotifyApiError(404, [{ error: 'NoResultFound', message: 'No result found' }]);
}

export function rateLimitExceeded(keyType: 'normal' | 'team' | 'test', limit: number, intervalSeconds: number): NotifyApiError {
  // Notify's documentation calls "normal" keys "live", and so does this message.
  const shown = (keyType === 'normal' ? 'live' : keyType).toUpperCase();
  return new NotifyApiError(429, [
    { error: 'RateLimitError', message: `Exceeded rate limit for key type ${shown} of ${limit} requests per ${intervalSeconds} seconds` },
  ]);
}

export function dailyLimitExceeded(type: string, limit: number): NotifyApiError {
  return new NotifyApiError(429, [{ error: 'TooManyRequestsError', message: `Exceeded send limits (${type}: ${limit}) for today` }]);
}

/** A passing outage (the database cut or unreachable): the client should try again after Retry-After. */
export function serviceUnavailable(): NotifyApiError {
  return new NotifyApiError(503, [{ error: 'Exception', message: 'Service unavailable, try again later' }]);
}

export function internalError(): NotifyApiError {
  return new NotifyApiError(500, [{ error: 'Exception', message: 'Internal server error' }]);
}
