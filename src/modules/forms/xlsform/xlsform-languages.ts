import type { Language, LocalisedText } from '../definition/form-definition.ts';
import type { Sheet, SheetRow } from './read-workbook.ts';
import type { XlsformProblem } from './xlsform-problems.ts';

/** The columns whose text a person reads, which may be given per language (`label::Welsh (cy)`). */
export const TEXT_COLUMNS = ['label', 'hint', 'guidance_hint', 'constraint_message', 'required_message', 'form_title', 'what_happens_next', 'declaration', 'support_phone'] as const;
export type TextColumn = (typeof TEXT_COLUMNS)[number];

const NAMES: Readonly<Record<string, Language>> = { en: 'en', english: 'en', cy: 'cy', welsh: 'cy', cymraeg: 'cy' };

/**
 * The language a column suffix or `default_language` names: `English (en)`, `Welsh (cy)`,
 * `cy`, `Welsh`, `Cymraeg`; `default` (pyxform's name for unsuffixed text) is English.
 * Any other language is returned as written.
 */
export function readLanguage(suffix: string): Language | { other: string } {
  const code = /\(([A-Za-z-]+)\)\s*$/.exec(suffix)?.[1]?.toLowerCase();
  const name = suffix.trim().toLowerCase();
  const known = (code ? NAMES[code] : undefined) ?? NAMES[name] ?? (name === 'default' ? 'en' : undefined);
  return known ?? { other: suffix.trim() };
}

/** How texts are read from a form's columns: the language of unsuffixed columns, whether Welsh is offered. */
export class XlsformLanguages {
  readonly defaultLanguage: Language;
  readonly welsh: boolean;
  readonly problems: XlsformProblem[];

  constructor(input: { defaultLanguage: Language; sheets: ReadonlyArray<Sheet | undefined>; problems: XlsformProblem[]; warnings: XlsformProblem[] }) {
    this.defaultLanguage = input.defaultLanguage;
    this.problems = input.problems;
    let welsh = input.defaultLanguage === 'cy';
    for (const sheet of input.sheets) {
      const others = new Set<string>();
      for (const column of sheet?.columns ?? []) {
        const [base, suffix] = column.split('::');
        if (suffix === undefined || !(TEXT_COLUMNS as readonly string[]).includes(base ?? '')) continue;
        const language = readLanguage(suffix);
        if (language === 'cy') welsh = true;
        else if (typeof language === 'object') others.add(language.other);
      }
      for (const other of others) input.warnings.push({ sheet: sheet?.name ?? '', message: `the columns in ${other} are left out: Civitas offers forms in English and Welsh` });
    }
    this.welsh = welsh;
  }

  /** The column's text in English and, on a Welsh form, Welsh; undefined when the row has none; a missing language is a problem. */
  textOf(sheet: string, row: SheetRow, column: TextColumn): LocalisedText | undefined {
    const texts: Partial<Record<Language, string>> = {};
    for (const [heading, value] of row.cells) {
      const [base, suffix] = heading.split('::');
      if (base !== column) continue;
      const language = suffix === undefined ? this.defaultLanguage : readLanguage(suffix);
      if (typeof language === 'string') texts[language] = value;
    }
    if (texts.en === undefined && texts.cy === undefined) return undefined;
    if (texts.en === undefined) {
      this.problems.push({ sheet, row: row.number, message: `has no English ${column} (${column} or ${column}::English (en))` });
      return undefined;
    }
    if (this.welsh && texts.cy === undefined) {
      this.problems.push({ sheet, row: row.number, message: `has no ${column}::Welsh (cy): the form is offered in Welsh, so every text needs its Welsh` });
      return undefined;
    }
    return this.welsh ? { en: texts.en, cy: texts.cy ?? '' } : { en: texts.en };
  }
}
