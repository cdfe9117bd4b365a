import { numberTextOf } from '../../../platform/http/json-number-text.ts';
import { formatAsPythonNumber } from '../api/personalisation-numbers.ts';

/**
 * A personalisation value that is an object or a list, written as Notify writes it: Python's
 * `str()` of what `json.loads` made of it, `{'a': 1, 'b': [True, None, 1.0]}`. Numbers keep the
 * text they were sent as (integers exactly, others as Python's float repr).
 *
 * One difference is left: JavaScript puts an object's integer-like keys (`"2"`) first, where
 * Python keeps the order they were sent in.
 */
export function formatAsPythonRepr(value: unknown, holder?: object, key?: string | number): string {
  if (value === null || value === undefined) return 'None';
  if (typeof value === 'boolean') return value ? 'True' : 'False';
  if (typeof value === 'number') return formatAsPythonNumber(holder && key !== undefined ? numberTextOf(holder, key, value) : String(value), value);
  if (typeof value === 'string') return quoteAsPython(value);
  if (Array.isArray(value)) return `[${value.map((item, index) => formatAsPythonRepr(item, value, index)).join(', ')}]`;
  if (typeof value === 'object') {
    const entries = Object.entries(value).map(([name, item]) => `${quoteAsPython(name)}: ${formatAsPythonRepr(item, value, name)}`);
    return `{${entries.join(', ')}}`;
  }
  return String(value);
}

/** What Python's str.isprintable() refuses: control, format, surrogate, private-use, unassigned and separator characters but the space. */
const UNPRINTABLE = /^[\p{Cc}\p{Cf}\p{Cs}\p{Co}\p{Cn}\p{Zl}\p{Zp}\p{Zs}]$/u;
const NAMED_ESCAPES: Record<string, string> = { '\\': '\\\\', '\t': '\\t', '\n': '\\n', '\r': '\\r' };

function escapeCodePoint(codePoint: number): string {
  if (codePoint <= 0xff) return `\\x${codePoint.toString(16).padStart(2, '0')}`;
  if (codePoint <= 0xffff) return `\\u${codePoint.toString(16).padStart(4, '0')}`;
  return `\\U${codePoint.toString(16).padStart(8, '0')}`;
}

/**
 * Python's repr of a string: in single quotes, or double quotes when it holds a single quote and
 * no double quote; backslash, the quote, tab, newline and carriage return escaped by name, other
 * characters that do not print as \xhh, \uhhhh or \Uhhhhhhhh.
 */
export function quoteAsPython(text: string): string {
  const quote = text.includes("'") && !text.includes('"') ? '"' : "'";
  let written = quote;
  for (const character of text) {
    const named = NAMED_ESCAPES[character];
    if (named !== undefined) written += named;
    else if (character === quote) written += `\\${quote}`;
    else if (character !== ' ' && UNPRINTABLE.test(character)) written += escapeCodePoint(character.codePointAt(0) as number);
    else written += character;
  }
  return `${written}${quote}`;
}
