import type { Locale } from '../../../../platform/http/i18n.ts';

/** Codes the Unicode data names as regions that are not countries a card can be billed in. */
const NOT_COUNTRIES = new Set(['AC', 'CP', 'CQ', 'DG', 'EA', 'EU', 'EZ', 'IC', 'QO', 'TA', 'UN', 'XA', 'XB', 'ZZ']);

function listCountryCodes(): string[] {
  const names = new Intl.DisplayNames(['en'], { type: 'region', fallback: 'none' });
  const codes: string[] = [];
  const letters = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ';
  for (const first of letters) {
    for (const second of letters) {
      const code = first + second;
      if (NOT_COUNTRIES.has(code) || !names.of(code)) continue;
      // Old codes (such as DD for Germany) are aliases of current ones: keep only current codes.
      if (new Intl.Locale(`und-${code}`).region === code) codes.push(code);
    }
  }
  return codes;
}

/** ISO 3166-1 alpha-2 codes of the countries and territories a billing address may be in. */
export const COUNTRY_CODES: ReadonlySet<string> = new Set(listCountryCodes());

const cache = new Map<Locale, ReadonlyArray<{ value: string; text: string }>>();

/** The countries by name in the page's language, sorted as that language sorts. */
export function listCountries(locale: Locale): ReadonlyArray<{ value: string; text: string }> {
  const cached = cache.get(locale);
  if (cached) return cached;
  const names = new Intl.DisplayNames([locale], { type: 'region' });
  const collator = new Intl.Collator(locale);
  const countries = [...COUNTRY_CODES]
    .map((code) => ({ value: code, text: names.of(code) ?? code }))
    .sort((a, b) => collator.compare(a.text, b.text));
  cache.set(locale, countries);
  return countries;
}

export function describeCountry(code: string, locale: Locale): string {
  return new Intl.DisplayNames([locale], { type: 'region' }).of(code) ?? code;
}
