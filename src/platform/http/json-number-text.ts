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
