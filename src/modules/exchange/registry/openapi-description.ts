import { dereference, validate, type ParserOptions } from '@readme/openapi-parser';
import { parse as parseYaml } from 'yaml';

/**
 * A service's OpenAPI description (JSON or YAML), validated against the OpenAPI schemas, and what
 * Exchange reads from it: each endpoint (method and path) and the fields its successful JSON
 * answer returns, as JSON paths (`$.status`, `$.award.rate`, `$.items[*].id`), with the plain
 * names the description gives them (a schema's `title`, and `x-title-cy` for Welsh).
 */

/** `containers`: the fields typed object or array (absent in descriptions registered before it was kept). */
export type Endpoint = { method: string; path: string; fields: string[]; containers?: string[] };

/** Whether a segment of an endpoint's path template is a parameter, such as `{reference}`. */
export function isPathParameter(segment: string): boolean {
  return /^\{[^}]*\}$/.test(segment);
}
/** What a field is called in plain words, from its schema's `title` (English) and `x-title-cy` (Welsh). */
export type FieldTitle = { en?: string; cy?: string };
/** `fieldTitles`: by JSON path, for the fields whose schema names them; read, not stored. */
export type OpenApiDescription = { format: 'json' | 'yaml'; version: string; endpoints: Endpoint[]; fieldTitles: Record<string, FieldTitle> };

export class OpenApiError extends Error {
  override readonly name = 'OpenApiError';
}

const MAX_TEXT = 1024 * 1024;
const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'] as const;
/** Deep enough for real answers; stops recursive schemas. */
const MAX_FIELD_DEPTH = 8;
const MAX_FIELDS = 500;
/** A title is a name, not a paragraph: longer ones are cut. */
const MAX_TITLE = 80;

type SchemaObject = { type?: unknown; properties?: unknown; items?: unknown; allOf?: unknown; title?: unknown; 'x-title-cy'?: unknown };
type Collected = { fields: Set<string>; containers: Set<string>; titles: Map<string, FieldTitle> };

/** A title as a person may be shown it: one line of printable text, at most MAX_TITLE characters. */
function readTitle(value: unknown): string | undefined {
  if (typeof value !== 'string') return undefined;
  const line = value.replace(/[\p{Cc}\p{Cf}\p{Zl}\p{Zp}]+/gu, ' ').replace(/\s+/g, ' ').trim();
  return line === '' ? undefined : line.slice(0, MAX_TITLE).trim();
}

/** The first title a field's schema gives in each language (a field may be described by several endpoints). */
function noteTitle(schema: SchemaObject, path: string, titles: Map<string, FieldTitle>): void {
  const known = titles.get(path) ?? {};
  const en = known.en ?? readTitle(schema.title);
  const cy = known.cy ?? readTitle(schema['x-title-cy']);
  if (en !== undefined || cy !== undefined) titles.set(path, { ...(en === undefined ? {} : { en }), ...(cy === undefined ? {} : { cy }) });
}

function parseText(text: string): { document: unknown; format: 'json' | 'yaml' } {
  if (text.length > MAX_TEXT) throw new OpenApiError('The OpenAPI description is larger than 1 MB');
  const trimmed = text.trim();
  if (trimmed.startsWith('{')) {
    try {
      return { document: JSON.parse(trimmed), format: 'json' };
    } catch {
      throw new OpenApiError('The OpenAPI description is not valid JSON');
    }
  }
  try {
    // Aliases are capped (the library's default is 100), so a few lines cannot expand into gigabytes.
    return { document: parseYaml(trimmed, { maxAliasCount: 100, uniqueKeys: true }), format: 'yaml' };
  } catch {
    throw new OpenApiError('The OpenAPI description is neither valid JSON nor valid YAML');
  }
}

/** `within`: the schemas being walked above this one; a schema that contains itself is walked once. */
function collectFields(schema: unknown, prefix: string, within: ReadonlySet<unknown>, into: Collected): void {
  if (typeof schema !== 'object' || schema === null || within.has(schema) || within.size > MAX_FIELD_DEPTH || into.fields.size >= MAX_FIELDS) return;
  const inner = new Set(within).add(schema);
  const { type, properties, items, allOf } = schema as SchemaObject;
  if (prefix !== '$') noteTitle(schema as SchemaObject, prefix, into.titles);
  const types = Array.isArray(type) ? type : [type];
  if (types.includes('object') || types.includes('array') || properties !== undefined || items !== undefined) into.containers.add(prefix);
  if (Array.isArray(allOf)) for (const part of allOf) collectFields(part, prefix, inner, into);
  if (typeof properties === 'object' && properties !== null) {
    for (const [name, property] of Object.entries(properties)) {
      const path = /^[A-Za-z_][A-Za-z0-9_]*$/.test(name) ? `${prefix}.${name}` : `${prefix}[${JSON.stringify(name)}]`;
      into.fields.add(path);
      collectFields(property, path, inner, into);
    }
  }
  if (items !== undefined) collectFields(items, `${prefix}[*]`, inner, into);
}

function successSchemaOf(operation: Record<string, unknown>): unknown {
  const responses = (operation.responses ?? {}) as Record<string, { content?: Record<string, { schema?: unknown }>; schema?: unknown }>;
  const success = Object.entries(responses).find(([status]) => /^2(\d\d|XX)$/.test(status))?.[1];
  if (!success) return undefined;
  // OpenAPI 3 keeps it under content; Swagger 2 on the response itself.
  const content = success.content ?? {};
  const json = Object.entries(content).find(([type]) => /json/i.test(type))?.[1];
  return json?.schema ?? success.schema;
}

/** True when some `$ref` points outside the document (a file or a URL). */
function refersOutside(value: unknown, depth = 0): boolean {
  if (typeof value !== 'object' || value === null || depth > 200) return false;
  if (!Array.isArray(value) && typeof (value as { $ref?: unknown }).$ref === 'string' && !String((value as { $ref: string }).$ref).startsWith('#')) return true;
  return Object.values(value).some((child) => refersOutside(child, depth + 1));
}

/** Only what the text holds: a `$ref` to a file or a URL is never fetched. */
const PARSER_OPTIONS: ParserOptions = {
  resolve: { external: false, file: false },
  // A schema that contains itself becomes an object that contains itself; collectFields walks it once.
  dereference: { circular: true },
  timeoutMs: 5_000,
};

type Resolved = { openapi?: string; swagger?: string; paths?: Record<string, Record<string, unknown>> };

/** The text as one document (JSON or YAML) whose references stay inside it; throws OpenApiError. */
function readDocument(text: string): { api: Parameters<typeof validate>[0]; format: 'json' | 'yaml' } {
  const { document, format } = parseText(text);
  if (typeof document !== 'object' || document === null || Array.isArray(document)) throw new OpenApiError('The OpenAPI description must be an object');
  if (refersOutside(document)) throw new OpenApiError('The OpenAPI description must be one document: a $ref may point only inside it (#/...)');
  // Always an object, never a string: given a string, the parser would read it as a file name or URL.
  return { api: document as Parameters<typeof validate>[0], format };
}

/** Each endpoint with the fields of its successful JSON answer, and the titles those fields' schemas give. */
function walkEndpoints(resolved: Resolved): { endpoints: Endpoint[]; fieldTitles: Record<string, FieldTitle> } {
  const endpoints: Endpoint[] = [];
  const titles = new Map<string, FieldTitle>();
  for (const [path, item] of Object.entries(resolved.paths ?? {})) {
    for (const method of METHODS) {
      const operation = item?.[method];
      if (typeof operation !== 'object' || operation === null) continue;
      const found = { fields: new Set<string>(), containers: new Set<string>(), titles };
      collectFields(successSchemaOf(operation as Record<string, unknown>), '$', new Set(), found);
      endpoints.push({ method: method.toUpperCase(), path, fields: [...found.fields], containers: [...found.containers].filter((field) => field !== '$') });
    }
  }
  return { endpoints, fieldTitles: Object.fromEntries(titles) };
}

/** Parses and validates a description; throws OpenApiError with a reason safe to show. */
export async function readOpenApiDescription(text: string): Promise<OpenApiDescription> {
  const { api, format } = readDocument(text);
  let result;
  try {
    result = await validate(structuredClone(api), PARSER_OPTIONS);
  } catch {
    throw new OpenApiError('The OpenAPI description could not be read');
  }
  if (!result.valid) {
    const first = result.errors[0]?.message.split('\n')[0]?.slice(0, 200);
    throw new OpenApiError(`The OpenAPI description is not valid${first ? ` (${first})` : ''}`);
  }
  const resolved = (await dereference(structuredClone(api), PARSER_OPTIONS)) as Resolved;
  return { format, version: String(resolved.openapi ?? resolved.swagger ?? ''), ...walkEndpoints(resolved) };
}

/**
 * Only the titles of the fields of a description validated when its service was registered: not
 * validated again, which is most of the work (about 1 ms instead of 100 for the demo's).
 */
export async function readFieldTitles(text: string): Promise<Record<string, FieldTitle>> {
  const { api } = readDocument(text);
  let resolved;
  try {
    resolved = (await dereference(structuredClone(api), PARSER_OPTIONS)) as Resolved;
  } catch {
    throw new OpenApiError('The OpenAPI description could not be read');
  }
  return walkEndpoints(resolved).fieldTitles;
}
