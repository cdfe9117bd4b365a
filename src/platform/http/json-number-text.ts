import type { FastifyInstance, FastifyRequest } from 'fastify';
import { JSON_BODY_MAX_DEPTH, jsonBodyTooDeep, nestsDeeperThan } from './json-body.ts';

/**
 * JSON numbers as they were written. JavaScript reads every JSON number as a double, so
 * `12345678901234567890` becomes 12345678901234567000, `1.0` becomes 1 and `1e400` Infinity;
 * the APIs Civitas stands in for (Python, Java) keep integers exact and know `1.0` from `1`.
 * Parsing with `parseJsonKeepingNumberText` remembers the text of every number whose value
 * would not write it back the same, so the code that needs the number as it was sent (Notify's
 * personalisation, Pay's metadata) can ask for it with `numberTextOf`.
 */

/** Texts by the object or array that holds them, then by key (an array's index as text). */
const numberTexts = new WeakMap<object, Map<string, string>>();

type ReviverContext = { source?: string };

const INTEGER_TEXT = /^-?\d+$/;

export type NumberTextOptions = {
  /**
   * The most digits an integer may have (Python refuses to read an integer of more than 4,300
   * digits); past it the body is refused as JSON that does not parse.
   */
  maxIntegerDigits?: number;
};

/**
 * `JSON.parse`, remembering number texts. Keys such as `__proto__` become ordinary own
 * properties (JSON.parse defines properties, it never assigns a prototype). Throws SyntaxError
 * as JSON.parse does.
 */
export function parseJsonKeepingNumberText(text: string, options: NumberTextOptions = {}): unknown {
  const { maxIntegerDigits } = options;
  return JSON.parse(text, function remember(this: object, key: string, value: unknown, context?: ReviverContext) {
    if (typeof value !== 'number') return value;
    const source = context?.source;
    if (source === undefined) return value;
    if (maxIntegerDigits !== undefined && source.length > maxIntegerDigits && INTEGER_TEXT.test(source)) {
      const digits = source.startsWith('-') ? source.length - 1 : source.length;
      if (digits > maxIntegerDigits) throw new SyntaxError(`An integer of more than ${maxIntegerDigits} digits`);
    }
    if (source === String(value)) return value;
    let texts = numberTexts.get(this);
    if (texts === undefined) {
      texts = new Map();
      numberTexts.set(this, texts);
    }
    texts.set(key, source);
    return value;
  } as (this: unknown, key: string, value: unknown) => unknown);
}

/**
 * The text a number held under `key` in `holder` was written as: what the parser remembered,
 * or else the number's own text (which then writes it exactly).
 */
export function numberTextOf(holder: object, key: string | number, value: number): string {
  return numberTexts.get(holder)?.get(String(key)) ?? String(value);
}

/** Whether JSON text is an integer (no fraction, no exponent): Python and Java read these exactly. */
export function isIntegerText(text: string): boolean {
  return INTEGER_TEXT.test(text);
}

/** What `JSON.rawJSON` makes (Node 24; not yet in TypeScript's library): JSON.stringify writes its text as it is. */
export type RawJsonText = { readonly rawJSON: string };

const { rawJSON } = JSON as unknown as { rawJSON(text: string): RawJsonText };

/**
 * A number that JSON.stringify (and a response schema that leaves the value's type open) writes
 * back exactly as it was sent: the number itself when its own text does that, else its text as
 * raw JSON.
 */
export function keepNumberAsSent(holder: object, key: string | number, value: number): number | RawJsonText {
  const text = numberTextOf(holder, key, value);
  return text === String(value) ? value : rawJSON(text);
}

type ParserDone = (error: Error | null, body?: unknown) => void;

/**
 * A content-type parser (for `addContentTypeParser(type, { parseAs: 'string' }, ...)`) that reads
 * JSON keeping number texts, after the kernel's depth check. An empty body is the framework's to
 * refuse, in its own words (FST_ERR_CTP_EMPTY_JSON_BODY); a body that does not parse is a
 * SyntaxError with status 400. `afterParse` may rewrite the parsed value in place, or throw a
 * SyntaxError to refuse it.
 *
 * Unlike the framework's parser, a `__proto__` or `constructor.prototype` key is accepted, as
 * Python and Java accept it: JSON.parse makes it an ordinary own property. Code reading such a
 * body must never copy its keys by assignment (`target[key] = value`, Object.assign), which
 * would set a prototype; define them (Object.fromEntries, spread, Object.defineProperty).
 */
export function createJsonParserKeepingNumberText(
  app: FastifyInstance,
  options: NumberTextOptions & { afterParse?: (body: unknown) => void } = {},
): (request: FastifyRequest, body: string | Buffer, done: ParserDone) => void {
  const parseJson = app.getDefaultJsonParser('error', 'error');
  return (request, body, done) => {
    const text = body as string;
    if (nestsDeeperThan(text, JSON_BODY_MAX_DEPTH)) {
      done(jsonBodyTooDeep(), undefined);
      return;
    }
    if (text.trim() === '') {
      parseJson(request, text, done);
      return;
    }
    let parsed: unknown;
    try {
      parsed = parseJsonKeepingNumberText(text, options);
      options.afterParse?.(parsed);
    } catch (error) {
      done(Object.assign(error as Error, { statusCode: 400 }), undefined);
      return;
    }
    done(null, parsed);
  };
}
