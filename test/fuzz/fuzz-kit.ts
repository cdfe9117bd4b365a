import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import type { TestContext } from 'node:test';
import type { FastifyInstance, LightMyRequestResponse, RouteOptions } from 'fastify';
import fc from 'fast-check';
import { createHttpApp } from '../../src/platform/http/create-http-app.ts';
import type { Kernel } from '../../src/platform/kernel.ts';
import type { CivitasModule } from '../../src/platform/module.ts';
import type { TestDatabase } from '../../src/platform/testing/test-database.ts';
import { createTestKernel, type TestEnvironment } from '../../src/testing/test-kernel.ts';

/**
 * What the fuzz tests share: the app built with a record of every route it declares (method, URL
 * and schemas), requests generated from those schemas and from mutations of valid requests, and a
 * runner that sends them, checks each answer against the API's own error envelope, and counts the
 * slow ones (reported, never asserted: timing depends on the machine).
 *
 * Runs are bounded and seeded: FUZZ_SEED replays a run (the seed and the counterexample's path are
 * printed on failure); FUZZ_RUNS scales every route's number of runs (1 unless set); FUZZ_DEBUG=text
 * prints every answer to a route whose name contains the text.
 */

export const FUZZ_SEED = Number(process.env.FUZZ_SEED ?? 20_261_202);
const RUN_SCALE = Number(process.env.FUZZ_RUNS ?? 1);
/** A request slower than this is counted and reported. */
export const SLOW_REQUEST_MS = 1000;

export function runsOf(base: number): number {
  return Math.max(1, Math.round(base * RUN_SCALE));
}

export type DeclaredRoute = { method: string; url: string; schema: RouteOptions['schema'] };

export type FuzzApp = { app: FastifyInstance; kernel: Kernel & { testDatabase: TestDatabase }; routes: DeclaredRoute[] };

/**
 * The app as `buildApp` builds it, on a test kernel of its own, with every route's declaration
 * recorded as it is added (Fastify keeps no list of route schemas once it is ready).
 */
export async function startFuzzApp(
  t: Pick<TestContext, 'after'>,
  options: { environment?: TestEnvironment; modules?: readonly CivitasModule[] } = {},
): Promise<FuzzApp> {
  const kernel = await createTestKernel(t, { environment: options.environment, modules: options.modules });
  const app = await createHttpApp(kernel);
  const routes: DeclaredRoute[] = [];
  app.addHook('onRoute', (route) => {
    for (const method of [route.method].flat()) {
      if (method !== 'HEAD') routes.push({ method, url: route.url, schema: route.schema });
    }
  });
  for (const module of kernel.modules) {
    if (module.plugin) await app.register(module.plugin);
  }
  await app.ready();
  t.after(() => app.close());
  return { app, kernel, routes };
}

// ---------------------------------------------------------------------------------------------
// Requests and their answers

export type FuzzRequest = {
  method: string;
  url: string;
  headers: Record<string, string>;
  payload?: string | Buffer;
  /** Which mutation made it: shown with the request on failure. */
  how: string;
};

function shorten(text: string, limit = 300): string {
  return text.length > limit ? `${text.slice(0, limit)}... (${text.length} characters)` : text;
}

/** How a request is shown in a failure: short enough to read, exact enough to replay with the seed. */
export function describeRequest(request: FuzzRequest): string {
  const payload =
    request.payload === undefined
      ? ''
      : Buffer.isBuffer(request.payload)
        ? ` payload(bytes)=${shorten(request.payload.toString('latin1'))}`
        : ` payload=${shorten(JSON.stringify(request.payload))}`;
  const headers = Object.entries(request.headers)
    .map(([name, value]) => `${name}: ${shorten(value, 120)}`)
    .join(' | ');
  return `[${request.how}] ${request.method} ${shorten(request.url)} {${headers}}${payload}`;
}

/** Adds fast-check's printing of a request: its description, not the whole object. */
export function printable(request: FuzzRequest): FuzzRequest {
  return Object.assign(request, { [fc.toStringMethod]: () => describeRequest(request) });
}

export type SlowRequest = { route: string; request: string; status: number; ms: number };

/** Per test file: how many requests went, and those slower than SLOW_REQUEST_MS. */
export type FuzzTally = { sent: number; perRoute: Map<string, number>; slow: SlowRequest[]; statuses: Map<number, number> };

export function createTally(): FuzzTally {
  return { sent: 0, perRoute: new Map(), slow: [], statuses: new Map() };
}

export async function send(
  app: FastifyInstance,
  tally: FuzzTally,
  route: string,
  request: FuzzRequest,
  remoteAddress?: string,
): Promise<LightMyRequestResponse> {
  const started = performance.now();
  const response = await app.inject({
    method: request.method as 'GET',
    url: request.url,
    headers: request.headers,
    ...(request.payload === undefined ? {} : { payload: request.payload }),
    ...(remoteAddress ? { remoteAddress } : {}),
  });
  const ms = performance.now() - started;
  tally.sent += 1;
  tally.perRoute.set(route, (tally.perRoute.get(route) ?? 0) + 1);
  tally.statuses.set(response.statusCode, (tally.statuses.get(response.statusCode) ?? 0) + 1);
  if (process.env.FUZZ_DEBUG && route.includes(process.env.FUZZ_DEBUG)) console.log(`${response.statusCode} ${response.body.slice(0, 200)} <- ${describeRequest(request).slice(0, 300)}`);
  if (ms > SLOW_REQUEST_MS) tally.slow.push({ route, request: describeRequest(request), status: response.statusCode, ms: Math.round(ms) });
  return response;
}

/** Printed at the end of each file, for the report: runs per route, statuses seen, slow requests. */
export function printTally(name: string, tally: FuzzTally): void {
  const lines = [`fuzz ${name}: ${tally.sent} requests, seed ${FUZZ_SEED}`];
  lines.push(`  statuses: ${[...tally.statuses].sort((a, b) => a[0] - b[0]).map(([status, count]) => `${status}x${count}`).join(' ')}`);
  for (const [route, count] of tally.perRoute) lines.push(`  ${route}: ${count}`);
  lines.push(`  slow (> ${SLOW_REQUEST_MS} ms): ${tally.slow.length}`);
  for (const slow of tally.slow) lines.push(`    ${slow.ms} ms ${slow.status} ${slow.route} ${slow.request}`);
  console.log(lines.join('\n'));
}

/** Runs a property over generated requests for one route, seeded, with the seed named on failure. */
export async function fuzzRoute(options: {
  app: FastifyInstance;
  tally: FuzzTally;
  route: string;
  requests: fc.Arbitrary<FuzzRequest>;
  check: (response: LightMyRequestResponse, request: FuzzRequest) => void;
  numRuns: number;
  remoteAddress?: () => string;
}): Promise<void> {
  const { app, tally, route, check } = options;
  await fc.assert(
    fc.asyncProperty(options.requests.map(printable), async (request) => {
      const response = await send(app, tally, route, request, options.remoteAddress?.());
      check(response, request);
    }),
    { numRuns: runsOf(options.numRuns), seed: FUZZ_SEED, endOnFailure: false },
  );
}

function bodyJson(response: LightMyRequestResponse): unknown {
  try {
    return JSON.parse(response.body);
  } catch {
    return undefined;
  }
}

function isStringRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function failWith(response: LightMyRequestResponse, request: FuzzRequest, what: string): never {
  assert.fail(`${what}: ${response.statusCode} ${shorten(response.body, 500)}\n  for ${describeRequest(request)}`);
}

function refuseServerErrors(response: LightMyRequestResponse, request: FuzzRequest): void {
  if (response.statusCode >= 500) failWith(response, request, 'a server error');
}

function isJsonResponse(response: LightMyRequestResponse): boolean {
  return String(response.headers['content-type'] ?? '').startsWith('application/json');
}

/** Notify's `{status_code, errors: [{error, message}]}`, or its not-found `{result: 'error', message}` for an unknown URL. */
export function checkNotifyAnswer(response: LightMyRequestResponse, request: FuzzRequest): void {
  refuseServerErrors(response, request);
  const json = bodyJson(response);
  if (response.statusCode < 400) {
    if (request.url.includes('/pdf') && response.headers['content-type'] === 'application/pdf') return;
    if (!isJsonResponse(response) || json === undefined) failWith(response, request, 'a success that is not JSON');
    return;
  }
  if (!isStringRecord(json)) failWith(response, request, 'an error that is not JSON');
  // Flask's own answers for an unknown path or a method the path does not take, as Notify gives them.
  if ((response.statusCode === 404 || response.statusCode === 405) && json.result === 'error' && typeof json.message === 'string' && Object.keys(json).length === 2) return;
  const errors = json.errors;
  const fits =
    json.status_code === response.statusCode &&
    Object.keys(json).length === 2 &&
    Array.isArray(errors) &&
    errors.length > 0 &&
    errors.every((entry) => isStringRecord(entry) && typeof entry.error === 'string' && typeof entry.message === 'string' && Object.keys(entry).length === 2);
  if (!fits) failWith(response, request, "an error outside Notify's envelope");
}

/**
 * X-Road's `{type, message, detail}` with the type in `X-Road-Error`: 400 for a `Client.` fault;
 * a 500 only for a `Server.` fault (the provider or the gateway), which X-Road answers with 500.
 */
export function checkXRoadAnswer(response: LightMyRequestResponse, request: FuzzRequest): void {
  const json = bodyJson(response);
  if (response.statusCode < 400) return;
  if (!isStringRecord(json) || typeof json.type !== 'string' || typeof json.message !== 'string' || typeof json.detail !== 'string' || Object.keys(json).length !== 3) {
    failWith(response, request, "an error outside X-Road's envelope");
  }
  if (response.headers['x-road-error'] !== json.type) failWith(response, request, 'an error whose X-Road-Error header is not its type');
  // Civitas's one type of its own: a client past the limit on refused unauthenticated calls.
  const expected = json.type === 'Client.TooManyRequests' ? 429 : json.type.startsWith('Client.') ? 400 : json.type.startsWith('Server.') ? 500 : undefined;
  if (response.statusCode !== expected) failWith(response, request, `a ${json.type} error answered ${response.statusCode}`);
}

/** Pay's `{code, description}` (and `field` or `header`); a 401 is `{description}` alone, as Pay's. */
export function checkPayAnswer(response: LightMyRequestResponse, request: FuzzRequest): void {
  refuseServerErrors(response, request);
  if (response.statusCode === 204) return;
  const json = bodyJson(response);
  if (response.statusCode < 400) {
    if (!isJsonResponse(response) || json === undefined) failWith(response, request, 'a success that is not JSON');
    return;
  }
  if (!isStringRecord(json)) failWith(response, request, 'an error that is not JSON');
  if (response.statusCode === 401 && typeof json.description === 'string' && Object.keys(json).length === 1) return;
  // Dropwizard's own answer to a body of a type the route does not take, as Pay gives it.
  if (response.statusCode === 415 && json.code === 415 && json.message === 'HTTP 415 Unsupported Media Type' && Object.keys(json).length === 2) return;
  const keys = Object.keys(json);
  const fits =
    typeof json.code === 'string' &&
    /^P\d{4}$/.test(json.code) &&
    typeof json.description === 'string' &&
    keys.every((key) => ['code', 'description', 'field', 'header'].includes(key)) &&
    (json.field === undefined || typeof json.field === 'string') &&
    (json.header === undefined || typeof json.header === 'string');
  if (!fits) failWith(response, request, "an error outside Pay's envelope");
}

/** OAuth's `{error, error_description}` for the JSON endpoints (token, userinfo). */
export function checkOAuthJsonAnswer(response: LightMyRequestResponse, request: FuzzRequest): void {
  refuseServerErrors(response, request);
  const json = bodyJson(response);
  if (response.statusCode < 400) {
    if (!isJsonResponse(response) || json === undefined) failWith(response, request, 'a success that is not JSON');
    return;
  }
  if (!isStringRecord(json)) failWith(response, request, 'an error that is not JSON');
  const fits =
    typeof json.error === 'string' &&
    json.error !== '' &&
    (json.error_description === undefined || typeof json.error_description === 'string') &&
    Object.keys(json).every((key) => key === 'error' || key === 'error_description');
  if (!fits) failWith(response, request, "an error outside OAuth's envelope");
}

/** The kernel's JSON envelope for routes of no API: `{statusCode, error, message}`. */
function isKernelEnvelope(response: LightMyRequestResponse): boolean {
  const json = bodyJson(response);
  return (
    isStringRecord(json) &&
    json.statusCode === response.statusCode &&
    typeof json.error === 'string' &&
    typeof json.message === 'string' &&
    Object.keys(json).length === 3
  );
}

/**
 * A page: an HTML page (a GOV.UK error page for a refusal), a redirect with a Location, or, for a
 * client that asked for no HTML, the kernel's JSON envelope.
 */
export function checkPageAnswer(response: LightMyRequestResponse, request: FuzzRequest): void {
  refuseServerErrors(response, request);
  if (response.statusCode >= 300 && response.statusCode < 400) {
    if (typeof response.headers.location !== 'string' || response.headers.location === '') failWith(response, request, 'a redirect without a Location');
    return;
  }
  if (response.statusCode === 204) return;
  if (String(response.headers['content-type'] ?? '').startsWith('text/html')) return;
  if (response.statusCode >= 400 && isKernelEnvelope(response)) return;
  if (response.statusCode < 400) return; // a page's own document (JSON, an image, a file): not a refusal
  failWith(response, request, 'a refusal that is neither a page nor the kernel envelope');
}

function isOAuthEnvelope(response: LightMyRequestResponse): boolean {
  const json = bodyJson(response);
  return (
    isStringRecord(json) &&
    typeof json.error === 'string' &&
    json.error !== '' &&
    (json.error_description === undefined || typeof json.error_description === 'string') &&
    Object.keys(json).every((key) => key === 'error' || key === 'error_description')
  );
}

/**
 * The provider's endpoints people's browsers reach (authorize, logout): a page or a redirect as
 * for any page, or OAuth's JSON envelope for a client that does not ask for HTML.
 */
export function checkBrowserEndpointAnswer(response: LightMyRequestResponse, request: FuzzRequest): void {
  refuseServerErrors(response, request);
  if (response.statusCode >= 400 && isOAuthEnvelope(response)) return;
  checkPageAnswer(response, request);
}

/** For the JSON documents of the provider (discovery, JWKS): JSON, or the kernel's envelope for a wrong method. */
export function checkJsonDocumentAnswer(response: LightMyRequestResponse, request: FuzzRequest): void {
  refuseServerErrors(response, request);
  if (response.statusCode >= 400) {
    if (isKernelEnvelope(response)) return;
    checkOAuthJsonAnswer(response, request);
    return;
  }
  if (bodyJson(response) === undefined) failWith(response, request, 'a document that is not JSON');
}

// ---------------------------------------------------------------------------------------------
// Values: from a schema, and every way a value can be wrong

type JsonSchema = {
  type?: string | readonly string[];
  properties?: Record<string, JsonSchema>;
  required?: readonly string[];
  enum?: readonly unknown[];
  format?: string;
  maxLength?: number;
  minLength?: number;
  items?: JsonSchema;
};

/** A value of any JSON type a client could send where another was expected. */
export function wrongValue(): fc.Arbitrary<unknown> {
  return fc.oneof(
    fc.constantFrom(null, true, false, 0, -1, 1.5, -0, 1e308, -1e308, 2 ** 53 + 1, 2_147_483_648, '', ' ', '0', 'null', 'true', '\u0000', '\ud800', '\uffff', '../../etc/passwd', '<script>alert(1)</script>', "' OR 1=1 --", '((name))', '${x}', '{{x}}', '%s%n'),
    fc.constantFrom([], {}, [null], [[]], { '': '' }, { __proto__: null }, ['a', 1, null]),
    fc.integer(),
    fc.double({ noNaN: true }),
    fc.string({ maxLength: 40 }),
    fc.string({ unit: 'binary', maxLength: 40 }),
    hugeString(),
    deepValue(),
    fc.jsonValue({ maxDepth: 3 }),
  );
}

/** A long string: past every length limit a field has (up to 200,000 characters). */
export function hugeString(): fc.Arbitrary<string> {
  return fc
    .tuple(fc.constantFrom('x', 'é', '\u{1F600}', '(', '\\', '"', '%', '\n', ' '), fc.integer({ min: 1001, max: 200_000 }))
    .map(([unit, count]) => unit.repeat(count));
}

/** Arrays or objects nested past the body parser's depth limit and near it. */
export function deepValue(): fc.Arbitrary<unknown> {
  return fc.tuple(fc.integer({ min: 20, max: 200 }), fc.boolean()).map(([depth, arrays]) => {
    let value: unknown = 'bottom';
    for (let level = 0; level < depth; level += 1) value = arrays ? [value] : { a: value };
    return value;
  });
}

const ABSENT = Symbol('absent');

/** An object with the required fields, and each optional one in one case out of four, so that most are valid. */
export function objectOf(fields: Record<string, fc.Arbitrary<unknown>>, required: readonly string[]): fc.Arbitrary<Record<string, unknown>> {
  const record: Record<string, fc.Arbitrary<unknown>> = {};
  for (const [name, value] of Object.entries(fields)) {
    record[name] = required.includes(name) ? value : fc.oneof({ weight: 3, arbitrary: fc.constant(ABSENT) }, { weight: 1, arbitrary: value });
  }
  return fc.record(record).map((value) => Object.fromEntries(Object.entries(value).filter(([, item]) => item !== ABSENT)));
}

/** A valid value for a JSON schema (the subset the routes use), with `hints` for fields that need real values. */
export function fromSchema(schema: JsonSchema, hints: Record<string, fc.Arbitrary<unknown>> = {}, name?: string): fc.Arbitrary<unknown> {
  if (name !== undefined && hints[name]) return hints[name];
  if (schema.enum) return fc.constantFrom(...schema.enum);
  const types = schema.type === undefined ? ['string'] : [schema.type].flat();
  const choices = types.map((type): fc.Arbitrary<unknown> => {
    switch (type) {
      case 'null':
        return fc.constant(null);
      case 'boolean':
        return fc.boolean();
      case 'integer':
        return fc.integer();
      case 'number':
        return fc.double({ noNaN: true, noDefaultInfinity: true });
      case 'array':
        return fc.array(schema.items ? fromSchema(schema.items, hints) : fc.string(), { maxLength: 4 });
      case 'object': {
        if (!schema.properties) return fc.dictionary(fc.string({ maxLength: 12 }), fc.jsonValue({ maxDepth: 2 }), { maxKeys: 5 });
        const fields: Record<string, fc.Arbitrary<unknown>> = {};
        for (const [property, propertySchema] of Object.entries(schema.properties)) fields[property] = fromSchema(propertySchema, hints, property);
        return objectOf(fields, schema.required ?? []);
      }
      default:
        if (schema.format === 'uuid') return fc.uuid();
        if (schema.format === 'https-uri') return fc.webUrl({ validSchemes: ['https'] });
        return fc.string({ minLength: schema.minLength ?? 0, maxLength: Math.min(schema.maxLength ?? 40, 40) });
    }
  });
  return choices.length === 1 ? (choices[0] as fc.Arbitrary<unknown>) : fc.oneof(...choices);
}

const ODD_KEYS = ['__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty', '', ' ', '\u0000', 'a.b', '$where', 'x'.repeat(5000)];

/** A valid object changed in one or two places: a field of the wrong type, missing, extra, or everything replaced. */
export function mutateObject(valid: fc.Arbitrary<Record<string, unknown>>): fc.Arbitrary<unknown> {
  const once = (value: Record<string, unknown>): fc.Arbitrary<unknown> => {
    const keys = Object.keys(value);
    const choices: fc.Arbitrary<unknown>[] = [
      fc.tuple(fc.oneof(fc.constantFrom(...ODD_KEYS), fc.string({ maxLength: 20 })), wrongValue()).map(([key, extra]) => {
        const copy = { ...value };
        Object.defineProperty(copy, key, { value: extra, enumerable: true, writable: true, configurable: true });
        return copy;
      }),
      wrongValue(),
    ];
    if (keys.length > 0) {
      choices.push(
        fc.tuple(fc.constantFrom(...keys), wrongValue()).map(([key, wrong]) => ({ ...value, [key]: wrong })),
        fc.constantFrom(...keys).map((key) => {
          const copy = { ...value };
          delete copy[key];
          return copy;
        }),
        fc.tuple(fc.constantFrom(...keys), wrongValue()).map(([key, wrong]) => {
          const inner = value[key];
          if (inner === null || typeof inner !== 'object' || Array.isArray(inner)) return { ...value, [key]: { [key]: wrong } };
          const innerKeys = Object.keys(inner);
          const target = innerKeys[0] ?? 'a';
          return { ...value, [key]: { ...inner, [target]: wrong } };
        }),
      );
    }
    return fc.oneof(...choices);
  };
  return valid.chain((value) =>
    fc.oneof(
      { weight: 1, arbitrary: fc.constant(value) },
      { weight: 4, arbitrary: once(value) },
      { weight: 2, arbitrary: once(value).chain((changed) => (isStringRecord(changed) ? once(changed) : fc.constant(changed))) },
    ),
  );
}

// ---------------------------------------------------------------------------------------------
// Bodies as bytes, content types, query strings, path segments, headers

const INVALID_UTF8 = [
  Buffer.from([0xc3, 0x28]),
  Buffer.from([0xff]),
  Buffer.from([0xfe, 0xff]),
  Buffer.from([0xed, 0xa0, 0x80]), // an encoded surrogate
  Buffer.from([0xc0, 0xaf]), // overlong
  Buffer.from([0xf4, 0x90, 0x80, 0x80]), // past U+10FFFF
  Buffer.from([0xe2, 0x82]), // truncated
  Buffer.from([0x00]),
];

/** A JSON text made into bytes as a client could send them: valid, with invalid UTF-8 in a string, cut short, or with noise around it. */
export function encodeBody(value: unknown): fc.Arbitrary<string | Buffer> {
  const text = JSON.stringify(value) ?? 'undefined';
  return fc.oneof(
    { weight: 6, arbitrary: fc.constant(text) },
    {
      weight: 2,
      arbitrary: fc.tuple(fc.constantFrom(...INVALID_UTF8), fc.nat()).map(([bytes, at]) => {
        const quotes = [...text.matchAll(/"/g)].map((match) => match.index ?? 0);
        const position = quotes.length > 0 ? (quotes[at % quotes.length] as number) + 1 : at % (text.length + 1);
        const buffer = Buffer.from(text, 'utf8');
        const byteAt = Buffer.byteLength(text.slice(0, position), 'utf8');
        return Buffer.concat([buffer.subarray(0, byteAt), bytes, buffer.subarray(byteAt)]);
      }),
    },
    {
      weight: 1,
      arbitrary: fc.oneof(
        fc.nat().map((at) => text.slice(0, at % (text.length + 1))),
        fc.constantFrom('\ufeff', ' ', '\n', '[', ',', '}').map((noise) => `${noise}${text}`),
        fc.constantFrom('x', ',', ']', '}', '\u0000', '{}', ' // comment').map((noise) => `${text}${noise}`),
        fc.constantFrom('', 'null', 'true', '0', '""', '[]', 'NaN', 'Infinity', '1e400', '-', '{"a":1,"a":2}', '{"__proto__":{"polluted":1}}', '{"constructor":{"prototype":{"polluted":1}}}', '[' .repeat(5000) + ']'.repeat(5000), '{"a":'.repeat(5000) + '1' + '}'.repeat(5000)),
        fc.string({ unit: 'binary', maxLength: 60 }),
        fc.uint8Array({ maxLength: 60 }).map((bytes) => Buffer.from(bytes)),
      ),
    },
  );
}

export function jsonContentType(): fc.Arbitrary<string | undefined> {
  return fc.oneof(
    { weight: 8, arbitrary: fc.constant('application/json') },
    {
      weight: 3,
      arbitrary: fc.constantFrom(
        undefined,
        '',
        'application/json; charset=utf-8',
        'application/json; charset=latin1',
        'application/json; charset=utf-16',
        'APPLICATION/JSON',
        'application/json;;;',
        'application/json; boundary=',
        'text/plain',
        'text/html',
        'application/x-www-form-urlencoded',
        'multipart/form-data; boundary=x',
        'multipart/form-data',
        'application/octet-stream',
        'application/merge-patch+json',
        'application/vnd.api+json',
        'application/jsonx',
        'application/json, text/plain',
        '*/*',
        'json',
        ';',
        '\u00e9/\u00e9',
      ),
    },
  );
}

const BAD_PERCENT = ['%', '%Z', '%ZZ', '%C3%28', '%FF', '%ED%A0%80', '%00', '%2F', '%2e%2e', '%E0%A4%A', '+', '%20', '%25'];

/** A query string from name/value pairs, then mutated: duplicates, unknown names, bad percent-encoding, brackets, huge values. */
export function queryString(valid: fc.Arbitrary<Record<string, string>>): fc.Arbitrary<string> {
  const pair = (name: string, value: string) => `${encodeURIComponent(name)}=${encodeURIComponent(value)}`;
  return valid.chain((params) => {
    const base = Object.entries(params).map(([name, value]) => pair(name, value));
    const names = Object.keys(params);
    const mutation = fc.oneof(
      fc.constant(base),
      names.length > 0
        ? fc.tuple(fc.constantFrom(...names), fc.string({ maxLength: 20 })).map(([name, value]) => [...base, pair(name, value)])
        : fc.constant(base),
      fc.tuple(fc.oneof(fc.constantFrom(...ODD_KEYS.slice(0, 10)), fc.string({ maxLength: 10 })), fc.string({ maxLength: 20 })).map(([name, value]) => [...base, pair(name, value)]),
      fc.tuple(fc.constantFrom(...BAD_PERCENT), fc.constantFrom(...(names.length > 0 ? names : ['x']))).map(([bad, name]) => [...base, `${name}=${bad}`, `${bad}=1`]),
      fc.constantFrom(...(names.length > 0 ? names : ['x'])).map((name) => [...base, `${name}[]=1`, `${name}[0]=2`, `${name}[a]=3`]),
      fc.tuple(fc.constantFrom(...(names.length > 0 ? names : ['x'])), hugeString()).map(([name, value]) => [...base, pair(name, value.slice(0, 20_000))]),
      fc.constantFrom(['&&&'], ['=', '=='], ['a'], ['a=1=2'], [';'], ['#frag']).map((odd) => [...base, ...odd]),
    );
    return mutation.map((parts) => (parts.length === 0 ? '' : `?${parts.join('&')}`));
  });
}

/** A path parameter: a real id sometimes, else every shape an id should not have. */
export function pathSegment(real: readonly string[] = []): fc.Arbitrary<string> {
  return fc.oneof(
    ...(real.length > 0 ? [{ weight: 3, arbitrary: fc.constantFrom(...real) }] : []),
    { weight: 2, arbitrary: fc.uuid() },
    { weight: 1, arbitrary: fc.uuid().map((id) => id.toUpperCase()) },
    { weight: 2, arbitrary: fc.string({ minLength: 1, maxLength: 40 }).map(encodeURIComponent).filter((segment) => !/^(\.|%2e){1,2}$/i.test(segment)) },
    { weight: 1, arbitrary: fc.string({ unit: 'binary', minLength: 1, maxLength: 20 }).map(encodeURIComponent).filter((segment) => !/^(\.|%2e){1,2}$/i.test(segment)) },
    // No dot segments ('..', '%2e%2e'): app.inject resolves them as a URL before the app sees the path.
    { weight: 2, arbitrary: fc.constantFrom(...BAD_PERCENT.filter((bad) => bad !== '%2e%2e'), 'null', 'undefined', '0', '-1', '1e400', 'x'.repeat(10_000), '%00'.repeat(100)) },
    { weight: 1, arbitrary: fc.integer({ min: 20, max: 9000 }).map((length) => 'a'.repeat(length)) },
  );
}

/** A header value as HTTP carries it (latin-1 bytes), or a huge one. */
export function headerValue(): fc.Arbitrary<string> {
  return fc.oneof(
    fc.string({ maxLength: 40 }).map((text) => text.replace(/[^\x20-\x7e]/g, '')),
    fc.uint8Array({ maxLength: 40 }).map((bytes) => Buffer.from(bytes.filter((byte) => byte >= 0x20 && byte !== 0x7f)).toString('latin1')),
    fc.integer({ min: 1000, max: 16_000 }).map((length) => 'A'.repeat(length)),
  );
}

/** Extra or odd headers: a client's own X-Forwarded-For, odd Accept, odd encodings, and any other name. */
export function extraHeaders(): fc.Arbitrary<Record<string, string>> {
  return fc.oneof(
    { weight: 5, arbitrary: fc.constant({}) },
    {
      weight: 3,
      arbitrary: fc.dictionary(
        fc.constantFrom('accept', 'accept-language', 'accept-encoding', 'x-forwarded-for', 'x-forwarded-proto', 'x-forwarded-host', 'x-request-id', 'origin', 'referer', 'cookie', 'content-encoding', 'transfer-encoding-x', 'if-none-match', 'range', 'expect-x', 'x-http-method-override', 'user-agent'),
        fc.oneof(
          headerValue(),
          fc.constantFrom('text/html', 'application/json', '*/*', 'cy', 'gzip', 'br', 'deflate', 'identity', 'bytes=0-1', '127.0.0.1, 10.0.0.1', 'https', 'null', 'a=b; c', '__proto__=1'),
        ),
        { maxKeys: 4 },
      ),
    },
  );
}

/** Whatever a client might put in Authorization that is not a valid credential. */
export function badAuthorization(): fc.Arbitrary<string | undefined> {
  const b64 = (value: string) => Buffer.from(value).toString('base64url');
  const part = fc.oneof(
    fc.jsonValue({ maxDepth: 2 }).map((value) => b64(JSON.stringify(value))),
    fc.string({ maxLength: 30 }).map(b64),
    fc.constantFrom('', '!!!', '====', 'a', b64('null'), b64('[]'), b64('{'), b64('{"alg":"none"}'), b64('{"alg":"HS256","typ":"JWT"}'), b64('{"alg":"HS512"}'), b64('{"alg":"RS256","kid":"x"}'), b64('{"iss":123,"iat":"now"}'), b64('{"iat":1e400}'), b64(`{"iss":"${randomUUID()}","iat":0}`)),
  );
  return fc.oneof(
    fc.constantFrom(undefined, '', 'Bearer', 'Bearer ', 'bearer', 'Basic', 'Basic Og==', 'Basic !!!', 'Bearer  ', 'Bearer a b', 'Bearer ...', 'Bearer ....', 'Token x', 'Digest x', 'Negotiate x'),
    fc.tuple(part, part, part).map(([header, payload, signature]) => `Bearer ${header}.${payload}.${signature}`),
    fc.tuple(fc.constantFrom('Bearer ', 'bearer ', 'BEARER ', 'Bearer\t'), fc.string({ maxLength: 80 })).map(([scheme, token]) => `${scheme}${token.replace(/[^\x20-\x7e]/g, '')}`),
    fc.integer({ min: 1000, max: 16_000 }).map((length) => `Bearer ${'A'.repeat(length)}`),
  );
}

/** An object's string values only, as a query string carries them. */
export function asQueryValues(value: unknown): Record<string, string> {
  if (!isStringRecord(value)) return {};
  return Object.fromEntries(Object.entries(value).map(([name, item]) => [name, typeof item === 'string' ? item : JSON.stringify(item)]));
}

/** Per request: a fresh address among many, so per-address limits do not end the run early. */
export function rotatingAddress(): () => string {
  let next = 0;
  return () => {
    next += 1;
    return `198.51.100.${next % 250 + 1}`;
  };
}
