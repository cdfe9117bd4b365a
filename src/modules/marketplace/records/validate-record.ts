import englishMessages from '../locales/en.json' with { type: 'json' };
import {
  CLASS_RULES,
  CONTACT_POINT_RULES,
  REFUSED_CLASSIFICATIONS,
  TYPE_NAMES,
  type AccessRights,
  type RecordType,
  type SlotRange,
  type SlotRule,
} from './catalogue-model.ts';

/** The model's problems, by key: their English is `marketplace.problems` in the module's en.json, their Welsh in cy.json. */
export type ProblemKey = keyof typeof englishMessages.marketplace.problems;
type ProblemParameters = Readonly<Record<string, string | number>>;

/**
 * One thing wrong with a record, named by its slot (`contactPoint.email`, `keyword[2]`): `message`
 * in English (the CLI's and the import report's), `key` and `parameters` for a page's language.
 */
export type RecordProblem = { slot: string; message: string; key?: ProblemKey; parameters?: ProblemParameters };
/** Why a value breaks its range: a problem's key and parameters, before its slot is known. */
type Reason = { key: ProblemKey; parameters?: ProblemParameters };

const fillIn = (text: string, parameters: ProblemParameters = {}) => text.replace(/\{(\w+)\}/g, (placeholder, name: string) => (name in parameters ? String(parameters[name]) : placeholder));

/** A problem of the model at `slot`, its English message filled in. */
export function describeProblem(slot: string, key: ProblemKey, parameters?: ProblemParameters): RecordProblem {
  return { slot, message: fillIn(englishMessages.marketplace.problems[key], parameters), key, ...(parameters ? { parameters } : {}) };
}

/** The problem's message in the page's language (problems of the file itself have English only). */
export const translateProblem = (problem: RecordProblem, t: (key: string, parameters?: ProblemParameters) => string) =>
  problem.key ? t(`marketplace.problems.${problem.key}`, problem.parameters) : problem.message;

export type ContactPoint = { contactName: string; email: string; telephone?: string; address?: string };

/** A record that follows the model; `type` is always the model's CURIE. */
export type CatalogueRecord = {
  identifier: string;
  type: RecordType;
  title: string;
  accessRights?: AccessRights;
  securityClassification?: string;
  [slot: string]: unknown;
};

export type RecordValidation = { valid: true; record: CatalogueRecord } | { valid: false; identifier?: string; problems: RecordProblem[] };

const MAX_LIST_LENGTH = 200;
const MAX_URI_LENGTH = 2000;
const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})T([01]\d|2[0-3]):[0-5]\d(?::[0-5]\d(?:\.\d{1,9})?)?(?:Z|[+-](?:[01]\d|2[0-3]):[0-5]\d)$/;
/** The model's pattern for email, within the length an address may have. */
const EMAIL = /^\S+@[\S+.]+\S+$/;
/** A URI or CURIE (or a reference relative to the catalogue, as the examples' identifiers are): no spaces or characters URIs never hold. */
const URI_OR_CURIE = /^[^\s<>"{}|\\^`\u0000-\u001f\u007f]+$/;
/** GOV.UK's organisation slugs, the form uk-gov-orgs' values take. */
const ORGANISATION_SLUG = /^[a-z0-9]+(?:-[a-z0-9]+)*$/;
const CONTROL_CHARACTERS = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/;
/** Invisible and direction-changing characters (zero-width space, soft hyphen, U+202E...): a reference or address holding one is not what it shows. */
const FORMAT_CHARACTERS = /\p{Cf}/u;
/** `.` and `..` name no record: as a path segment they are the catalogue itself or its parent. */
const DOT_SEGMENT = /^\.{1,2}$/;

function isCalendarDate(year: string, month: string, day: string): boolean {
  const date = new Date(Date.UTC(Number(year), Number(month) - 1, Number(day)));
  return date.getUTCFullYear() === Number(year) && date.getUTCMonth() === Number(month) - 1 && date.getUTCDate() === Number(day);
}

function checkDate(value: string): Reason | undefined {
  const match = DATE.exec(value) ?? DATE_TIME.exec(value);
  return !match || !isCalendarDate(match[1]!, match[2]!, match[3]!) ? { key: 'date' } : undefined;
}

/** Only web addresses: these are links people follow from the record's page. */
function checkWebAddress(value: string): Reason | undefined {
  if (FORMAT_CHARACTERS.test(value)) return { key: 'formatCharacters' };
  if (value.length > MAX_URI_LENGTH || !URI_OR_CURIE.test(value) || !URL.canParse(value)) return { key: 'webAddress' };
  const { protocol, hostname, username, password } = new URL(value);
  if (username !== '' || password !== '' || /^https?:\/\/[^/?#]*@/i.test(value)) return { key: 'userInfo' };
  return (protocol === 'https:' || protocol === 'http:') && hostname !== '' ? undefined : { key: 'webAddress' };
}

function checkUriOrCurie(value: string): Reason | undefined {
  if (FORMAT_CHARACTERS.test(value)) return { key: 'formatCharacters' };
  if (DOT_SEGMENT.test(value)) return { key: 'dotSegment' };
  return value.length <= MAX_URI_LENGTH && URI_OR_CURIE.test(value) ? undefined : { key: 'uriOrCurie', parameters: { max: MAX_URI_LENGTH } };
}

/** Why a single value breaks its range, or undefined; contact points are checked by the caller. */
function checkScalar(range: Exclude<SlotRange, { kind: 'contactPoint' }>, value: unknown): Reason | undefined {
  if (range.kind === 'integer') {
    if (typeof value !== 'number' || !Number.isSafeInteger(value)) return { key: 'wholeNumber' };
    return value < range.minimum ? { key: 'minimum', parameters: { minimum: range.minimum } } : undefined;
  }
  if (typeof value !== 'string') {
    return { key: typeof value === 'number' || typeof value === 'boolean' ? 'quoteText' : 'text' };
  }
  if (value.trim() === '') return { key: 'blank' };
  switch (range.kind) {
    case 'string':
      if (value.length > range.maxLength) return { key: 'maxLength', parameters: { max: range.maxLength } };
      if (CONTROL_CHARACTERS.test(value)) return { key: 'controlCharacters' };
      return range.pattern && !range.pattern.test(value) ? { key: range.patternProblem ?? 'text', parameters: { max: range.maxLength } } : undefined;
    case 'uriorcurie':
      return checkUriOrCurie(value);
    case 'uri':
      return checkWebAddress(value);
    case 'date':
      return checkDate(value);
    case 'email':
      return value.length <= 254 && EMAIL.test(value) ? undefined : { key: 'email' };
    case 'organisation':
      return value.length <= 100 && ORGANISATION_SLUG.test(value) ? undefined : { key: 'organisation' };
    case 'licence':
      return value === 'DATA_SHARE_AGREEMENT' ? undefined : checkUriOrCurie(value);
    case 'enum':
      return range.values.includes(value) ? undefined : { key: 'oneOf', parameters: { values: range.values.join(', ') } };
  }
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function checkContactPoint(value: unknown, slot: string, problems: RecordProblem[]): ContactPoint | undefined {
  if (!isPlainObject(value)) {
    problems.push(describeProblem(slot, 'contactPoint'));
    return undefined;
  }
  const before = problems.length;
  const contact = checkSlots(value, CONTACT_POINT_RULES, `${slot}.`, problems, 'ContactPoint');
  return problems.length === before ? (contact as ContactPoint) : undefined;
}

function checkValue(rule: SlotRule, value: unknown, slot: string, problems: RecordProblem[]): unknown {
  if (rule.range.kind === 'contactPoint') return checkContactPoint(value, slot, problems);
  const reason = checkScalar(rule.range, value);
  if (reason) problems.push(describeProblem(slot, reason.key, reason.parameters));
  return value;
}

function checkSlots(
  input: Record<string, unknown>,
  rules: Readonly<Record<string, SlotRule>>,
  prefix: string,
  problems: RecordProblem[],
  className: string,
): Record<string, unknown> {
  const checked: Record<string, unknown> = {};
  for (const name of Object.keys(input)) {
    if (!Object.hasOwn(rules, name)) problems.push(describeProblem(`${prefix}${name}`, 'notASlot', { className }));
  }
  for (const [name, rule] of Object.entries(rules)) {
    const slot = `${prefix}${name}`;
    const value = Object.hasOwn(input, name) ? input[name] : undefined;
    if (value === undefined || value === null) {
      if (rule.required) problems.push(describeProblem(slot, rule.multivalued ? 'requiredList' : 'required'));
      continue;
    }
    if (!rule.multivalued) {
      if (Array.isArray(value)) problems.push(describeProblem(slot, 'oneValue'));
      else checked[name] = checkValue(rule, value, slot, problems);
      continue;
    }
    if (!Array.isArray(value)) {
      problems.push(describeProblem(slot, 'list'));
    } else if (value.length === 0 && rule.required) {
      problems.push(describeProblem(slot, 'requiredList'));
    } else if (value.length > MAX_LIST_LENGTH) {
      problems.push(describeProblem(slot, 'tooManyValues', { max: MAX_LIST_LENGTH }));
    } else {
      checked[name] = value.map((item, index) => checkValue(rule, item, `${slot}[${index}]`, problems));
      if (new Set(value.map((item) => JSON.stringify(item))).size < value.length) problems.push(describeProblem(slot, 'repeated'));
    }
  }
  return checked;
}

/**
 * Checks one record against the model: its `type` says which class's slots apply. Every problem
 * is named by its slot. A SECRET or TOP SECRET record is refused on that alone: nothing of it is
 * looked at further, and nothing of it is kept.
 */
export function validateRecord(input: unknown): RecordValidation {
  if (!isPlainObject(input)) return { valid: false, problems: [describeProblem('', 'notMapping')] };
  const identifier = typeof input.identifier === 'string' && checkUriOrCurie(input.identifier) === undefined ? input.identifier : undefined;
  const classification = input.securityClassification;
  if (typeof classification === 'string' && (REFUSED_CLASSIFICATIONS as readonly string[]).includes(classification.trim().toUpperCase())) {
    return {
      valid: false,
      identifier,
      problems: [describeProblem('securityClassification', 'refusedClassification')],
    };
  }
  const typeName = typeof input.type === 'string' ? TYPE_NAMES[input.type] : undefined;
  if (!typeName) {
    return { valid: false, identifier, problems: [describeProblem('type', input.type === undefined ? 'typeRequired' : 'typeUnknown')] };
  }
  const problems: RecordProblem[] = [];
  const checked = checkSlots(input, CLASS_RULES[typeName], '', problems, typeName.slice('dcat:'.length));
  if (problems.length > 0) return { valid: false, identifier, problems };
  return { valid: true, record: { ...checked, type: typeName } as CatalogueRecord };
}
