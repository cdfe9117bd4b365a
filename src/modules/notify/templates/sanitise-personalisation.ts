/**
 * `sanitise_content_for`: the personalisation values an email's sender does not trust, made
 * inert as GOV.UK Notify makes them (notifications-api app/v2/notifications/post_notifications.py):
 * a link is removed, unless it could be an accidental one (`example.com`, which is broken up as
 * `example. com`), then every Markdown character is escaped with a backslash. Keys match ignoring
 * case, spaces, `_` and `-`, as placeholders do. Only emails are sanitised; Notify answers with
 * `sanitised_content`: each value that changed, before and after.
 */
import { normalisePlaceholderName } from './placeholders.ts';

/**
 * notifications-utils' `formatters.url`: an optional scheme, (sub)domains, a top-level domain, a
 * path; each label at most 63 characters and at most 126 of them, as DNS has them. A match starts
 * only where a run of domain characters (letters, digits, `_`, `-`, `.`, `@`) starts, not at each
 * word boundary inside one as notifications-utils' `\b` allows: from every `a` of `a-a-a-…` the
 * pattern scanned on to the run's end, so time grew with the square of the value. Starting at the
 * run's start, it scans each character about once; a domain inside a run (`x-evil.com`) is found
 * from the run's start all the same.
 */
const URL_PATTERN = /(?<![\w@.-])(?:https?:\/\/)?(?:[\w-]{1,63}\.){1,126}[a-z]{2,63}(?!@)\b(?:[/?#][^<\s]*)?/gi;
const MARKDOWN_CHARACTER = /([`*_()\\{}[\]<>#+\-.!|])/g;

export function sanitisePersonalisationValue(value: string): string {
  const withoutLinks = value.replace(URL_PATTERN, (link) => (/^[a-zA-Z0-9.-]+$/.test(link) ? link.replace(/\./g, '. ') : ''));
  return withoutLinks.replace(MARKDOWN_CHARACTER, '\\$1');
}

export type SanitisedContent = Record<string, { unsanitised: string; sanitised: string }>;

export function sanitisePersonalisation(
  personalisation: Record<string, unknown>,
  sanitiseContentFor: readonly string[],
): { personalisation: Record<string, unknown>; sanitisedContent: SanitisedContent } {
  const names = new Set(sanitiseContentFor.map(normalisePlaceholderName));
  // Built from entries, which define keys: a key named __proto__ is a key like any other, as in
  // Notify, where assigning it would set the object's prototype.
  const sanitised: Array<[string, unknown]> = [];
  const sanitisedContent: Array<[string, { unsanitised: string; sanitised: string }]> = [];
  for (const [key, value] of Object.entries(personalisation)) {
    if (typeof value === 'string' && names.has(normalisePlaceholderName(key))) {
      const result = sanitisePersonalisationValue(value);
      sanitised.push([key, result]);
      if (result !== value) sanitisedContent.push([key, { unsanitised: value, sanitised: result }]);
    } else {
      sanitised.push([key, value]);
    }
  }
  return { personalisation: Object.fromEntries(sanitised), sanitisedContent: Object.fromEntries(sanitisedContent) };
}
