import { isIntegerText, numberTextOf } from '../../../platform/http/json-number-text.ts';

/**
 * Numbers in a personalisation, written as Notify writes them. Notify (Python) reads a JSON
 * integer exactly and a number with a fraction or exponent as a float, and fills a placeholder
 * with `str(value)`: integers digit for digit as sent, floats as Python's repr (`1.0`, `1e+16`,
 * `1e-07`, `inf`). JavaScript would write 12345678901234567000, `1` and `Infinity`.
 */

/**
 * Python's repr of a float: the shortest digits that read back as the same double (as
 * JavaScript's), in fixed notation from 1e-4 up to 1e16 (always with a fraction), otherwise in
 * exponent notation with a signed, at least two-digit exponent.
 */
export function formatAsPythonFloat(value: number): string {
  if (Number.isNaN(value)) return 'nan';
  if (value === Infinity) return 'inf';
  if (value === -Infinity) return '-inf';
  if (value === 0) return Object.is(value, -0) ? '-0.0' : '0.0';
  const [mantissa = '', exponentText = '0'] = value.toExponential().split('e');
  const sign = mantissa.startsWith('-') ? '-' : '';
  const digits = mantissa.replace('-', '').replace('.', '');
  const exponent = Number(exponentText);
  // Where the decimal point falls after the first `point` digits (Python's decpt).
  const point = exponent + 1;
  if (point <= -4 || point > 16) {
    const fraction = digits.length > 1 ? `.${digits.slice(1)}` : '';
    const exponentSign = exponent < 0 ? '-' : '+';
    return `${sign}${digits[0]}${fraction}e${exponentSign}${String(Math.abs(exponent)).padStart(2, '0')}`;
  }
  if (point <= 0) return `${sign}0.${'0'.repeat(-point)}${digits}`;
  if (point >= digits.length) return `${sign}${digits}${'0'.repeat(point - digits.length)}.0`;
  return `${sign}${digits.slice(0, point)}.${digits.slice(point)}`;
}

/** What Python's str() gives for a JSON number written as `text` (whose value as a double is `value`). */
export function formatAsPythonNumber(text: string, value: number): string {
  if (isIntegerText(text)) return text === '-0' ? '0' : text;
  return formatAsPythonFloat(value);
}

/**
 * Address lines are read as `str(value or "")`: a zero (0, 0.0) is no line at all, so it stays
 * a number here for the address code to leave out, as it does today.
 */
const ADDRESS_KEY = /^(?:addressline[1-7]|postcode)$/;

function pythonTextOf(holder: object, key: string | number, value: number): string {
  return formatAsPythonNumber(numberTextOf(holder, key, value), value);
}

/**
 * Replaces the numbers of a personalisation (its values, and the items of its list values) with
 * the text Notify would fill in for them, where that differs from JavaScript's; every other
 * value is left as it is.
 */
export function writeNumbersAsNotifyDoes(personalisation: Record<string, unknown>): void {
  for (const [key, value] of Object.entries(personalisation)) {
    if (typeof value === 'number') {
      if (value === 0 && ADDRESS_KEY.test(key.toLowerCase().replace(/[\s_-]/g, ''))) continue;
      const text = pythonTextOf(personalisation, key, value);
      if (text !== String(value)) Object.defineProperty(personalisation, key, { value: text, enumerable: true, writable: true, configurable: true });
    } else if (Array.isArray(value)) {
      for (let index = 0; index < value.length; index += 1) {
        const item: unknown = value[index];
        if (typeof item !== 'number') continue;
        const text = pythonTextOf(value, index, item);
        if (text !== String(item)) value[index] = text;
      }
    }
  }
}
