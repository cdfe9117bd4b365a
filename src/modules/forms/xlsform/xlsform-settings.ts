import { withoutUnset } from '../definition/definition-reader.ts';
import type { FormSettings, LocalisedText } from '../definition/form-definition.ts';
import type { SheetRow } from './read-workbook.ts';
import type { XlsformLanguages } from './xlsform-languages.ts';
import type { XlsformProblem } from './xlsform-problems.ts';

/** XLSForm settings with no Civitas meaning that change nothing a person is asked: left out without a word. */
const IGNORED = new Set(['version', 'style', 'allow_choice_duplicates', 'default_language', 'namespaces', 'clean_text_values']);
/** Settings whose promise Civitas would break by leaving them out: refused. */
const REFUSED: Readonly<Record<string, string>> = {
  public_key: 'public_key (encrypted submissions) is not supported: submissions are kept in Civitas, sealed at rest',
  submission_url: 'submission_url is not supported: submissions go to Civitas (use submission_email, or a webhook with forms import)',
  auto_send: 'auto_send is not supported',
  auto_delete: 'auto_delete is not supported (use retention_days)',
};
/** The settings Civitas needs beyond XLSForm's, as columns of the same sheet (docs/forms/xlsform.md). */
const CIVITAS = ['form_title', 'form_id', 'privacy_url', 'what_happens_next', 'declaration', 'support_email', 'support_phone', 'support_url', 'submission_email', 'reference_format', 'retention_days'];

/** form_id as an address: `Fishing_Licence` is /forms/fishing-licence. */
function toSlug(formId: string): string {
  return formId.toLowerCase().replace(/[_.\s]+/g, '-').replace(/-+/g, '-').replace(/^-|-$/g, '');
}

/**
 * The form's name, address and settings from the settings sheet's first row: XLSForm's own
 * (form_title, form_id, default_language) and the ones a Civitas form needs (privacy_url,
 * what_happens_next and the rest, checked with the whole definition afterwards).
 */
export function readXlsformSettings(input: { row: SheetRow | undefined; languages: XlsformLanguages; fallbackFormId: string; problems: XlsformProblem[]; warnings: XlsformProblem[] }) {
  const { row, languages, problems } = input;
  const problem = (message: string) => problems.push({ sheet: 'settings', row: row?.number, message });
  const cells = row?.cells ?? new Map<string, string>();
  for (const column of cells.keys()) {
    const base = column.split('::')[0] ?? '';
    if (REFUSED[base]) problem(REFUSED[base]);
    else if (base === 'instance_name') input.warnings.push({ sheet: 'settings', row: row?.number, message: 'instance_name is left out: each submission is named by its reference' });
    else if (!IGNORED.has(base) && !CIVITAS.includes(base)) input.warnings.push({ sheet: 'settings', row: row?.number, message: `${column.slice(0, 50)} is not a setting Civitas knows: left out` });
  }
  const text = (column: 'form_title' | 'what_happens_next' | 'declaration' | 'support_phone'): LocalisedText | undefined => (row ? languages.textOf('settings', row, column) : undefined);
  const name = text('form_title');
  if (!name && ![...cells.keys()].some((column) => column.startsWith('form_title'))) problem('form_title is needed: the name of the form people see');
  for (const [column, why] of [
    ['privacy_url', 'the https:// address of the form’s privacy notice'],
    ['what_happens_next', 'what the person is told happens after they submit'],
  ] as const) {
    if (![...cells.keys()].some((heading) => heading.split('::')[0] === column)) problem(`${column} is needed: ${why}`);
  }
  const slug = toSlug(cells.get('form_id') ?? input.fallbackFormId);
  const retention = cells.get('retention_days');
  const settings = withoutUnset({
    languages: languages.welsh ? ['en', 'cy'] : ['en'],
    declaration: text('declaration'),
    whatHappensNext: text('what_happens_next'),
    privacyUrl: cells.get('privacy_url'),
    support: withoutUnset({ email: cells.get('support_email'), phone: text('support_phone'), url: cells.get('support_url') }),
    submissionEmail: cells.get('submission_email'),
    referenceFormat: cells.get('reference_format'),
    retentionDays: retention === undefined ? undefined : Number(retention),
  }) as FormSettings;
  if (!name || !settings.whatHappensNext || !settings.privacyUrl) return undefined;
  return { slug, name, settings };
}
