import { formatAsPythonRepr } from './python-repr.ts';

/**
 * Notify's template language: `((name))` placeholders, matched ignoring case, spaces, `_` and
 * `-`; `((name??text))` shows `text` only when the value is yes, y, true, t, 1, include or show.
 */

export type Personalisation = Readonly<Record<string, unknown>>;

const PLACEHOLDER = /\(\(([^()]+)\)\)/g;
const CONDITIONAL_SEPARATOR = '??';
const SHOW_VALUES = new Set(['yes', 'y', 'true', 't', '1', 'include', 'show']);

/** The key two spellings of one placeholder share: `First name`, `first_name`, `FIRST-NAME`. */
export function normalisePlaceholderName(name: string): string {
  return name.toLowerCase().replace(/[\s_-]/g, '');
}

function splitPlaceholder(inner: string): { name: string; conditionalText?: string } {
  const at = inner.indexOf(CONDITIONAL_SEPARATOR);
  if (at === -1) return { name: inner.trim() };
  return { name: inner.slice(0, at).trim(), conditionalText: inner.slice(at + CONDITIONAL_SEPARATOR.length) };
}

/** Every placeholder name in the texts, as first written, in order of appearance, once each. */
export function listPlaceholders(...texts: ReadonlyArray<string | null | undefined>): string[] {
  const seen = new Map<string, string>();
  for (const text of texts) {
    if (!text) continue;
    for (const match of text.matchAll(PLACEHOLDER)) {
      const { name } = splitPlaceholder(match[1] as string);
      if (name === '') continue;
      const key = normalisePlaceholderName(name);
      if (!seen.has(key)) seen.set(key, name);
    }
  }
  return [...seen.values()];
}

export function normalisePersonalisation(personalisation: Personalisation): Map<string, unknown> {
  const values = new Map<string, unknown>();
  for (const [key, value] of Object.entries(personalisation)) values.set(normalisePlaceholderName(key), value);
  return values;
}

/** The placeholders the texts need that the personalisation does not give (null counts as not given). */
export function findMissingPersonalisation(
  personalisation: Personalisation,
  ...texts: ReadonlyArray<string | null | undefined>
): string[] {
  const values = normalisePersonalisation(personalisation);
  return listPlaceholders(...texts).filter((name) => {
    const value = values.get(normalisePlaceholderName(name));
    return value === undefined || value === null;
  });
}

/** How a list value is written where it lands: bullets in a body, `a, b and c` inline. */
export type ListStyle = 'bullets' | 'inline';

function formatInlineList(items: readonly string[]): string {
  if (items.length <= 1) return items.join('');
  return `${items.slice(0, -1).join(', ')} and ${items.at(-1)}`;
}

/** A value as Notify (Python's str()) writes it: `True` and `False` for booleans, objects and lists as Python writes them. */
function textOf(value: unknown): string {
  if (typeof value === 'boolean') return value ? 'True' : 'False';
  if (value !== null && typeof value === 'object') return formatAsPythonRepr(value);
  return String(value);
}

export function describeValue(value: unknown, listStyle: ListStyle): string {
  if (Array.isArray(value)) {
    const items = value.filter((item) => item !== null && item !== undefined && textOf(item).trim() !== '').map(textOf);
    if (listStyle === 'inline') return formatInlineList(items);
    return `\n\n${items.map((item) => `* ${item}`).join('\n')}\n\n`;
  }
  if (value === null || value === undefined) return '';
  return textOf(value);
}

/**
 * Replaces each placeholder with its value (conditionals with their text or nothing). A
 * placeholder with no value is left as written, as a preview shows it.
 */
export function fillPlaceholders(
  text: string,
  personalisation: Personalisation | Map<string, unknown>,
  options: { listStyle: ListStyle },
): string {
  const values = personalisation instanceof Map ? personalisation : normalisePersonalisation(personalisation);
  return text.replace(PLACEHOLDER, (whole, inner: string) => {
    const { name, conditionalText } = splitPlaceholder(inner);
    if (name === '') return whole;
    const value = values.get(normalisePlaceholderName(name));
    if (value === undefined || value === null) return whole;
    if (conditionalText !== undefined) {
      return SHOW_VALUES.has(String(value).trim().toLowerCase()) ? conditionalText : '';
    }
    return describeValue(value, options.listStyle);
  });
}
