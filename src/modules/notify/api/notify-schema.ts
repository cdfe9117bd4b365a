import { validationError, type NotifyApiError } from '../notify.errors.ts';

/**
 * The JSON Schema subset Notify's API schemas use, checked with Notify's messages: every problem
 * found (not only the first), each as `<field> <reason>`, quotes removed, as Notify words them.
 */
export type NotifySchema = {
  type?: 'object' | 'string' | 'integer' | 'number' | 'boolean' | 'array' | ReadonlyArray<'object' | 'string' | 'integer' | 'number' | 'boolean' | 'array' | 'null'>;
  properties?: Readonly<Record<string, NotifySchema>>;
  required?: readonly string[];
  additionalProperties?: boolean;
  format?: 'uuid' | 'https-uri';
  maxLength?: number;
  minLength?: number;
  minimum?: number;
  enum?: readonly (string | number)[];
  items?: NotifySchema;
  description?: string;
};

/**
 * Civitas' limit on a URL a client gives (Notify's https_url has none; its column is unbounded).
 * 2,000 characters, as GOV.UK Pay limits return_url.
 */
export const HTTPS_URL_MAX_LENGTH = 2000;

/**
 * Only the characters RFC 3986 allows in a URI (Notify checks the `uri` format with rfc3987): no
 * spaces, control characters, quotes, '<', '>', '{', '}', '|', '\\', '^', '`' or non-ASCII, and
 * '%' only before two hex digits. WHATWG's URL parser alone would drop tabs and line breaks
 * and percent-encode the rest, so a value it accepts could still break the header it goes into.
 */
const URI_CHARACTERS = /^(?:[A-Za-z0-9\-._~:/?#[\]@!$&'()*+,;=]|%[0-9A-Fa-f]{2})*$/;

function isHttpsUrl(value: string): boolean {
  if (!URI_CHARACTERS.test(value) || !URL.canParse(value)) return false;
  const url = new URL(value);
  // Written out as https://host: the WHATWG parser would also take https:host and https:///host.
  return url.protocol === 'https:' && url.hostname !== '' && /^https:\/\/[^/?#]/i.test(value);
}

/**
 * A value too long is quoted back whole, as Notify quotes it, up to this many characters (a
 * 7 MB reference was sent back whole); past it, cut short.
 */
const LONG_VALUE_QUOTED = 10_000;

function quotedUpTo(value: string, most: number): string {
  return value.length <= most ? value : `${value.slice(0, most)}...`;
}

/**
 * How many errors one answer lists. Notify lists every one; one per item of a million-item array
 * made a 90 MB answer (Civitas's limit).
 */
const MESSAGES_LIMIT = 20;

/** How many unexpected property names an error names (Notify names them all; 400,000 made a 3.5 MB message), each cut short as values are. */
const UNEXPECTED_NAMED = 20;

function namedUpTo(names: readonly string[], most: number): string {
  const named = names.slice(0, most).map((name) => show(name)).join(', ');
  return names.length <= most ? named : `${named} and ${names.length - most} more`;
}

const UUID_HEX = /^[0-9a-f]{32}$/i;

/**
 * A UUID as Notify reads one (Python's uuid.UUID): `urn:` and `uuid:` dropped, braces stripped
 * from the ends, hyphens anywhere removed, then 32 hex digits; in any case. Answers the canonical
 * lower-case hyphenated form Notify stores and finds, or undefined when it is no UUID.
 */
export function canonicaliseUuid(value: string): string | undefined {
  const hex = value.replaceAll('urn:', '').replaceAll('uuid:', '').replace(/^[{}]+|[{}]+$/g, '').replaceAll('-', '');
  if (!UUID_HEX.test(hex)) return undefined;
  const lower = hex.toLowerCase();
  return `${lower.slice(0, 8)}-${lower.slice(8, 12)}-${lower.slice(12, 16)}-${lower.slice(16, 20)}-${lower.slice(20)}`;
}

/** How much of a value a message quotes back: a huge body cannot make a huger answer. */
const SHOWN_VALUE_LIMIT = 1000;

/**
 * Values as Python's repr shows them in jsonschema's messages, less the quotes Notify removes;
 * past SHOWN_VALUE_LIMIT characters, cut short with "...".
 */
function show(value: unknown): string {
  const shown = { text: '' };
  appendShown(value, shown);
  return shown.text.length > SHOWN_VALUE_LIMIT ? `${shown.text.slice(0, SHOWN_VALUE_LIMIT)}...` : shown.text;
}

/** False once the text is past the limit, so that walking a large array or object stops early. */
function appendShown(value: unknown, shown: { text: string }): boolean {
  if (Array.isArray(value)) {
    shown.text += '[';
    for (let index = 0; index < value.length; index += 1) {
      if (index > 0) shown.text += ', ';
      if (!appendShown(value[index], shown)) return false;
    }
    shown.text += ']';
  } else if (value !== null && typeof value === 'object') {
    shown.text += '{';
    let first = true;
    for (const [key, item] of Object.entries(value)) {
      shown.text += first ? `${key}: ` : `, ${key}: `;
      first = false;
      if (!appendShown(item, shown)) return false;
    }
    shown.text += '}';
  } else {
    shown.text += value === null ? 'None' : value === true ? 'True' : value === false ? 'False' : String(value);
  }
  return shown.text.length <= SHOWN_VALUE_LIMIT;
}

function typeOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'number') return Number.isInteger(value) ? 'integer' : 'number';
  return typeof value;
}

function matchesType(value: unknown, type: NonNullable<NotifySchema['type']>): boolean {
  const actual = typeOf(value);
  const allowed = typeof type === 'string' ? [type] : type;
  return allowed.some((candidate) => candidate === actual || (candidate === 'number' && actual === 'integer'));
}

function check(value: unknown, schema: NotifySchema, field: string | undefined, messages: string[]): void {
  const prefix = field === undefined ? '' : `${field} `;
  if (schema.type && !matchesType(value, schema.type)) {
    const expected = typeof schema.type === 'string' ? schema.type : schema.type.join(', ');
    messages.push(`${prefix}${show(value)} is not of type ${expected}`);
    return;
  }
  if (typeof value === 'string') {
    if (schema.format === 'uuid' && canonicaliseUuid(value) === undefined) messages.push(`${prefix}is not a valid UUID`);
    if (schema.format === 'https-uri') {
      // Notify's one message for any fault (https_url's validationMessage), the value not quoted back.
      if (value.length > HTTPS_URL_MAX_LENGTH) messages.push(`${prefix}must be ${HTTPS_URL_MAX_LENGTH} characters or fewer`);
      else if (!isHttpsUrl(value)) messages.push(`${prefix}is not a valid https url`);
    }
    if (schema.maxLength !== undefined && value.length > schema.maxLength) messages.push(`${prefix}${quotedUpTo(value, LONG_VALUE_QUOTED)} is too long`);
    if (schema.minLength !== undefined && value.length < schema.minLength) {
      messages.push(schema.minLength === 1 ? `${prefix}${show(value)} should be non-empty` : `${prefix}${show(value)} is too short`);
    }
  }
  if (typeof value === 'number' && schema.minimum !== undefined && value < schema.minimum) {
    messages.push(`${prefix}${value} is less than the minimum of ${schema.minimum}`);
  }
  if (schema.enum && !Array.isArray(value) && !schema.enum.includes(value as string | number)) {
    messages.push(`${prefix}${show(value)} is not one of [${schema.enum.join(', ')}]`);
  }
  if (Array.isArray(value) && schema.items) {
    for (const item of value) {
      if (messages.length >= MESSAGES_LIMIT) break;
      check(item, schema.items, field, messages);
    }
  }
  if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
    const object = value as Record<string, unknown>;
    for (const name of schema.required ?? []) {
      if (object[name] === undefined) messages.push(`${name} is a required property`);
    }
    if (schema.additionalProperties === false) {
      // Own properties only: `in` would take `__proto__`, `constructor` or `toString` as declared.
      const unexpected = Object.keys(object).filter((name) => !(schema.properties && Object.hasOwn(schema.properties, name)));
      if (unexpected.length === 1) messages.push(`Additional properties are not allowed (${unexpected[0]} was unexpected)`);
      if (unexpected.length > 1) messages.push(`Additional properties are not allowed (${namedUpTo(unexpected, UNEXPECTED_NAMED)} were unexpected)`);
    }
    for (const [name, propertySchema] of Object.entries(schema.properties ?? {})) {
      if (object[name] !== undefined) check(object[name], propertySchema, field ?? name, messages);
    }
  }
}

/** Notify's ValidationError for the value, or nothing when it fits the schema. */
export function validateAgainst(schema: NotifySchema, value: unknown): NotifyApiError | undefined {
  const messages: string[] = [];
  check(value, schema, undefined, messages);
  if (messages.length === 0) return undefined;
  return validationError([...new Set(messages)].slice(0, MESSAGES_LIMIT));
}

/**
 * What Notify reads a request's JSON as: `request_json or {}` (notifications-api's
 * get_valid_json), so a body of null, false, 0, "" or [] is taken as {}, and so is no body.
 */
export function orEmptyObject(data: unknown): unknown {
  if (data === undefined || data === null || data === false || data === 0 || data === '') return {};
  return Array.isArray(data) && data.length === 0 ? {} : data;
}

/**
 * For `app.setValidatorCompiler`: Fastify checks each route's declared schemas with this, so
 * requests are refused in Notify's words before a handler runs. The handler gets the value that
 * was checked (a body of null is {} to both), never one the schema did not see.
 */
export function compileNotifySchema({ schema }: { schema: unknown }) {
  return (data: unknown) => {
    const value = orEmptyObject(data);
    const error = validateAgainst(schema as NotifySchema, value);
    return error ? { error } : { value };
  };
}
