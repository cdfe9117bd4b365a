import type { FastifyInstance } from 'fastify';
import { CivitasError } from './errors.ts';

/** The stable code of the error text no database can store is refused with; each API answers it in its own envelope. */
export const UNSTORABLE_TEXT = 'UNSTORABLE_TEXT';

/**
 * Text that cannot be stored or sent on: a NUL character (PostgreSQL's text type refuses it, and C
 * libraries downstream read it as the end of the string) or half of a UTF-16 surrogate pair (not
 * Unicode at all, so not encodable as UTF-8). Both arrive only from a client trying its luck.
 */
export function isUnstorableText(text: string): boolean {
  return text.includes('\0') || !text.isWellFormed();
}

/**
 * Where in a parsed value (a JSON body, a query string, a form) the first unstorable string is, as
 * a path such as `metadata.reference` or `items[2]`, or undefined when all of it can be stored.
 * Keys count as much as values: a key is stored too (metadata, personalisation).
 */
export function findUnstorableText(value: unknown, path = ''): string | undefined {
  if (typeof value === 'string') return isUnstorableText(value) ? path || '(body)' : undefined;
  if (Array.isArray(value)) {
    for (let index = 0; index < value.length; index += 1) {
      const found = findUnstorableText(value[index], `${path}[${index}]`);
      if (found !== undefined) return found;
    }
    return undefined;
  }
  if (value !== null && typeof value === 'object') {
    for (const [key, child] of Object.entries(value)) {
      const childPath = path ? `${path}.${key}` : key;
      if (isUnstorableText(key)) return childPath;
      const found = findUnstorableText(child, childPath);
      if (found !== undefined) return found;
    }
  }
  return undefined;
}

export class UnstorableTextError extends CivitasError {
  /** The field holding the text, for an API that names fields in its errors. */
  readonly field: string;

  constructor(field: string) {
    super({
      code: UNSTORABLE_TEXT,
      statusCode: 400,
      message: `${field} must not contain NUL characters or unpaired surrogates`,
    });
    this.field = field;
  }
}

/**
 * Refuses, before any route runs, a request whose path parameters, query or body hold text that
 * cannot be stored. Checked once here rather than by every validator, so no route can forget it and
 * no half-done work (a payment authorised with the provider, then not recorded) can follow it.
 */
export function refuseUnstorableText(app: FastifyInstance): void {
  app.addHook('preValidation', (request, _reply, done) => {
    const field =
      findUnstorableText(request.params) ?? findUnstorableText(request.query) ?? findUnstorableText(request.body);
    done(field === undefined ? undefined : new UnstorableTextError(field));
  });
}
