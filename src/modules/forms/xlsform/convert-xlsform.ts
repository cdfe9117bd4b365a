import { withoutUnset } from '../definition/definition-reader.ts';
import {
  CHECK_ANSWERS,
  FORM_DEFINITION_FORMAT,
  FORM_DEFINITION_VERSION,
  DEFINITION_LIMITS,
  NONE_OF_THE_ABOVE,
  type FormDefinition,
  type FormPage,
  type LocalisedText,
  type SelectionOption,
} from '../definition/form-definition.ts';
import { parseFormDefinition } from '../definition/parse-definition.ts';
import type { Sheet, SheetRow, XlsformSheets } from './read-workbook.ts';
import { readRelevant } from './read-relevant.ts';
import { routeRelevantConditions, type RowCondition, type SurveyPage } from './route-relevant.ts';
import { readLanguage, TEXT_COLUMNS, XlsformLanguages } from './xlsform-languages.ts';
import type { XlsformProblem } from './xlsform-problems.ts';
import { readXlsformSettings } from './xlsform-settings.ts';

/** An XLSForm name: an XML name as pyxform takes it. */
const NAME_PATTERN = /^[A-Za-z_][A-Za-z0-9_.-]*$/;
const OPTION_VALUE_PATTERN = /^[A-Za-z0-9][A-Za-z0-9 _.,'()/-]*$/;

/** Rows that record something about the device or the session, never asked of the person: left out, with a warning. */
const METADATA_TYPES = new Set(['start', 'end', 'today', 'deviceid', 'subscriberid', 'simserial', 'phonenumber', 'username', 'email', 'audit', 'start-geopoint', 'uri:email', 'uri:username', 'uri:phonenumber', 'uri:deviceid', 'uri:subscriberid', 'uri:simserial']);

/** Survey columns the import reads, and those it leaves out on purpose. */
const SURVEY_COLUMNS = new Set(['type', 'name', 'label', 'hint', 'guidance_hint', 'required', 'relevant', 'appearance', 'constraint', 'constraint_message', 'required_message', 'default', 'parameters']);
/** Columns whose meaning Civitas has no place for: a row that fills one is refused. */
const REFUSED_COLUMNS: Readonly<Record<string, string>> = {
  calculation: 'calculation (a computed value) is not supported',
  choice_filter: 'choice_filter (cascading choices) is not supported',
  repeat_count: 'repeat_count is not supported: a repeat asks "add another" until the person stops',
  trigger: 'trigger is not supported',
  image: 'a picture beside a question cannot be shown',
  'big-image': 'a picture beside a question cannot be shown',
  audio: 'a sound beside a question cannot be played',
  video: 'a video beside a question cannot be played',
};
/** Values of `required` (and `read_only`) that mean yes or no; anything else is an expression. */
const YES = new Set(['yes', 'true', 'true()', '1']);
const NO = new Set(['no', 'false', 'false()', '0', '']);
/** Appearances of an image question that ask the person to draw, not to upload. */
const DRAWING_APPEARANCES = new Set(['signature', 'draw', 'annotate']);

export type ConvertedXlsform = { definition: FormDefinition; problems: []; warnings: XlsformProblem[] } | { definition?: undefined; problems: XlsformProblem[]; warnings: XlsformProblem[] };

type Frame = { kind: 'group' | 'repeat'; row: number; conditions: RowCondition[]; pages: SurveyPage[] };
type Note = { row: number; text: LocalisedText; conditions: RowCondition[] };

/** The type column read: `begin group` is begin_group, `select one list` is select_one with its list. */
function readType(text: string): { type: string; list?: string; orOther?: boolean } {
  const words = text.trim().split(/\s+/);
  const [first = '', second = '', third, ...rest] = words;
  const joined = `${first}_${second}`.toLowerCase();
  if (['begin_group', 'end_group', 'begin_repeat', 'end_repeat'].includes(joined) && words.length === 2) return { type: joined };
  if (joined === 'select_one' || joined === 'select_multiple') return { type: joined, list: third, orOther: rest.length > 0 };
  const type = first.toLowerCase();
  if (type === 'select_one' || type === 'select_multiple') return { type, list: second || undefined, orOther: third !== undefined };
  return { type: words.length === 1 ? type : text.trim().toLowerCase() };
}

/** Whether the row fills the column in any language (`label`, `label::Welsh (cy)`...). */
export function fillsColumn(row: SheetRow, base: string): boolean {
  return [...row.cells.keys()].some((heading) => heading.split('::')[0] === base);
}

function toPageId(name: string): string {
  return name.toLowerCase().replace(/[_.]+/g, '-').replace(/-+/g, '-').replace(/^-|-$/g, '');
}

function readChoices(sheet: Sheet | undefined, languages: XlsformLanguages, problems: XlsformProblem[], warnings: XlsformProblem[]): Map<string, SelectionOption[]> {
  const lists = new Map<string, SelectionOption[]>();
  if (!sheet) return lists;
  const unknown = sheet.columns.filter((column) => column !== '' && !['list_name', 'name', 'label'].includes(column.split('::')[0] ?? '') && !REFUSED_COLUMNS[column.split('::')[0] ?? '']);
  if (unknown.length > 0) warnings.push({ sheet: 'choices', message: `the columns ${unknown.join(', ')} are left out (filters for choice_filter, which is not supported, and other extras)` });
  const rowOf = new Map<string, number>();
  for (const row of sheet.rows) {
    const problem = (message: string) => problems.push({ sheet: 'choices', row: row.number, message });
    const list = row.cells.get('list_name');
    const name = row.cells.get('name');
    const media = [...row.cells.keys()].find((column) => REFUSED_COLUMNS[column.split('::')[0] ?? '']);
    if (media) problem(`a choice with ${media} cannot be shown: only text choices are supported`);
    if (!list || !name) {
      problem('needs a list_name and a name');
      continue;
    }
    const label = languages.textOf('choices', row, 'label');
    if (!label && !fillsColumn(row, 'label')) problem('needs a label');
    const key = `${list}\u0000${name}`;
    if (name === NONE_OF_THE_ABOVE) problem(`the choice name "none" is Civitas's own "None of the above": give the choice another name`);
    else if (!OPTION_VALUE_PATTERN.test(name) || name.length > 100) problem(`the choice name "${name.slice(0, 100)}" may hold letters, digits, spaces and simple punctuation, starting with a letter or digit`);
    else if (rowOf.has(key)) problem(`the choice "${name}" is in the list "${list}" already (row ${rowOf.get(key)})`);
    rowOf.set(key, rowOf.get(key) ?? row.number);
    const options = lists.get(list) ?? [];
    // A choice whose label is at fault still counts, so its list is not also said to be too short.
    options.push({ value: name, label: label ?? { en: '' } });
    lists.set(list, options);
  }
  return lists;
}

/** Reads `required`: yes or no; an expression (required only sometimes) is a problem. */
function readRequired(row: SheetRow, problems: XlsformProblem[]): boolean {
  const value = (row.cells.get('required') ?? '').toLowerCase();
  if (YES.has(value)) return true;
  if (!NO.has(value)) problems.push({ sheet: 'survey', row: row.number, message: `required "${value.slice(0, 100)}" is an expression: only yes or no is supported` });
  return false;
}

/** The page a question row becomes (without its routing), or undefined with a problem when its type has no Civitas answer type. */
function readQuestion(row: SheetRow, kind: ReturnType<typeof readType>, context: { languages: XlsformLanguages; lists: Map<string, SelectionOption[]>; problems: XlsformProblem[] }): Omit<FormPage, 'id' | 'question'> | undefined {
  const problem = (message: string): undefined => {
    context.problems.push({ sheet: 'survey', row: row.number, message });
    return undefined;
  };
  const appearance = (row.cells.get('appearance') ?? '').toLowerCase().split(/\s+/);
  switch (kind.type) {
    case 'text':
      return appearance.includes('multiline') ? { answerType: 'text', settings: { multiline: true } } : { answerType: 'text' };
    case 'integer':
    case 'decimal':
      return { answerType: 'number' };
    case 'date':
      return { answerType: 'date' };
    case 'phone number':
      return { answerType: 'phone_number' };
    case 'image':
      if (appearance.some((item) => DRAWING_APPEARANCES.has(item))) return problem(`an image with appearance ${appearance.join(' ')} asks the person to draw: only uploading a picture is supported`);
      return { answerType: 'file', settings: { fileTypes: ['jpg', 'png'] } };
    case 'file':
      return { answerType: 'file' };
    case 'select_one':
    case 'select_multiple': {
      if (kind.orOther) return problem(`"or_other" is not supported: add an "other" choice and a text question after it`);
      const options = kind.list ? context.lists.get(kind.list) : undefined;
      if (!kind.list || !options) return problem(`the choice list "${kind.list ?? ''}" is not on the choices sheet`);
      if (options.length < 2) return problem(`the choice list "${kind.list}" needs at least 2 choices`);
      if (options.length > DEFINITION_LIMITS.options) return problem(`the choice list "${kind.list}" has more than ${DEFINITION_LIMITS.options} choices`);
      return { answerType: 'selection', settings: kind.type === 'select_multiple' ? { multiple: true, options } : { options } };
    }
    case 'calculate':
      return problem('calculate (a computed value) is not supported: Civitas asks questions only');
    default:
      return problem(`the type "${kind.type.slice(0, 100)}" has no Civitas answer type (supported: text, integer, decimal, date, phone number, select_one, select_multiple, image, file, note, groups and one-question repeats)`);
  }
}

/** A text question whose constraint checks for an email address is an email question (Civitas checks the address its own way). */
function isEmailConstraint(constraint: string): boolean {
  return /^regex\(\s*\.\s*,\s*'[^']*@[^']*'\s*\)$/.test(constraint.trim());
}

/**
 * Converts an XLSForm's sheets into a form definition, checked as `forms import` checks one, or
 * every problem by sheet and row. What it leaves out without changing what a person is asked
 * comes back as warnings (docs/forms/xlsform.md lists both).
 */
export function convertXlsform(sheets: XlsformSheets, options: { fallbackFormId: string }): ConvertedXlsform {
  const problems: XlsformProblem[] = [];
  const warnings: XlsformProblem[] = [];
  const settingsRow = sheets.settings?.rows[0];
  const defaultLanguageText = settingsRow?.cells.get('default_language');
  const defaultLanguage = defaultLanguageText === undefined ? 'en' : readLanguage(defaultLanguageText);
  if (typeof defaultLanguage === 'object') problems.push({ sheet: 'settings', row: settingsRow?.number, message: `default_language "${defaultLanguage.other.slice(0, 100)}" is not English or Welsh` });
  const languages = new XlsformLanguages({ defaultLanguage: typeof defaultLanguage === 'string' ? defaultLanguage : 'en', sheets: [sheets.survey, sheets.choices, sheets.settings], problems, warnings });
  const lists = readChoices(sheets.choices, languages, problems, warnings);

  const unknown = sheets.survey.columns.filter((column) => {
    const base = column.split('::')[0] ?? '';
    return column !== '' && !SURVEY_COLUMNS.has(base) && !REFUSED_COLUMNS[base] && base !== 'read_only' && base !== 'media' && !(TEXT_COLUMNS as readonly string[]).includes(base);
  });
  if (unknown.length > 0) warnings.push({ sheet: 'survey', message: `the columns ${unknown.map((column) => column.slice(0, 50)).join(', ')} are not XLSForm columns Civitas knows: left out` });

  const pages: SurveyPage[] = [];
  const frames: Frame[] = [];
  const names = new Map<string, number>();
  const ids = new Map<string, number>();
  let notes: Note[] = [];
  const conditionsHere = () => frames.flatMap((frame) => frame.conditions);
  const sameConditions = (a: RowCondition[], b: RowCondition[]) => a.length === b.length && a.every((item, index) => item === b[index]);

  for (const row of sheets.survey.rows) {
    const problem = (message: string) => problems.push({ sheet: 'survey', row: row.number, message });
    const typeText = row.cells.get('type');
    if (!typeText) {
      problem('has no type');
      continue;
    }
    const kind = readType(typeText);
    if (kind.type === 'end_group' || kind.type === 'end_repeat') {
      const frame = frames.pop();
      if (!frame || `end_${frame.kind}` !== kind.type) {
        problem(`${kind.type} has no begin_${kind.type.slice(4)} before it`);
        if (frame) frames.push(frame);
        continue;
      }
      if (frame.kind === 'repeat') {
        const [only, ...more] = frame.pages;
        if (!only || more.length > 0) problems.push({ sheet: 'survey', row: frame.row, message: `a repeat becomes "add another" on one question: this one has ${frame.pages.length} questions` });
        else if (only.page.answerType === 'file') problems.push({ sheet: 'survey', row: frame.row, message: 'a file question cannot be repeated' });
        else only.page.repeatable = true;
      }
      frames.at(-1)?.pages.push(...frame.pages);
      continue;
    }
    if (METADATA_TYPES.has(kind.type)) {
      warnings.push({ sheet: 'survey', row: row.number, message: `${kind.type} records something about the device or session, not an answer: left out` });
      continue;
    }

    const name = row.cells.get('name');
    if (!name) {
      problem('needs a name');
      continue;
    }
    if (!NAME_PATTERN.test(name) || name.length > 100) problem(`the name "${name.slice(0, 100)}" must start with a letter or _ and hold only letters, digits, _, - and .`);
    if (names.has(name)) problem(`the name "${name}" is used already (row ${names.get(name)})`);
    names.set(name, names.get(name) ?? row.number);
    for (const column of row.cells.keys()) {
      const base = column.split('::')[0] ?? '';
      const refusal = REFUSED_COLUMNS[base] ?? (base === 'media' ? 'a picture, sound or video beside a question cannot be shown' : undefined);
      // A calculate row is refused for its type: its calculation need not be said twice.
      if (refusal && !(base === 'calculation' && kind.type === 'calculate')) problem(refusal);
    }
    if (YES.has((row.cells.get('read_only') ?? '').toLowerCase())) problem('read_only questions are not supported: a person answers every question');
    const relevant = row.cells.get('relevant');
    const conditions = relevant === undefined ? [] : readRelevant(relevant);
    if (!conditions) {
      problem(`relevant "${(relevant ?? '').slice(0, 200)}" cannot become routing: only \${q} = 'value' and selected(\${q}, 'value') on a select_one question (joined by or on one question, or by and) are supported`);
    }
    const rowConditions = [...conditionsHere(), ...(conditions ?? []).map((condition) => ({ condition, row: row.number }))];

    if (kind.type === 'begin_group' || kind.type === 'begin_repeat') {
      if (kind.type === 'begin_repeat' && frames.some((frame) => frame.kind === 'repeat')) problem('a repeat inside a repeat is not supported');
      frames.push({ kind: kind.type === 'begin_group' ? 'group' : 'repeat', row: row.number, conditions: rowConditions.slice(conditionsHere().length), pages: [] });
      continue;
    }
    if (kind.type === 'note') {
      const text = languages.textOf('survey', row, 'label');
      if (text) notes.push({ row: row.number, text, conditions: rowConditions });
      else if (!fillsColumn(row, 'label')) problem('a note needs a label');
      continue;
    }
    const constraint = row.cells.get('constraint');
    const email = kind.type === 'text' && constraint !== undefined && isEmailConstraint(constraint);
    if (constraint !== undefined && !email) problem(`constraint "${constraint.slice(0, 200)}" is not supported (Civitas checks each answer type its own way; a regex with @ on a text question makes it an email question)`);
    for (const column of ['default', 'parameters', 'required_message', 'constraint_message']) {
      if (fillsColumn(row, column) && (column !== 'constraint_message' || email)) {
        warnings.push({ sheet: 'survey', row: row.number, message: `${column} is left out: Civitas ${column === 'default' ? 'asks every question without a prefilled answer' : column === 'parameters' ? 'has no such settings' : 'shows its own error messages'}` });
      }
    }
    const question = readQuestion(row, kind, { languages, lists, problems });
    const label = languages.textOf('survey', row, 'label');
    if (question && !label && !fillsColumn(row, 'label')) problem('needs a label (the question)');
    const hint = languages.textOf('survey', row, 'hint');
    const guidanceHint = languages.textOf('survey', row, 'guidance_hint');
    const id = toPageId(name);
    if (ids.has(id) && names.get(name) === row.number) problem(`the name "${name}" becomes the page "${id}", as the question in row ${ids.get(id)} does: rename one`);
    if (id === CHECK_ANSWERS) problem(`the name "${name}" becomes the page "${id}", which is Civitas's own: rename it`);
    ids.set(id, ids.get(id) ?? row.number);
    const required = readRequired(row, problems);
    const pendingNotes = notes;
    notes = [];
    for (const note of pendingNotes) {
      if (!sameConditions(note.conditions, rowConditions)) problems.push({ sheet: 'survey', row: note.row, message: 'a note becomes the guidance of the question after it, which must be asked in the same cases (same relevant, same group)' });
    }
    if (!question || !label) continue;
    const guidance = [...pendingNotes.map((note) => note.text), ...(guidanceHint ? [guidanceHint] : [])];
    const joined = (language: 'en' | 'cy') => guidance.map((text) => text[language] ?? '').join('\n\n');
    const page = withoutUnset<FormPage>({
      id,
      answerType: email ? 'email' : question.answerType,
      question: label,
      hint,
      guidance: guidance.length === 0 ? undefined : languages.welsh ? { en: joined('en'), cy: joined('cy') } : { en: joined('en') },
      optional: required ? undefined : true,
      settings: email ? undefined : question.settings,
    });
    const surveyPage = { name, row: row.number, page, conditions: rowConditions };
    pages.push(surveyPage);
    frames.at(-1)?.pages.push(surveyPage);
  }
  for (const frame of frames) problems.push({ sheet: 'survey', row: frame.row, message: `begin_${frame.kind} has no end_${frame.kind}` });
  for (const note of notes) problems.push({ sheet: 'survey', row: note.row, message: 'a note becomes the guidance of the question after it: there is none' });
  if (pages.length === 0 && problems.length === 0) problems.push({ sheet: 'survey', message: 'has no question Civitas can ask' });
  if (pages.length > DEFINITION_LIMITS.pages) problems.push({ sheet: 'survey', message: `has ${pages.length} questions: a form has at most ${DEFINITION_LIMITS.pages}` });
  if (problems.length === 0) routeRelevantConditions(pages, problems);

  const settings = readXlsformSettings({ row: settingsRow, languages, fallbackFormId: options.fallbackFormId, problems, warnings });
  if (problems.length > 0 || !settings) return { problems, warnings };
  const definition = {
    format: FORM_DEFINITION_FORMAT,
    formatVersion: FORM_DEFINITION_VERSION,
    slug: settings.slug,
    name: settings.name,
    settings: settings.settings,
    pages: pages.map((page) => page.page),
    exitPages: [],
  };
  const parsed = parseFormDefinition(definition);
  if (!parsed.definition) {
    return { problems: parsed.problems.map((problem) => locateDefinitionProblem(problem, pages, settingsRow?.number)), warnings };
  }
  return { definition: parsed.definition, problems: [], warnings };
}

/** The XLSForm column a page's part of the definition came from, where there is one. */
const COLUMN_OF: ReadonlyArray<[RegExp, string]> = [
  [/^\.id$/, 'name (as the page id)'],
  [/^\.question\.en$/, 'label'],
  [/^\.question\.cy$/, 'label::Welsh (cy)'],
  [/^\.hint\.en$/, 'hint'],
  [/^\.hint\.cy$/, 'hint::Welsh (cy)'],
  [/^\.guidance\.(en|cy)$/, 'guidance (its notes and guidance_hint)'],
];

/** A problem the definition's own checks found, put back on the row it came from. */
function locateDefinitionProblem(problem: { path: string; message: string }, pages: readonly SurveyPage[], settingsRow: number | undefined): XlsformProblem {
  const page = /^pages\[(\d+)\](.*)$/.exec(problem.path);
  if (page) {
    const column = COLUMN_OF.find(([pattern]) => pattern.test(page[2] ?? ''))?.[1] ?? problem.path;
    return { sheet: 'survey', row: pages[Number(page[1])]?.row, message: `${column}: ${problem.message}` };
  }
  return { sheet: 'settings', row: settingsRow, message: `${problem.path.replace(/^\$\.slug/, 'form_id').replace(/^\$\.name/, 'form_title')}: ${problem.message}` };
}
