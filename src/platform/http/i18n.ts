import { readFileSync } from 'node:fs';
import { join } from 'node:path';

export const LOCALES = ['en', 'cy'] as const;
export type Locale = (typeof LOCALES)[number];

export type MessageCatalogue = { readonly [key: string]: string | MessageCatalogue };
export type MessageParameters = Readonly<Record<string, string | number>>;
export type Translate = (key: string, parameters?: MessageParameters) => string;

export function isLocale(value: unknown): value is Locale {
  return LOCALES.includes(value as Locale);
}

/** `{ a: { b: 'text' } }` becomes `{ 'a.b': 'text' }`. */
export function flattenCatalogue(catalogue: MessageCatalogue, prefix = ''): Map<string, string> {
  const flat = new Map<string, string>();
  for (const [key, value] of Object.entries(catalogue)) {
    const path = prefix ? `${prefix}.${key}` : key;
    if (typeof value === 'string') flat.set(path, value);
    else for (const [nested, text] of flattenCatalogue(value, path)) flat.set(nested, text);
  }
  return flat;
}

export class MissingMessageError extends Error {
  readonly code = 'MISSING_MESSAGE';
}

/**
 * Builds one `t(key, parameters)` per language from every module's catalogues. A missing key is
 * an error, not a silent fallback: tests render every page in both languages and catch it.
 */
export function createTranslations(
  catalogues: ReadonlyArray<{ en: MessageCatalogue; cy: MessageCatalogue }>,
): Record<Locale, Translate> {
  const build = (locale: Locale): Translate => {
    const messages = new Map<string, string>();
    for (const catalogue of catalogues) {
      for (const [key, text] of flattenCatalogue(catalogue[locale])) messages.set(key, text);
    }
    return (key, parameters) => {
      const text = messages.get(key);
      if (text === undefined) throw new MissingMessageError(`No ${locale} text for "${key}"`);
      if (!parameters) return text;
      return text.replace(/\{(\w+)\}/g, (placeholder, name: string) =>
        name in parameters ? String(parameters[name]) : placeholder,
      );
    };
  };
  return { en: build('en'), cy: build('cy') };
}

/** Reads `en.json` and `cy.json` from a module's locales folder. */
export function readMessageCatalogues(directory: string): { en: MessageCatalogue; cy: MessageCatalogue } {
  const read = (locale: Locale) => JSON.parse(readFileSync(join(directory, `${locale}.json`), 'utf8')) as MessageCatalogue;
  return { en: read('en'), cy: read('cy') };
}
