import type { Translate } from '../../../platform/http/i18n.ts';
import { checkOutboundUrl, type OutboundPolicy, type OutboundUrlProblem } from '../../../platform/net/outbound-request.ts';
import type { DefinitionProblem } from '../definition/definition-reader.ts';
import {
  ANSWER_TYPES,
  CHECK_ANSWERS,
  FILE_TYPES,
  MAX_RETENTION_DAYS,
  NONE_OF_THE_ABOVE,
  SIGN_IN_LEVELS,
  type AnswerSettings,
  type AnswerType,
  type ExitPage,
  type FileType,
  type FormPage,
  type FormSettings,
  type LocalisedText,
} from '../definition/form-definition.ts';
import { parseFormDefinition } from '../definition/parse-definition.ts';
import type { DraftDefinition } from './form-builder.ts';

/** What a builder page's form sent: each field a string, or several for checkboxes. */
export type BuilderBody = Record<string, string | string[] | undefined>;
/** A problem on one field of a builder page: the field's id and the message's key and parameters. */
export type FieldProblem = { field: string; key: string; parameters?: Record<string, string | number> };

export function fieldOf(body: BuilderBody, name: string): string {
  const value = body[name];
  return (typeof value === 'string' ? value : (value?.[0] ?? '')).replace(/\r\n/g, '\n').trim();
}

/**
 * The value of radios or a checkbox the page offers: `fallback` when not sent (the page always
 * checks one), undefined with a problem on the field for anything else, or for more than one.
 */
function chosenOf(body: BuilderBody, name: string, offered: readonly string[], problems: FieldProblem[], fallback = ''): string | undefined {
  const value = body[name];
  if (value === undefined || value === '') return fallback;
  if (typeof value === 'string' && offered.includes(value)) return value;
  problems.push({ field: name, key: 'notOffered' });
  return undefined;
}

function listOf(body: BuilderBody, name: string): string[] {
  const value = body[name];
  return value === undefined ? [] : [value].flat();
}

function localised(body: BuilderBody, name: string): LocalisedText | undefined {
  const en = fieldOf(body, name);
  const cy = fieldOf(body, `${name}Cy`);
  if (en === '' && cy === '') return undefined;
  return cy === '' ? { en } : { en, cy };
}

export const isAnswerType = (value: string): value is AnswerType => (ANSWER_TYPES as readonly string[]).includes(value);

/** The message keys of the definition checker's messages, so the builder shows them in English and Welsh. */
const MESSAGES: Array<[RegExp, string]> = [
  [/^(must not be empty|must be an object|must be a string|is needed)$/, 'required'],
  [/^must be at most (?<max>\d+) characters$/, 'tooLong'],
  [/^is needed: the form is offered in Welsh$/, 'welshNeeded'],
  [/^must be an https:\/\/ address$/, 'https'],
  [/^must be an email address$/, 'email'],
  [/^needs at least 2 options$/, 'options'],
  [/^must be unique and not "none"$/, 'optionUnique'],
  [/^may hold letters, digits, spaces and simple punctuation$/, 'optionCharacters'],
  [/^repeats an option before it$/, 'optionRepeated'],
  [/^is the same as "None of the above", which the question adds$/, 'optionNoneOfTheAbove'],
  [/^needs at least (?<count>\d+) # characters$/, 'referenceHashes'],
  [/^may hold only capital letters, digits, hyphens and #$/, 'referenceCharacters'],
  [/^must be a whole number from (?<min>\d+) to (?<max>\d+)$/, 'wholeNumber'],
  [/^is not possible for a file question$/, 'fileRepeatable'],
  [/^needs at least one kind of file$/, 'fileTypes'],
  [/^needs at least one page$/, 'noPages'],
  [/^only a question answered with one selection, asked once, can route$/, 'routeNotSelection'],
  [/^the question has no answer "(?<answer>.*)"$/, 'routeAnswer'],
  [/^answer "(?<answer>.*)" already has a route$/, 'routeTwice'],
  [/^the page "(?<target>.*)" does not exist$/, 'routeMissing'],
  [/^the route goes backwards to "(?<target>.*)"$/, 'routeBackwards'],
  [/^"(?<target>.*)" is the next page already$/, 'routeNext'],
  [/^"(?<target>.*)" is used more than once or is reserved$/, 'idTaken'],
  [/^needs the service’s Pay account$/, 'noPayAccount'],
  [/^must be an https:\/\/ \(or, outside production, http:\/\/\) address$/, 'webhookInvalid'],
  [/^must be a full http or https address without a user name or password$/, 'webhookInvalid'],
  [/^must not be a private or local address$/, 'webhookPrivate'],
  [/^is needed: an eligibility check/, 'eligibilitySignIn'],
  [/^an eligibility check is a single selection/, 'eligibilityOptions'],
  [/^an eligibility check is asked once/, 'eligibilityOnce'],
  [/^must be an earlier required question, asked once, of a date of birth$/, 'eligibilityDateOfBirth'],
  [/^must be an earlier required question, asked once, of a name$/, 'eligibilityName'],
  [/^must be an earlier required question, asked once/, 'eligibilityReference'],
];

export function messageOf(problem: DefinitionProblem, t: Translate): string {
  for (const [pattern, key] of MESSAGES) {
    const match = pattern.exec(problem.message);
    if (match) return t(`forms.builder.errors.${key}`, { ...match.groups });
  }
  return t('forms.builder.errors.invalid');
}

/** A definition good in everything but what is being checked, so only that part's problems are found. */
function checkedAlone(draft: DraftDefinition, part: { pages?: FormPage[]; exitPages?: ExitPage[]; settings?: Partial<FormSettings>; name?: LocalisedText }): DefinitionProblem[] {
  const welsh = (part.settings ?? draft.settings).languages?.includes('cy') ?? false;
  const filler = welsh ? { en: 'x', cy: 'x' } : { en: 'x' };
  return parseFormDefinition({
    ...draft,
    name: part.name ?? filler,
    settings: part.settings ?? { whatHappensNext: filler, privacyUrl: 'https://example.gov.uk/privacy', support: {}, ...draft.settings },
    pages: part.pages ?? [{ id: 'filler', answerType: 'organisation_name', question: filler }],
    exitPages: part.exitPages ?? [],
  }).problems;
}

/** The field of the builder's page that a problem at `path` (relative to the page) is about. */
function pageFieldOf(path: string): string {
  const cy = path.endsWith('.cy') || /label\.cy$/.test(path) ? 'Cy' : '';
  if (path.startsWith('.settings.options')) return `options${cy}`;
  const match = /^\.(?:settings\.)?([a-zA-Z]+)/.exec(path);
  const field = match?.[1] ?? 'question';
  return ['question', 'hint', 'guidance'].includes(field) ? `${field}${cy}` : field;
}

function toProblems(problems: DefinitionProblem[], prefix: string, fieldFor: (rest: string) => string): Array<DefinitionProblem & { field: string }> {
  const inPart = (path: string) => path.startsWith(prefix) && (path.length === prefix.length || path[prefix.length] === '.');
  return problems.filter((problem) => inPart(problem.path)).map((problem) => ({ ...problem, field: fieldFor(problem.path.slice(prefix.length)) }));
}

/** Turns "Option one\nOption two" into options, keeping the values of options already there by their place. */
function readOptions(body: BuilderBody, before: AnswerSettings['options']): { options: NonNullable<AnswerSettings['options']>; problems: FieldProblem[] } {
  const labels = fieldOf(body, 'options').split('\n').map((line) => line.trim()).filter(Boolean);
  const welsh = fieldOf(body, 'optionsCy').split('\n').map((line) => line.trim()).filter(Boolean);
  const problems: FieldProblem[] = [];
  if (welsh.length > 0 && welsh.length !== labels.length) problems.push({ field: 'optionsCy', key: 'optionsCyCount', parameters: { count: labels.length } });
  const used = new Set<string>();
  const options = labels.map((label, index) => {
    const previous = before?.[index];
    const candidate = previous && previous.label.en === label ? previous.value : label.replace(/[^A-Za-z0-9 _.,'()/-]/g, '').trim().slice(0, 100);
    let value = /^[A-Za-z0-9]/.test(candidate) && candidate.toLowerCase() !== NONE_OF_THE_ABOVE ? candidate : `option-${index + 1}`;
    while (used.has(value)) value = `${value}-${index + 1}`;
    used.add(value);
    return { value, label: welsh[index] ? { en: label, cy: welsh[index] } : { en: label } };
  });
  return { options, problems };
}

function readAnswerSettings(answerType: AnswerType, body: BuilderBody, before: AnswerSettings | undefined): { settings?: AnswerSettings; problems: FieldProblem[] } {
  const problems: FieldProblem[] = [];
  const checked = (name: string) => chosenOf(body, name, ['yes'], problems) === 'yes';
  const yesOrNo = (name: string) => chosenOf(body, name, ['yes', 'no'], problems) === 'yes';
  switch (answerType) {
    case 'name':
      return { settings: { nameInput: chosenOf(body, 'nameInput', ['full', 'first_and_last'], problems) === 'first_and_last' ? 'first_and_last' : 'full', ...(checked('nameTitle') ? { nameTitle: true } : {}) }, problems };
    case 'address':
      return { settings: { addressKind: chosenOf(body, 'addressKind', ['uk', 'international'], problems) === 'international' ? 'international' : 'uk' }, problems };
    case 'date':
      return { settings: checked('dateOfBirth') ? { dateOfBirth: true } : {}, problems };
    case 'text':
      return { settings: yesOrNo('multiline') ? { multiline: true } : {}, problems };
    case 'selection': {
      const multiple = yesOrNo('multiple');
      const noneOfTheAbove = checked('noneOfTheAbove');
      const { options, problems: optionProblems } = readOptions(body, before?.options);
      return { settings: { ...(multiple ? { multiple: true } : {}), options, ...(noneOfTheAbove ? { noneOfTheAbove: true } : {}) }, problems: [...problems, ...optionProblems] };
    }
    case 'file': {
      const sent = listOf(body, 'fileTypes');
      const types = sent.filter((type): type is FileType => (FILE_TYPES as readonly string[]).includes(type));
      if (types.length !== sent.length || new Set(sent).size !== sent.length) problems.push({ field: 'fileTypes', key: 'notOffered' });
      const size = fieldOf(body, 'maxSizeMb');
      if (size !== '' && !/^\d{1,2}$/.test(size)) problems.push({ field: 'maxSizeMb', key: 'wholeNumber', parameters: { min: 1, max: 7 } });
      const settings: AnswerSettings = { ...(types.length > 0 && types.length < FILE_TYPES.length ? { fileTypes: types } : {}), ...(/^\d{1,2}$/.test(size) ? { maxSizeMb: Number(size) } : {}) };
      return { settings, problems };
    }
    default:
      return { problems };
  }
}

/** Generates a page id from the question: lower-case words joined by hyphens, unique in the form. */
export function newPageId(question: string, draft: DraftDefinition): string {
  const taken = new Set([...draft.pages.map((page) => page.id), ...draft.exitPages.map((exit) => exit.id), CHECK_ANSWERS, 'new']);
  const base = question.toLowerCase().normalize('NFKD').replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 50).replace(/-+$/, '') || 'question';
  let id = /^[a-z0-9]/.test(base) ? base : `q-${base}`;
  for (let count = 2; taken.has(id); count += 1) id = `${base}-${count}`;
  return id;
}

/** A question page from the builder's form, with the problems on its fields (none when it can be saved). */
export function readPage(input: { body: BuilderBody; answerType: AnswerType; draft: DraftDefinition; before?: FormPage; id: string }): { page: FormPage; problems: Array<FieldProblem | (DefinitionProblem & { field: string })> } {
  const { body, answerType, draft, before } = input;
  const { settings, problems } = readAnswerSettings(answerType, body, before?.answerType === answerType ? before.settings : undefined);
  // What the builder's page does not show (a property another part of Forms adds) is kept as it was.
  const { id: _id, answerType: _type, question: _question, hint: _hint, guidance: _guidance, optional: _optional, repeatable: _repeatable, settings: _settings, routes: _routes, ...kept } = before ?? ({} as Partial<FormPage>);
  const page: FormPage = {
    ...kept,
    id: input.id,
    answerType,
    question: localised(body, 'question') ?? { en: '' },
    ...(localised(body, 'hint') ? { hint: localised(body, 'hint') } : {}),
    ...(localised(body, 'guidance') ? { guidance: localised(body, 'guidance') } : {}),
    ...(chosenOf(body, 'optional', ['yes'], problems) === 'yes' ? { optional: true } : {}),
    ...(chosenOf(body, 'repeatable', ['yes'], problems) === 'yes' ? { repeatable: true } : {}),
    ...(settings && Object.keys(settings).length > 0 ? { settings } : {}),
  };
  // Checked in its place among the form's pages (an eligibility check needs the question before it); its routes are the routing page's.
  const index = before ? draft.pages.findIndex((candidate) => candidate.id === before.id) : draft.pages.length;
  const { routes: _unrouted, ...checked } = page;
  const pages = [...draft.pages];
  pages[index] = checked;
  const found = toProblems(checkedAlone(draft, { pages }), `pages[${index}]`, pageFieldOf).filter(
    (problem) => !problem.path.includes('.routes') && !problems.some((own) => own.field === problem.field),
  );
  // Routes stay as they were when the answers they need are still there; the form's page shows any that are not.
  if (before?.routes && answerType === 'selection') page.routes = before.routes;
  return { page, problems: [...problems, ...found] };
}

export function fieldsOfPage(page: FormPage | undefined): Record<string, string | string[]> {
  if (!page) return {};
  const settings = page.settings ?? {};
  return {
    question: page.question.en,
    questionCy: page.question.cy ?? '',
    hint: page.hint?.en ?? '',
    hintCy: page.hint?.cy ?? '',
    guidance: page.guidance?.en ?? '',
    guidanceCy: page.guidance?.cy ?? '',
    optional: page.optional ? 'yes' : '',
    repeatable: page.repeatable ? 'yes' : '',
    nameInput: settings.nameInput ?? 'full',
    nameTitle: settings.nameTitle ? 'yes' : '',
    addressKind: settings.addressKind ?? 'uk',
    dateOfBirth: settings.dateOfBirth ? 'yes' : '',
    multiline: settings.multiline ? 'yes' : 'no',
    multiple: settings.multiple ? 'yes' : 'no',
    options: (settings.options ?? []).map((option) => option.label.en).join('\n'),
    optionsCy: (settings.options ?? []).some((option) => option.label.cy) ? (settings.options ?? []).map((option) => option.label.cy ?? '').join('\n') : '',
    noneOfTheAbove: settings.noneOfTheAbove ? 'yes' : '',
    fileTypes: settings.fileTypes ?? [],
    maxSizeMb: settings.maxSizeMb === undefined ? '' : String(settings.maxSizeMb),
  };
}

/** An exit page from the builder's form, with its problems. */
export function readExitPage(input: { body: BuilderBody; draft: DraftDefinition; id: string }): { exit: ExitPage; problems: Array<DefinitionProblem & { field: string }> } {
  const exit: ExitPage = { id: input.id, heading: localised(input.body, 'heading') ?? { en: '' }, body: localised(input.body, 'body') ?? { en: '' } };
  const problems = toProblems(checkedAlone(input.draft, { exitPages: [exit] }), 'exitPages[0]', (rest) => `${/^\.(heading|body)/.exec(rest)?.[1] ?? 'heading'}${rest.endsWith('.cy') ? 'Cy' : ''}`);
  return { exit, problems };
}

const SETTINGS_FIELDS: Array<[RegExp, string]> = [
  [/^\$\.name\.cy/, 'nameCy'],
  [/^\$\.name/, 'name'],
  [/^settings\.support\.email/, 'supportEmail'],
  [/^settings\.support\.phone\.cy/, 'supportPhoneCy'],
  [/^settings\.support\.phone/, 'supportPhone'],
  [/^settings\.support\.urlText\.cy/, 'supportUrlTextCy'],
  [/^settings\.support\.urlText/, 'supportUrlText'],
  [/^settings\.support\.url/, 'supportUrl'],
  [/^settings\.payment\.amount/, 'paymentAmount'],
  [/^settings\.payment\.descriptionCy/, 'paymentDescriptionCy'],
  [/^settings\.payment/, 'paymentDescription'],
  [/^settings\.(declaration|whatHappensNext)\.cy/, '$1Cy'],
  [/^settings\.([a-zA-Z]+)/, '$1'],
];

export function settingsFieldOf(path: string): string {
  for (const [pattern, field] of SETTINGS_FIELDS) {
    const match = pattern.exec(path);
    if (match) return field.replace('$1', match[1] ?? '');
  }
  return 'name';
}

/** The message key of each problem the kernel's outbound rules find in a webhook URL. */
const WEBHOOK_PROBLEM_KEYS: Readonly<Record<OutboundUrlProblem, string>> = { INVALID_URL: 'webhookInvalid', HTTPS_REQUIRED: 'https', PRIVATE_ADDRESS: 'webhookPrivate' };

/**
 * The form's name and settings from the builder's settings page, with their problems. A webhook
 * URL is checked by the kernel's outbound rules (`outboundPolicy`), as import checks it.
 */
export function readSettings(input: { body: BuilderBody; draft: DraftDefinition; outboundPolicy?: OutboundPolicy }): { name: LocalisedText; settings: DraftDefinition['settings']; problems: Array<FieldProblem | (DefinitionProblem & { field: string })> } {
  const { body, draft } = input;
  const problems: FieldProblem[] = [];
  const webhookUrl = fieldOf(body, 'webhookUrl');
  const webhookProblem = webhookUrl && input.outboundPolicy ? checkOutboundUrl(webhookUrl, input.outboundPolicy) : undefined;
  if (webhookProblem) problems.push({ field: 'webhookUrl', key: WEBHOOK_PROBLEM_KEYS[webhookProblem] });
  const retentionText = fieldOf(body, 'retentionDays');
  if (retentionText !== '' && !/^\d{1,4}$/.test(retentionText)) problems.push({ field: 'retentionDays', key: 'wholeNumber', parameters: { min: 1, max: MAX_RETENTION_DAYS } });
  const welsh = chosenOf(body, 'welsh', ['yes'], problems) === 'yes';
  const amountText = fieldOf(body, 'paymentAmount').replace(/^£/, '');
  let payment: FormSettings['payment'];
  if (amountText !== '') {
    if (!/^\d{1,6}(\.\d{2})?$/.test(amountText)) problems.push({ field: 'paymentAmount', key: 'amount' });
    else payment = { amount: Math.round(Number(amountText) * 100), description: fieldOf(body, 'paymentDescription'), ...(fieldOf(body, 'paymentDescriptionCy') ? { descriptionCy: fieldOf(body, 'paymentDescriptionCy') } : {}) };
  }
  const signIn = chosenOf(body, 'signIn', ['none', ...SIGN_IN_LEVELS], problems, 'none');
  const support = {
    ...(fieldOf(body, 'supportEmail') ? { email: fieldOf(body, 'supportEmail') } : {}),
    ...(localised(body, 'supportPhone') ? { phone: localised(body, 'supportPhone') } : {}),
    ...(fieldOf(body, 'supportUrl') ? { url: fieldOf(body, 'supportUrl') } : {}),
    ...(localised(body, 'supportUrlText') ? { urlText: localised(body, 'supportUrlText') } : {}),
  };
  // Settings the builder does not show are kept as they were.
  const { declaration: _declaration, payment: _payment, signIn: _signIn, submissionEmail: _email, privacyUrl: _privacy, webhookUrl: _webhook, retentionDays: _retention, ...kept } = draft.settings;
  const settings: DraftDefinition['settings'] = {
    ...kept,
    languages: welsh ? ['en', 'cy'] : ['en'],
    ...(localised(body, 'declaration') ? { declaration: localised(body, 'declaration') } : {}),
    whatHappensNext: localised(body, 'whatHappensNext') ?? { en: '' },
    privacyUrl: fieldOf(body, 'privacyUrl'),
    support,
    ...(fieldOf(body, 'submissionEmail') ? { submissionEmail: fieldOf(body, 'submissionEmail') } : {}),
    ...(webhookUrl ? { webhookUrl } : {}),
    ...(/^\d{1,4}$/.test(retentionText) ? { retentionDays: Number(retentionText) } : {}),
    referenceFormat: fieldOf(body, 'referenceFormat') || '########',
    ...(signIn && signIn !== 'none' ? { signIn: signIn as FormSettings['signIn'] } : {}),
    ...(payment ? { payment } : {}),
  };
  if (!settings.privacyUrl) delete settings.privacyUrl;
  const name = localised(body, 'name') ?? { en: '' };
  const found = checkedAlone(draft, { settings, name, ...(draft.pages.length > 0 ? { pages: draft.pages } : {}) })
    .filter((problem) => problem.path.startsWith('settings') || problem.path.startsWith('$.name'))
    .map((problem) => ({ ...problem, field: settingsFieldOf(problem.path) }))
    .filter((problem) => !problems.some((own) => own.field === problem.field));
  return { name, settings, problems: [...problems, ...found] };
}

export function fieldsOfSettings(draft: DraftDefinition): Record<string, string> {
  const settings = draft.settings;
  return {
    name: draft.name.en,
    nameCy: draft.name.cy ?? '',
    welsh: settings.languages.includes('cy') ? 'yes' : '',
    declaration: settings.declaration?.en ?? '',
    declarationCy: settings.declaration?.cy ?? '',
    whatHappensNext: settings.whatHappensNext?.en ?? '',
    whatHappensNextCy: settings.whatHappensNext?.cy ?? '',
    privacyUrl: settings.privacyUrl ?? '',
    supportEmail: settings.support?.email ?? '',
    supportPhone: settings.support?.phone?.en ?? '',
    supportPhoneCy: settings.support?.phone?.cy ?? '',
    supportUrl: settings.support?.url ?? '',
    supportUrlText: settings.support?.urlText?.en ?? '',
    supportUrlTextCy: settings.support?.urlText?.cy ?? '',
    submissionEmail: settings.submissionEmail ?? '',
    webhookUrl: settings.webhookUrl ?? '',
    retentionDays: settings.retentionDays === undefined ? '' : String(settings.retentionDays),
    paymentAmount: settings.payment ? (settings.payment.amount / 100).toFixed(2) : '',
    paymentDescription: settings.payment?.description ?? '',
    paymentDescriptionCy: settings.payment?.descriptionCy ?? '',
    signIn: settings.signIn ?? 'none',
    referenceFormat: settings.referenceFormat ?? '',
  };
}

/** Where a problem blocking publishing is fixed: the page, exit page or settings it is in. */
export function placeOfProblem(problem: DefinitionProblem, draft: DraftDefinition): { kind: 'page' | 'routes' | 'exit' | 'settings' | 'pages'; id?: string; index?: number; field: string } {
  const page = /^pages\[(\d+)\](.*)$/.exec(problem.path);
  if (page) {
    const index = Number(page[1]);
    const rest = page[2] ?? '';
    return { kind: rest.startsWith('.routes') ? 'routes' : 'page', id: draft.pages[index]?.id, index, field: rest.startsWith('.routes') ? 'routes' : pageFieldOf(rest) };
  }
  const exit = /^exitPages\[(\d+)\](.*)$/.exec(problem.path);
  if (exit) return { kind: 'exit', id: draft.exitPages[Number(exit[1])]?.id, index: Number(exit[1]), field: /heading|body/.exec(exit[2] ?? '')?.[0] ?? 'heading' };
  if (problem.path === '$.pages') return { kind: 'pages', field: 'pages' };
  return { kind: 'settings', field: settingsFieldOf(problem.path) };
}
