import englishMessages from '../locales/en.json' with { type: 'json' };
import welshMessages from '../locales/cy.json' with { type: 'json' };
import { findRoutingProblems } from './check-routing.ts';
import { DefinitionReader, withoutUnset, type DefinitionProblem } from './definition-reader.ts';
import { findEligibilityCheckProblems, readEligibilityCheck } from './read-eligibility-check.ts';
import {
  ANSWER_TYPES,
  DEFAULT_REFERENCE_FORMAT,
  FILE_TYPES,
  MAX_FILE_MEGABYTES,
  MAX_RETENTION_DAYS,
  RESERVED_SLUGS,
  SIGN_IN_LEVELS,
  DEFINITION_LIMITS,
  FORM_DEFINITION_FORMAT,
  FORM_DEFINITION_VERSION,
  LANGUAGES,
  type AnswerSettings,
  type AnswerType,
  type ExitPage,
  type FormDefinition,
  type FormPage,
  type FileType,
  type FormSettings,
  type PaymentSetting,
  type Language,
  type Route,
  type SelectionOption,
} from './form-definition.ts';

const ID_PATTERN = /^[a-z0-9][a-z0-9-]*$/;
const SLUG_PATTERN = /^[a-z0-9]+(-[a-z0-9]+)*$/;
const REFERENCE_PATTERN = /^[A-Z0-9#-]+$/;
const EMAIL_PATTERN = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
const SAFE_URL_PATTERN = /^https:\/\/[^\s]+$/;
/** A receiver's address; whether http and its host are allowed is the outbound policy's to say (form-versions.ts). */
const WEB_URL_PATTERN = /^https?:\/\/[^\s]+$/;
const OPTION_VALUE_PATTERN = /^[A-Za-z0-9][A-Za-z0-9 _.,'()/-]*$/;

/** The settings each answer type accepts; any other setting is a fault. */
const SETTINGS_OF: Readonly<Record<AnswerType, readonly (keyof AnswerSettings)[]>> = {
  name: ['nameInput', 'nameTitle'],
  organisation_name: [],
  email: [],
  phone_number: [],
  national_insurance_number: [],
  address: ['addressKind'],
  date: ['dateOfBirth'],
  selection: ['multiple', 'options', 'noneOfTheAbove'],
  number: [],
  text: ['multiline'],
  file: ['fileTypes', 'maxSizeMb'],
};

export type ParsedDefinition = { definition: FormDefinition; problems: [] } | { definition?: undefined; problems: DefinitionProblem[] };

function readSettings(reader: DefinitionReader, value: unknown, welsh: boolean): FormSettings | undefined {
  const path = 'settings';
  const json = reader.object(value, path, ['languages', 'declaration', 'whatHappensNext', 'privacyUrl', 'support', 'submissionEmail', 'referenceFormat', 'retentionDays', 'webhookUrl', 'signIn', 'payment']);
  if (!json) return undefined;
  const languages = (reader.array(json.languages, `${path}.languages`, LANGUAGES.length) ?? []).map((language, index) =>
    reader.oneOf(language, `${path}.languages[${index}]`, LANGUAGES),
  );
  const text = (key: string, maxLength: number = DEFINITION_LIMITS.longText) => reader.text(json[key], `${path}.${key}`, { welsh, maxLength });
  const support = reader.object(json.support, `${path}.support`, ['email', 'phone', 'url', 'urlText']);
  const url = (key: string, at: Record<string, unknown>, where: string) =>
    reader.optional(at, key, (item) => reader.string(item, where, { maxLength: DEFINITION_LIMITS.urlLength, pattern: SAFE_URL_PATTERN, patternMessage: 'must be an https:// address' }));
  const email = (item: unknown, where: string) => reader.string(item, where, { maxLength: 254, pattern: EMAIL_PATTERN, patternMessage: 'must be an email address' });
  const referenceFormat =
    reader.optional(json, 'referenceFormat', (item) =>
      reader.string(item, `${path}.referenceFormat`, { maxLength: DEFINITION_LIMITS.referenceLength, pattern: REFERENCE_PATTERN, patternMessage: 'may hold only capital letters, digits, hyphens and #' }),
    ) ?? DEFAULT_REFERENCE_FORMAT;
  if ([...referenceFormat].filter((character) => character === '#').length < DEFINITION_LIMITS.referenceRandomCharacters) {
    reader.fault(`${path}.referenceFormat`, `needs at least ${DEFINITION_LIMITS.referenceRandomCharacters} # characters`);
  }
  return withoutUnset({
    languages: languages.filter((language): language is Language => language !== undefined),
    declaration: reader.optional(json, 'declaration', () => text('declaration')),
    whatHappensNext: text('whatHappensNext') ?? { en: '' },
    privacyUrl: json.privacyUrl === undefined ? (reader.fault(`${path}.privacyUrl`, 'is needed') ?? '') : (url('privacyUrl', json, `${path}.privacyUrl`) ?? ''),
    support: support
      ? withoutUnset({
          email: reader.optional(support, 'email', (item) => email(item, `${path}.support.email`)),
          phone: reader.optional(support, 'phone', (item) => reader.text(item, `${path}.support.phone`, { welsh })),
          url: url('url', support, `${path}.support.url`),
          urlText: reader.optional(support, 'urlText', (item) => reader.text(item, `${path}.support.urlText`, { welsh })),
        })
      : {},
    submissionEmail: reader.optional(json, 'submissionEmail', (item) => email(item, `${path}.submissionEmail`)),
    referenceFormat,
    signIn: reader.optional(json, 'signIn', (item) => reader.oneOf(item, `${path}.signIn`, SIGN_IN_LEVELS)),
    webhookUrl: reader.optional(json, 'webhookUrl', (item) =>
      reader.string(item, `${path}.webhookUrl`, { maxLength: DEFINITION_LIMITS.urlLength, pattern: WEB_URL_PATTERN, patternMessage: 'must be an https:// (or, outside production, http://) address' }),
    ),
    retentionDays: reader.optional(json, 'retentionDays', (item) => reader.integer(item, `${path}.retentionDays`, { min: 1, max: MAX_RETENTION_DAYS })),
    payment: reader.optional(json, 'payment', (item) => readPayment(reader, item, welsh)),
  });
}

function readPayment(reader: DefinitionReader, value: unknown, welsh: boolean): PaymentSetting | undefined {
  const path = 'settings.payment';
  const json = reader.object(value, path, ['amount', 'description', 'descriptionCy']);
  if (!json) return undefined;
  const description = (key: string) => reader.string(json[key], `${path}.${key}`, { maxLength: DEFINITION_LIMITS.paymentDescription });
  const amount = reader.integer(json.amount, `${path}.amount`, { min: 1, max: DEFINITION_LIMITS.paymentAmount });
  const english = description('description');
  if (welsh && json.descriptionCy === undefined) reader.fault(`${path}.descriptionCy`, 'is needed: the form is offered in Welsh');
  const welshDescription = json.descriptionCy === undefined ? undefined : description('descriptionCy');
  if (amount === undefined || english === undefined) return undefined;
  return withoutUnset({ amount, description: english, descriptionCy: welshDescription });
}

function readOptions(reader: DefinitionReader, value: unknown, path: string, welsh: boolean): SelectionOption[] {
  const seen = new Set<string>();
  return (reader.array(value, path, DEFINITION_LIMITS.options) ?? []).flatMap((item, index) => {
    const at = `${path}[${index}]`;
    const json = reader.object(item, at, ['value', 'label']);
    if (!json) return [];
    const optionValue = reader.string(json.value, `${at}.value`, { maxLength: 100, pattern: OPTION_VALUE_PATTERN, patternMessage: 'may hold letters, digits, spaces and simple punctuation' });
    const label = reader.text(json.label, `${at}.label`, { welsh });
    if (optionValue !== undefined && (seen.has(optionValue) || optionValue === 'none')) reader.fault(`${at}.value`, 'must be unique and not "none"');
    if (optionValue !== undefined) seen.add(optionValue);
    return optionValue !== undefined && label ? [{ value: optionValue, label }] : [];
  });
}

function readAnswerSettings(reader: DefinitionReader, value: unknown, path: string, answerType: AnswerType, welsh: boolean): AnswerSettings | undefined {
  const json = reader.object(value, path, SETTINGS_OF[answerType]);
  if (!json) return undefined;
  const flag = (key: string) => reader.optional(json, key, (item) => reader.boolean(item, `${path}.${key}`));
  const settings = withoutUnset<AnswerSettings>({
    nameInput: reader.optional(json, 'nameInput', (item) => reader.oneOf(item, `${path}.nameInput`, ['full', 'first_and_last'] as const)),
    nameTitle: flag('nameTitle'),
    addressKind: reader.optional(json, 'addressKind', (item) => reader.oneOf(item, `${path}.addressKind`, ['uk', 'international'] as const)),
    dateOfBirth: flag('dateOfBirth'),
    multiple: flag('multiple'),
    options: reader.optional(json, 'options', (item) => readOptions(reader, item, `${path}.options`, welsh)),
    noneOfTheAbove: flag('noneOfTheAbove'),
    multiline: flag('multiline'),
    fileTypes: reader.optional(json, 'fileTypes', (item) => readFileTypes(reader, item, `${path}.fileTypes`)),
    maxSizeMb: reader.optional(json, 'maxSizeMb', (item) => reader.integer(item, `${path}.maxSizeMb`, { min: 1, max: MAX_FILE_MEGABYTES })),
  });
  if (answerType === 'selection' && (settings.options?.length ?? 0) < 2) reader.fault(`${path}.options`, 'needs at least 2 options');
  if (answerType === 'selection') findRepeatedLabels(reader, settings, `${path}.options`);
  return settings;
}

/** The runner's own "None of the above", in each language, as `sameLabel` compares labels. */
const NONE_OF_THE_ABOVE_LABELS = { en: sameLabel(englishMessages.forms.noneOfTheAbove), cy: sameLabel(welshMessages.forms.noneOfTheAbove) };

/** What people would read as the same label: trimmed, spaces and apostrophes alike, any case. */
function sameLabel(label: string): string {
  return label.trim().replace(/\s+/g, ' ').replace(/[‘’]/g, "'").toLocaleLowerCase('en-GB');
}

/** Two options people could not tell apart, or one the same as the "None of the above" the runner adds. */
function findRepeatedLabels(reader: DefinitionReader, settings: AnswerSettings, path: string): void {
  for (const language of ['en', 'cy'] as const) {
    const seen = new Set<string>();
    (settings.options ?? []).forEach((option, index) => {
      const label = option.label[language];
      if (label === undefined) return;
      const at = `${path}[${index}].label.${language}`;
      if (settings.noneOfTheAbove && sameLabel(label) === NONE_OF_THE_ABOVE_LABELS[language]) reader.fault(at, 'is the same as "None of the above", which the question adds');
      else if (seen.has(sameLabel(label))) reader.fault(at, 'repeats an option before it');
      seen.add(sameLabel(label));
    });
  }
}

function readFileTypes(reader: DefinitionReader, value: unknown, path: string): FileType[] | undefined {
  const types = (reader.array(value, path, FILE_TYPES.length) ?? []).map((item, index) => reader.oneOf(item, `${path}[${index}]`, FILE_TYPES));
  if (types.length === 0) return reader.fault(path, 'needs at least one kind of file');
  if (new Set(types).size !== types.length) return reader.fault(path, 'must not repeat a kind of file');
  return types.every((type) => type !== undefined) ? types : undefined;
}

function readRoutes(reader: DefinitionReader, value: unknown, path: string): Route[] {
  return (reader.array(value, path, DEFINITION_LIMITS.routesPerPage) ?? []).flatMap((item, index) => {
    const json = reader.object(item, `${path}[${index}]`, ['answer', 'goTo']);
    if (!json) return [];
    const answer = reader.string(json.answer, `${path}[${index}].answer`, { maxLength: 100 });
    const goTo = reader.string(json.goTo, `${path}[${index}].goTo`, { maxLength: DEFINITION_LIMITS.idLength });
    return answer !== undefined && goTo !== undefined ? [{ answer, goTo }] : [];
  });
}

function readPage(reader: DefinitionReader, value: unknown, path: string, welsh: boolean): FormPage | undefined {
  const json = reader.object(value, path, ['id', 'answerType', 'question', 'hint', 'guidance', 'optional', 'repeatable', 'settings', 'routes', 'eligibilityCheck']);
  if (!json) return undefined;
  const id = reader.string(json.id, `${path}.id`, { maxLength: DEFINITION_LIMITS.idLength, pattern: ID_PATTERN, patternMessage: 'may hold lower-case letters, digits and hyphens' });
  const answerType = reader.oneOf(json.answerType, `${path}.answerType`, ANSWER_TYPES);
  const question = reader.text(json.question, `${path}.question`, { welsh });
  const settings = answerType === undefined ? undefined : reader.optional(json, 'settings', (item) => readAnswerSettings(reader, item, `${path}.settings`, answerType, welsh));
  if (answerType === 'selection' && settings === undefined) reader.fault(`${path}.settings.options`, 'needs at least 2 options');
  // GOV.UK Forms asks for one file a question: "add another" would need a file list page.
  if (answerType === 'file' && json.repeatable === true) reader.fault(`${path}.repeatable`, 'is not possible for a file question');
  if (id === undefined || answerType === undefined || question === undefined) return undefined;
  return withoutUnset<FormPage>({
    id,
    answerType,
    question,
    hint: reader.optional(json, 'hint', (item) => reader.text(item, `${path}.hint`, { welsh })),
    guidance: reader.optional(json, 'guidance', (item) => reader.text(item, `${path}.guidance`, { welsh, maxLength: DEFINITION_LIMITS.longText })),
    optional: reader.optional(json, 'optional', (item) => reader.boolean(item, `${path}.optional`)),
    repeatable: reader.optional(json, 'repeatable', (item) => reader.boolean(item, `${path}.repeatable`)),
    settings,
    routes: reader.optional(json, 'routes', (item) => readRoutes(reader, item, `${path}.routes`)),
    eligibilityCheck: reader.optional(json, 'eligibilityCheck', (item) => readEligibilityCheck(reader, item, `${path}.eligibilityCheck`)),
  });
}

function readExitPage(reader: DefinitionReader, value: unknown, path: string, welsh: boolean): ExitPage | undefined {
  const json = reader.object(value, path, ['id', 'heading', 'body']);
  if (!json) return undefined;
  const id = reader.string(json.id, `${path}.id`, { maxLength: DEFINITION_LIMITS.idLength, pattern: ID_PATTERN });
  const heading = reader.text(json.heading, `${path}.heading`, { welsh });
  const body = reader.text(json.body, `${path}.body`, { welsh, maxLength: DEFINITION_LIMITS.longText });
  return id !== undefined && heading && body ? { id, heading, body } : undefined;
}

function offeredInWelsh(json: Record<string, unknown>): boolean {
  const settings = json.settings as { languages?: unknown } | undefined;
  return Array.isArray(settings?.languages) && settings.languages.includes('cy');
}

/**
 * Checks untrusted JSON against the definition format and the routing rules; the definition as
 * Civitas keeps it (only known properties, in a fixed order, so export gives back what import
 * took), or every problem found.
 */
export function parseFormDefinition(input: unknown): ParsedDefinition {
  const reader = new DefinitionReader();
  const json = reader.object(input, '$', ['format', 'formatVersion', 'slug', 'name', 'settings', 'pages', 'exitPages']);
  if (!json) return { problems: reader.problems };
  if (json.format !== FORM_DEFINITION_FORMAT) reader.fault('$.format', `must be "${FORM_DEFINITION_FORMAT}"`);
  if (json.formatVersion !== FORM_DEFINITION_VERSION) reader.fault('$.formatVersion', `must be ${FORM_DEFINITION_VERSION}`);
  const welsh = offeredInWelsh(json);
  const slug = reader.string(json.slug, '$.slug', { maxLength: DEFINITION_LIMITS.slugLength, pattern: SLUG_PATTERN, patternMessage: 'may hold lower-case letters, digits and single hyphens' });
  if (slug && (RESERVED_SLUGS as readonly string[]).includes(slug)) reader.fault('$.slug', `must not be ${RESERVED_SLUGS.join(', ')}: Forms uses those addresses`);
  const name = reader.text(json.name, '$.name', { welsh });
  const settings = readSettings(reader, json.settings, welsh);
  const pageList = reader.array(json.pages, '$.pages', DEFINITION_LIMITS.pages) ?? [];
  if (Array.isArray(json.pages) && json.pages.length === 0) reader.fault('$.pages', 'needs at least one page');
  const pages = pageList.map((page, index) => readPage(reader, page, `pages[${index}]`, welsh));
  const exitPages = (reader.optional(json, 'exitPages', (item) => reader.array(item, '$.exitPages', DEFINITION_LIMITS.exitPages)) ?? []).map((page, index) =>
    readExitPage(reader, page, `exitPages[${index}]`, welsh),
  );
  if (reader.problems.length > 0 || !slug || !name || !settings || pages.includes(undefined) || exitPages.includes(undefined)) {
    return { problems: reader.problems.length > 0 ? reader.problems : [{ path: '$', message: 'is not a form definition' }] };
  }
  const definition: FormDefinition = {
    format: FORM_DEFINITION_FORMAT,
    formatVersion: FORM_DEFINITION_VERSION,
    slug,
    name,
    settings,
    pages: pages as FormPage[],
    exitPages: exitPages as ExitPage[],
  };
  const routingProblems = [...findRoutingProblems(definition), ...findEligibilityCheckProblems(definition)];
  return routingProblems.length > 0 ? { problems: routingProblems } : { definition, problems: [] };
}
