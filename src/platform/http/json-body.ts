import type { FastifyInstance } from 'fastify';
import { CivitasError } from './errors.ts';

/**
 * The most any JSON body may nest objects and arrays. Every API's real bodies nest three or four
 * levels; past a few thousand, code that walks a value recursively (validators, the messages that
 * quote a value back) runs out of stack, so depth is refused before a body is parsed.
 */
export const JSON_BODY_MAX_DEPTH = 64;

/** The largest body any route accepts unless it sets its own `bodyLimit`. */
export const DEFAULT_BODY_LIMIT_BYTES = 1024 * 1024;

/** The stable code of the error a too deeply nested body is refused with; each API answers it in its own envelope. */
export const JSON_BODY_TOO_DEEP = 'JSON_BODY_TOO_DEEP';

export function jsonBodyTooDeep(): CivitasError {
  return new CivitasError({
    code: JSON_BODY_TOO_DEEP,
    statusCode: 400,
    message: `The JSON body nests objects and arrays more than ${JSON_BODY_MAX_DEPTH} levels deep`,
  });
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_BRACE = 0x7b;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACE = 0x7d;
const CLOSE_BRACKET = 0x5d;

/**
 * Whether JSON text nests deeper than `maxDepth`, read from the text without parsing it. Strings
 * are skipped with `indexOf` (a large base64 file costs next to nothing); text that is not JSON
 * is left for the parser to refuse.
 */
export function nestsDeeperThan(text: string, maxDepth: number): boolean {
  let depth = 0;
  for (let index = 0; index < text.length; index += 1) {
    const code = text.charCodeAt(index);
    if (code === QUOTE) {
      let end = index;
      for (;;) {
        end = text.indexOf('"', end + 1);
        if (end === -1) return false;
        let backslashes = 0;
        while (text.charCodeAt(end - 1 - backslashes) === BACKSLASH) backslashes += 1;
        if (backslashes % 2 === 0) break;
      }
      index = end;
    } else if (code === OPEN_BRACE || code === OPEN_BRACKET) {
      depth += 1;
      if (depth > maxDepth) return true;
    } else if (code === CLOSE_BRACE || code === CLOSE_BRACKET) {
      depth -= 1;
    }
  }
  return false;
}

/**
 * Replaces Fastify's JSON parser for every route of the app (each module's API inherits it): the
 * same parser (prototype poisoning refused), after a depth check. Size is bounded by each
 * route's body limit. Errors keep Fastify's codes, or `JSON_BODY_TOO_DEEP`, so each API's error
 * handler answers them in its own envelope.
 */
export function registerJsonBodyParser(app: FastifyInstance): void {
  const parseJson = app.getDefaultJsonParser('error', 'error');
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
    const text = body as string;
    if (nestsDeeperThan(text, JSON_BODY_MAX_DEPTH)) {
      done(jsonBodyTooDeep(), undefined);
      return;
    }
    parseJson(request, text, done);
  });
}
