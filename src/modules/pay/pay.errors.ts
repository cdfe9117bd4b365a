/**
 * Errors of the Pay API, answered in GOV.UK Pay's envelope: `{ code, description, field? }`
 * (or `header` for a request header), with Pay's P-codes and HTTP statuses. Descriptions never
 * carry personal data or card numbers.
 */
export class PayApiError extends Error {
  readonly statusCode: number;
  readonly payCode: string;
  readonly field: string | undefined;
  readonly header: string | undefined;

  constructor(details: { statusCode: number; code: string; description: string; field?: string; header?: string }) {
    super(details.description);
    this.name = 'PayApiError';
    this.statusCode = details.statusCode;
    this.payCode = details.code;
    this.field = details.field;
    this.header = details.header;
  }

  toJSON(): PayErrorBody {
    return {
      code: this.payCode,
      description: this.message,
      ...(this.field === undefined ? {} : { field: this.field }),
      ...(this.header === undefined ? {} : { header: this.header }),
    };
  }
}

export type PayErrorBody = { code: string; description: string; field?: string; header?: string };

export function missingAttribute(field: string, code = 'P0101'): PayApiError {
  return new PayApiError({ statusCode: 400, code, field, description: `Missing mandatory attribute: ${field}` });
}

/** A value of the wrong JSON type: 400, as Pay answers it. */
export function wrongType(field: string, explanation: string, code = 'P0102'): PayApiError {
  return new PayApiError({ statusCode: 400, code, field, description: `Invalid attribute value: ${field}. ${explanation}` });
}

/** A value of the right type that breaks a rule (length, range, format): 422. */
export function invalidAttribute(field: string, explanation: string, code = 'P0102'): PayApiError {
  return new PayApiError({ statusCode: 422, code, field, description: `Invalid attribute value: ${field}. ${explanation}` });
}

export function unparsableJson(code = 'P0197'): PayApiError {
  return new PayApiError({ statusCode: 400, code, description: 'Unable to parse JSON' });
}

export function notFound(code: string): PayApiError {
  return new PayApiError({ statusCode: 404, code, description: 'Not found' });
}

export function tooManyRequests(): PayApiError {
  return new PayApiError({ statusCode: 429, code: 'P0900', description: 'Too many requests' });
}

export function invalidSearchParameters(fields: readonly string[], code: string): PayApiError {
  return new PayApiError({
    statusCode: 422,
    code,
    description: `Invalid parameters: ${fields.join(', ')}. See Public API documentation for the correct data formats`,
  });
}

export function pageNotFound(code: string): PayApiError {
  return new PayApiError({ statusCode: 404, code, description: 'Page not found' });
}

/** A 500 that tells the caller nothing of the cause: Pay's "Downstream system error". */
export function downstreamError(code: string): PayApiError {
  return new PayApiError({ statusCode: 500, code, description: 'Downstream system error' });
}

/** A passing outage (the database cut or unreachable): 503, to be tried again after Retry-After. */
export function payUnavailable(): PayApiError {
  return new PayApiError({ statusCode: 503, code: 'P0999', description: 'Pay is unavailable' });
}

export function accountNotConfigured(): PayApiError {
  return new PayApiError({
    statusCode: 403,
    code: 'P0940',
    description:
      'Account is not fully configured. Please refer to documentation to setup your account or contact support.',
  });
}
