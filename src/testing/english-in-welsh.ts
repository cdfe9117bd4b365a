import { platformMessages } from '../platform/http/create-http-app.ts';
import { flattenCatalogue } from '../platform/http/i18n.ts';
import type { CivitasModule } from '../platform/module.ts';

/**
 * Finds English left on a page that should be all Welsh: every English text of the message
 * files (each run of three words or more between its placeholders) and the commonest English
 * words. Names are allowed (brand names, GOV.UK, email and web addresses); anything else the
 * page shows in English is reported with the words around it.
 */

/** Names that are the same in both languages. */
export const NAMES_ALLOWED = ['GOV.UK One Login', 'One Login', 'GOV.UK Notify', 'GOV.UK Pay', 'GOV.UK', 'Civitas', 'Notify', 'Pay', 'OpenID Connect', 'English'];

// Words that are English and never Welsh (so not "a", "i", "am", "at", "do", "hi", "is", "tab", "to" or "we").
const ENGLISH_WORDS = new Set(
  `the and your you with for this that what have has are was were will can not from page service enter continue sign back
  please there account password select change delete send sent error menu our of or by if be it does how when
  which who must should been more than into other only about check show hide search start new next previous yes day days time
  date name number message messages text phone mobile code codes security cancel confirm payment payments reference amount
  status details help contact team settings key keys template templates create created add added remove removed view open
  opens close link full empty none any each every here now again try later sorry thank home terms conditions privacy
  accessibility statement cookie cookies licence copyright crown content under except otherwise stated skip main
  language email address card expiry month year report activity device devices sign-in signed out in on up it's don't
  you're we're can't won't isn't`.split(/\s+/),
);

export type EnglishFound = { kind: 'catalogue' | 'word'; found: string; context: string };

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: ' ' };

export function decodeEntities(text: string): string {
  return text.replace(/&(#x[0-9a-f]+|#\d+|[a-z]+);/gi, (entity, name: string) => {
    if (name.startsWith('#x') || name.startsWith('#X')) return String.fromCodePoint(parseInt(name.slice(2), 16));
    if (name.startsWith('#')) return String.fromCodePoint(Number(name.slice(1)));
    return ENTITIES[name.toLowerCase()] ?? entity;
  });
}

/** What a person sees or hears of a page: its title, its text, and the labels and alternatives in its attributes. */
export function textOfPage(html: string): string {
  const withoutCode = html.replace(/<(script|style|template|code)\b[\s\S]*?<\/\1>/gi, ' ').replace(/<!--[\s\S]*?-->/g, ' ');
  const spoken = [...withoutCode.matchAll(/\s(?:aria-label|alt|title|placeholder)="([^"]*)"/gi)].map((match) => match[1]);
  const buttons = [...withoutCode.matchAll(/<input[^>]*type="(?:submit|button)"[^>]*value="([^"]*)"/gi)].map((match) => match[1]);
  const text = withoutCode.replace(/<[^>]+>/g, ' ');
  return decodeEntities([text, ...spoken, ...buttons].join(' \n ')).replace(/\s+/g, ' ').trim();
}

function withoutNames(text: string, allowed: readonly string[]): string {
  let rest = text
    .replace(/[^\s@]+@[^\s@]+\.[a-z]{2,}/gi, ' ')
    .replace(/https?:\/\/\S+/g, ' ')
    .replace(/(^|\s)\/[^\s]*/g, ' ')
    // Names from code and protocols are the same in every language: private_key_jwt, prompt=none,
    // account:ID, identity.sign-in.completed, and the commands an operator types.
    .replace(/npx civitas(?: (?:--)?[A-Za-z][\w-]*)+/g, ' ')
    .replace(/\S*[_=]\S*|\S+:\S+|\b[a-z-]+(?:\.[a-z-]+)+\b/g, ' ')
    // Identifiers (UUIDs, keys, references) hold letters by chance: "01a23be2-…" is not the word "be".
    .replace(/\S*\d\S*/g, ' ');
  for (const name of [...allowed].sort((a, b) => b.length - a.length)) rest = rest.split(name).join(' ');
  return rest.replace(/\s+/g, ' ');
}

/** Every English text of these modules' message files, cut at its placeholders and markup into runs of three words or more. */
export function englishCatalogueRuns(modules: readonly CivitasModule[]): string[] {
  const runs = new Set<string>();
  const catalogues = [platformMessages, ...modules.flatMap((module) => module.messages ?? [])];
  for (const catalogue of catalogues) {
    for (const text of flattenCatalogue(catalogue.en).values()) {
      for (const piece of decodeEntities(text.replace(/<[^>]+>/g, '\u0000')).split(/%?\{\w+\}|\u0000|[.:;!?()]/)) {
        const run = piece.replace(/\s+/g, ' ').trim();
        if ((run.match(/[A-Za-z]{2,}/g) ?? []).length >= 3) runs.add(run);
      }
    }
  }
  return [...runs];
}

function around(text: string, index: number, length: number): string {
  return text.slice(Math.max(0, index - 40), index + length + 40);
}

/** `names`: more names the page may show, such as what a test's service team called its service. */
export function findEnglish(html: string, options: { catalogueRuns: readonly string[]; names?: readonly string[] }): EnglishFound[] {
  const text = withoutNames(textOfPage(html), [...NAMES_ALLOWED, ...(options.names ?? [])]);
  const found: EnglishFound[] = [];
  for (const run of options.catalogueRuns) {
    const index = text.indexOf(run);
    if (index >= 0) found.push({ kind: 'catalogue', found: run, context: around(text, index, run.length) });
  }
  for (const match of text.matchAll(/\p{L}[\p{L}'’-]*/gu)) {
    const word = match[0].toLowerCase().replace(/’/g, "'");
    if (ENGLISH_WORDS.has(word)) found.push({ kind: 'word', found: match[0], context: around(text, match.index, match[0].length) });
  }
  return found;
}

/**
 * Checks page after page of a Welsh walk and keeps what it finds by page, to be reported all
 * together at the end. Pages that are not HTML documents (JSON, files) are not looked at.
 */
export function createWelshWalk(modules: readonly CivitasModule[], options: { names?: readonly string[] } = {}) {
  const catalogueRuns = englishCatalogueRuns(modules);
  const findings = new Map<string, EnglishFound[]>();
  let pagesChecked = 0;
  return {
    check(html: string, label: string): void {
      if (!/^\s*<!DOCTYPE html>/i.test(html)) return;
      pagesChecked += 1;
      const found = findEnglish(html, { catalogueRuns, names: options.names });
      if (!/<html lang="cy"/.test(html)) found.unshift({ kind: 'word', found: '<html lang> is not "cy"', context: '' });
      if (found.length > 0) findings.set(label, [...(findings.get(label) ?? []), ...found]);
    },
    get pagesChecked() {
      return pagesChecked;
    },
    /** Every finding, page by page; empty when the walk found no English. */
    report(): string {
      return [...findings]
        .map(([label, found]) => `${label}\n${found.map((item) => `  ${item.kind} "${item.found}": …${item.context}…`).join('\n')}`)
        .join('\n');
    },
  };
}
