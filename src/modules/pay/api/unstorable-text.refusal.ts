import type { FastifyRequest } from 'fastify';
import { isUnstorableText } from '../../../platform/http/unstorable-text.ts';
import { invalidSearchParameters, PayApiError, unparsableJson } from '../pay.errors.ts';

/**
 * How a Pay API route answers text no database can store (a NUL character, half a surrogate
 * pair), which the kernel refuses before any route runs. Each route says it as Pay answers a bad
 * value in that place: a path parameter is an id that does not exist (404 with the route's own
 * code), a search parameter is one of the search's invalid parameters (422 P0401 and its
 * siblings), a body attribute an invalid attribute value named as Pay names it (`line1`, not
 * `prefilled_cardholder_details.billing_address.line1`; `metadata` for any of its keys or values).
 */
export type UnstorableTextAnswers = {
  /** The 404 code of an id that does not exist. */
  notFound?: string;
  /** The 422 code of invalid search parameters. */
  invalidQuery?: string;
  /** The error for a body attribute, given Pay's name for it. */
  invalidBody?: (field: string) => PayApiError;
};

export const UNSTORABLE_EXPLANATION = 'Must not contain NUL characters or unpaired surrogates';

type Place = 'params' | 'query' | 'body';

/** The keys leading to the first unstorable text in a value, in the kernel's order of search. */
function findUnstorablePath(value: unknown, path: readonly string[] = []): string[] | undefined {
  if (typeof value === 'string') return isUnstorableText(value) ? [...path] : undefined;
  if (Array.isArray(value)) {
    for (const item of value) {
      const found = findUnstorablePath(item, path);
      if (found) return found;
    }
    return undefined;
  }
  if (value !== null && typeof value === 'object') {
    for (const [key, child] of Object.entries(value)) {
      if (isUnstorableText(key)) return [...path, key];
      const found = findUnstorablePath(child, [...path, key]);
      if (found) return found;
    }
  }
  return undefined;
}

function locateUnstorableText(request: FastifyRequest): { place: Place; path: string[] } | undefined {
  for (const place of ['params', 'query', 'body'] as const) {
    const path = findUnstorablePath(request[place]);
    if (path) return { place, path };
  }
  return undefined;
}

/** A name fit to show: the client's own text, with what cannot be shown replaced. */
const showable = (name: string) => name.replaceAll('\0', '\uFFFD').toWellFormed();

/** Pay names an attribute by its own key; metadata's keys and values are all `metadata`. */
function nameAttribute(path: readonly string[]): string | undefined {
  if (path.length === 0) return undefined;
  if (path[0] === 'metadata') return 'metadata';
  return showable(path[path.length - 1] as string);
}

export function answerUnstorableText(
  request: FastifyRequest,
  answers: UnstorableTextAnswers & { unparsable?: string },
): PayApiError {
  const found = locateUnstorableText(request);
  if (found?.place === 'params' && answers.notFound) {
    return new PayApiError({ statusCode: 404, code: answers.notFound, description: 'Not found' });
  }
  if (found?.place === 'query' && answers.invalidQuery && found.path.length > 0) {
    return invalidSearchParameters([showable(found.path[0] as string)], answers.invalidQuery);
  }
  if (found?.place === 'body') {
    const name = nameAttribute(found.path);
    if (name === undefined) return unparsableJson(answers.unparsable);
    if (answers.invalidBody) return answers.invalidBody(name);
  }
  // Somewhere the route reads nothing from (a query string Pay ignores, the body of a cancel).
  return new PayApiError({ statusCode: 400, code: answers.unparsable ?? 'P0197', description: 'Bad request' });
}
