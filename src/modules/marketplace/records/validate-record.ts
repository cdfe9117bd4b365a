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

/** One thing wrong with a record, named by its slot (`contactPoint.email`, `keyword[2]`). */
export type RecordProblem = { slot: string; message: string };

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

function isCalendarDate(year: string, month: string, day: string): boolean {
  const date = new Date(Date.UTC(Number(year), Number(month) - 1, Number(day)));
  return date.getUTCFullYear() === Number(year) && date.getUTCMonth() === Number(month) - 1 && date.getUTCDate() === Number(day);
}

function checkDate(value: string): string | undefined {
  const match = DATE.exec(value) ?? DATE_TIME.exec(value);
  if (!match || !isCalendarDate(match[1]!, match[2]!, match[3]!)) {
    return 'must be a date as YYYY-MM-DD, or a date and time with its offset as YYYY-MM-DDThh:mm:ssZ';
  }
  return undefined;
}

/** Only web addresses: these are links people follow from the record's page. */
function checkWebAddress(value: string): string | undefined {
  if (value.length > MAX_URI_LENGTH || !URI_OR_CURIE.test(value) || !URL.canParse(value)) return 'must be a full web address starting https:// or http://';
  const { protocol, hostname } = new URL(value);
  return (protocol === 'https:' || protocol === 'http:') && hostname !== '' ? undefined : 'must be a full web address starting https:// or http://';
}

function checkUriOrCurie(value: string): string | undefined {
  return value.length <= MAX_URI_LENGTH && URI_OR_CURIE.test(value) ? undefined : `must be a URI or CURIE: no spaces, at most ${MAX_URI_LENGTH} characters`;
}

/** Why a single value breaks its range, or undefined; contact points are checked by the caller. */
function checkScalar(range: Exclude<SlotRange, { kind: 'contactPoint' }>, value: unknown): string | undefined {
  if (range.kind === 'integer') {
    if (typeof value !== 'number' || !Number.isSafeInteger(value)) return 'must be a whole number';
    return value < range.minimum ? `must be ${range.minimum} or more` : undefined;
  }
  if (typeof value !== 'string') {
    return typeof value === 'number' || typeof value === 'boolean' ? 'must be text: put the value in quotes' : 'must be text';
  }
  if (value.trim() === '') return 'must not be blank';
  switch (range.kind) {
    case 'string':
      if (value.length > range.maxLength) return `must be ${range.maxLength} characters or fewer`;
      if (CONTROL_CHARACTERS.test(value)) return 'must not hold control characters';
      return range.pattern && !range.pattern.test(value) ? range.patternMessage : undefined;
    case 'uriorcurie':
      return checkUriOrCurie(value);
    case 'uri':
      return checkWebAddress(value);
    case 'date':
      return checkDate(value);
    case 'email':
      return value.length <= 254 && EMAIL.test(value) ? undefined : 'must be an email address, like name@example.gov.uk';
    case 'organisation':
      return value.length <= 100 && ORGANISATION_SLUG.test(value)
        ? undefined
        : 'must be an organisation’s identifier in lower case with hyphens, like hm-revenue-customs';
    case 'licence':
      return value === 'DATA_SHARE_AGREEMENT' ? undefined : checkUriOrCurie(value);
    case 'enum':
      return range.values.includes(value) ? undefined : `must be one of ${range.values.join(', ')}`;
  }
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function checkContactPoint(value: unknown, slot: string, problems: RecordProblem[]): ContactPoint | undefined {
  if (!isPlainObject(value)) {
    problems.push({ slot, message: 'must be a contact point with a contactName and an email' });
    return undefined;
  }
  const before = problems.length;
  const contact = checkSlots(value, CONTACT_POINT_RULES, `${slot}.`, problems, 'ContactPoint');
  return problems.length === before ? (contact as ContactPoint) : undefined;
}

function checkValue(rule: SlotRule, value: unknown, slot: string, problems: RecordProblem[]): unknown {
  if (rule.range.kind === 'contactPoint') return checkContactPoint(value, slot, problems);
  const message = checkScalar(rule.range, value);
  if (message) problems.push({ slot, message });
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
    if (!Object.hasOwn(rules, name)) problems.push({ slot: `${prefix}${name}`, message: `is not a slot of ${className} in the model` });
  }
  for (const [name, rule] of Object.entries(rules)) {
    const slot = `${prefix}${name}`;
    const value = Object.hasOwn(input, name) ? input[name] : undefined;
    if (value === undefined || value === null) {
      if (rule.required) problems.push({ slot, message: rule.multivalued ? 'is required: give at least one value' : 'is required' });
      continue;
    }
    if (!rule.multivalued) {
      if (Array.isArray(value)) problems.push({ slot, message: 'takes one value, not a list' });
      else checked[name] = checkValue(rule, value, slot, problems);
      continue;
    }
    if (!Array.isArray(value)) {
      problems.push({ slot, message: 'takes a list of values' });
    } else if (value.length === 0 && rule.required) {
      problems.push({ slot, message: 'is required: give at least one value' });
    } else if (value.length > MAX_LIST_LENGTH) {
      problems.push({ slot, message: `takes at most ${MAX_LIST_LENGTH} values` });
    } else {
      checked[name] = value.map((item, index) => checkValue(rule, item, `${slot}[${index}]`, problems));
      if (new Set(value.map((item) => JSON.stringify(item))).size < value.length) problems.push({ slot, message: 'lists a value more than once' });
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
  if (!isPlainObject(input)) return { valid: false, problems: [{ slot: '', message: 'a record must be a mapping of slots to values' }] };
  const identifier = typeof input.identifier === 'string' && checkUriOrCurie(input.identifier) === undefined ? input.identifier : undefined;
  const classification = input.securityClassification;
  if (typeof classification === 'string' && (REFUSED_CLASSIFICATIONS as readonly string[]).includes(classification.trim().toUpperCase())) {
    return {
      valid: false,
      identifier,
      problems: [{ slot: 'securityClassification', message: 'SECRET and TOP SECRET records are never held in the catalogue' }],
    };
  }
  const typeName = typeof input.type === 'string' ? TYPE_NAMES[input.type] : undefined;
  if (!typeName) {
    const message = input.type === undefined ? 'is required: dcat:Dataset, dcat:DataService or dcat:Distribution' : 'must be dcat:Dataset, dcat:DataService or dcat:Distribution';
    return { valid: false, identifier, problems: [{ slot: 'type', message }] };
  }
  const problems: RecordProblem[] = [];
  const checked = checkSlots(input, CLASS_RULES[typeName], '', problems, typeName.slice('dcat:'.length));
  if (problems.length > 0) return { valid: false, identifier, problems };
  return { valid: true, record: { ...checked, type: typeName } as CatalogueRecord };
}
