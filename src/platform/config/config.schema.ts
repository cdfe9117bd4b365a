/**
 * Every setting Civitas reads from the environment, in one place. The README's configuration
 * table is generated from this list (`npm run docs:config`), and a test keeps the two equal.
 */

import { isIP } from 'node:net';
import { HARD_TO_GUESS } from './secret-strength.ts';

export type Environment = 'development' | 'test' | 'production';

/**
 * The settings above one in the schema, as their raw text after defaults: what a default that
 * depends on other settings reads (the docs show each as `$NAME`).
 */
export type SettingsAbove = Readonly<Record<string, string>>;

export type Setting<T> = {
  description: string;
  /** What a valid value looks like, in words: printed when a value is refused. */
  accepts: string;
  /**
   * The value used when the variable is unset or empty; a function of settings above it when
   * it depends on them.
   */
  default?: string | ((settings: SettingsAbove) => string);
  /** A default that is fine on a developer's machine and must be replaced in production. */
  insecureDefault?: boolean;
  /** Never printed, logged or shown in full. */
  secret?: boolean;
  /**
   * A key: in production refused when it is easy to guess or when another secret setting has
   * the same value (development warns). Checked on the value in use, whatever its type.
   */
  mustBeHardToGuess?: boolean;
  parse(raw: string): T | undefined;
};

function setting<T>(definition: Setting<T>): Setting<T> {
  return definition;
}

function parseInteger(min: number, max: number) {
  return (raw: string): number | undefined => {
    if (!/^\d+$/.test(raw)) return undefined;
    const value = Number(raw);
    return value >= min && value <= max ? value : undefined;
  };
}

function parseOneOf<const T extends string>(values: readonly T[]) {
  return (raw: string): T | undefined => values.find((value) => value === raw);
}

/**
 * Fastify's own forms: false, a number of hops, or the proxies' addresses. `true` means one hop,
 * never "every hop": that would take the client's own first X-Forwarded-For entry as its address.
 */
function parseTrustedProxies(raw: string): false | number | string[] | undefined {
  if (raw === 'false') return false;
  if (raw === 'true') return 1;
  if (/^\d+$/.test(raw)) return parseInteger(1, 10)(raw);
  const proxies = raw.split(',').map((proxy) => proxy.trim());
  const isAddressOrRange = (proxy: string) => {
    const [address = '', prefix, extra] = proxy.split('/');
    if (extra !== undefined || isIP(address) === 0) return false;
    return prefix === undefined || (/^\d{1,3}$/.test(prefix) && Number(prefix) <= (isIP(address) === 4 ? 32 : 128));
  };
  return proxies.every(isAddressOrRange) ? proxies : undefined;
}

function parseBoolean(raw: string): boolean | undefined {
  if (raw === 'true') return true;
  if (raw === 'false') return false;
  return undefined;
}

function parseUrl(protocols: readonly string[]) {
  return (raw: string): string | undefined => {
    if (!URL.canParse(raw)) return undefined;
    const url = new URL(raw);
    return protocols.includes(url.protocol) ? raw : undefined;
  };
}

const DEVELOPMENT_COOKIE_SECRET = 'development-only-cookie-secret-do-not-use-in-production';

function parseEncryptionKey(raw: string): string | undefined {
  return raw.length >= 32 && !raw.includes(',') ? raw : undefined;
}

function parseEncryptionKeys(raw: string): readonly string[] | undefined {
  if (raw === '') return Object.freeze([]);
  const keys = raw.split(',').map(parseEncryptionKey);
  return keys.every((key) => key !== undefined) ? Object.freeze(keys) : undefined;
}

const IN_PRODUCTION_HARD_TO_GUESS = `in production also ${HARD_TO_GUESS}, and a value no other secret setting has`;

export const configSchema = {
  NODE_ENV: setting({
    description:
      'Where Civitas runs. `production` refuses insecure defaults; `development` warns about them.',
    accepts: 'development, test or production',
    default: 'development',
    parse: parseOneOf(['development', 'test', 'production'] as const),
  }),
  PORT: setting({
    description: 'The TCP port the web server listens on.',
    accepts: 'a port number from 1 to 65535',
    default: '3000',
    parse: parseInteger(1, 65535),
  }),
  HOST: setting({
    description: 'The address the web server listens on (`0.0.0.0` for every interface).',
    accepts: 'a host name or IP address',
    default: 'localhost',
    parse: (raw) => (/^[A-Za-z0-9.:_-]+$/.test(raw) ? raw : undefined),
  }),
  BASE_URL: setting({
    description:
      'The public address of this Civitas, as people and services reach it. Must be `https://` in production.',
    accepts: 'an http:// or https:// URL with no path, query or fragment',
    default: (settings) => `http://localhost:${settings.PORT}`,
    insecureDefault: true,
    parse: (raw) => {
      const parsed = parseUrl(['http:', 'https:'])(raw);
      if (parsed === undefined) return undefined;
      const url = new URL(parsed);
      if (url.pathname !== '/' || url.search || url.hash || url.username || url.password) return undefined;
      return url.origin;
    },
  }),
  ONE_LOGIN_ISSUER: setting({
    description:
      "The issuer of One Login's tokens and discovery document, written exactly as services check it. Unset: `BASE_URL`. Set it to `BASE_URL` followed by `/` to keep an issuer of GOV.UK One Login's form (`https://oidc.account.gov.uk/`), so services moving over need not change how they check `iss`.",
    accepts: 'empty, or BASE_URL with or without a trailing /',
    default: '',
    // Whether it is BASE_URL is checked once BASE_URL is known (loadConfig); kept as written.
    parse: (raw) => {
      if (raw === '') return '';
      const parsed = parseUrl(['http:', 'https:'])(raw);
      if (parsed === undefined) return undefined;
      const url = new URL(parsed);
      return url.pathname === '/' && !url.search && !url.hash && !url.username && !url.password ? raw : undefined;
    },
  }),
  DATABASE_URL: setting({
    description:
      'Where data is kept: unset for the embedded SQLite file `./data/civitas.sqlite`, `sqlite:PATH` for another file, or a `postgres://` URL for PostgreSQL.',
    accepts: 'sqlite:PATH, or a postgres:// or postgresql:// URL',
    default: 'sqlite:./data/civitas.sqlite',
    secret: true,
    parse: (raw) => {
      if (/^sqlite:.+/.test(raw)) return raw;
      return parseUrl(['postgres:', 'postgresql:'])(raw);
    },
  }),
  SMTP_URL: setting({
    description:
      'The SMTP server that sends email, such as `smtps://user:password@smtp.example.org:465`. Unset outside production: email goes to the development outbox.',
    accepts: 'an smtp:// or smtps:// URL',
    default: '',
    insecureDefault: true,
    secret: true,
    parse: (raw) => (raw === '' ? '' : parseUrl(['smtp:', 'smtps:'])(raw)),
  }),
  MAIL_FROM: setting({
    description: 'The sender of every email Civitas sends, as `Name <address>` or an address alone.',
    accepts: 'an email address, optionally as Name <address>',
    default: 'Civitas <no-reply@civitas.localhost>',
    insecureDefault: true,
    parse: (raw) => (/^([^<>\r\n]+<[^\s@<>]+@[^\s@<>]+>|[^\s@<>]+@[^\s@<>]+)$/.test(raw.trim()) ? raw.trim() : undefined),
  }),
  COOKIE_SECRET: setting({
    description:
      'The key that signs cookies (such as the CSRF cookie). Every process behind one address needs the same value.',
    accepts: `at least 32 characters; ${IN_PRODUCTION_HARD_TO_GUESS}`,
    default: DEVELOPMENT_COOKIE_SECRET,
    insecureDefault: true,
    secret: true,
    mustBeHardToGuess: true,
    parse: (raw) => (raw.length >= 32 ? raw : undefined),
  }),
  ENCRYPTION_KEY: setting({
    description:
      'The key that encrypts the secrets Civitas keeps in its database and must read back (signing keys, authenticator-app secrets, webhook and API-key secrets). Every process needs the same value; to change it, move the old value to `ENCRYPTION_KEY_PREVIOUS`.',
    accepts: `at least 32 characters, with no comma; ${IN_PRODUCTION_HARD_TO_GUESS}`,
    default: 'development-only-encryption-key-do-not-use-in-production',
    insecureDefault: true,
    secret: true,
    mustBeHardToGuess: true,
    parse: parseEncryptionKey,
  }),
  ENCRYPTION_KEY_PREVIOUS: setting({
    description:
      'Earlier values of `ENCRYPTION_KEY`, separated by commas: secrets encrypted under them can still be read, but nothing new is encrypted under them.',
    accepts: 'empty, or keys of at least 32 characters separated by commas',
    default: '',
    secret: true,
    parse: parseEncryptionKeys,
  }),
  AUDIT_KEY: setting({
    description:
      'The key of the audit trail: each event carries an HMAC, under this key, of itself and the event before it, and checkpoints of the newest event are signed with it, so whoever can write the database but does not have the key cannot change, remove or add events unnoticed. Unset: a key derived from `ENCRYPTION_KEY` (HKDF). Set it to keep the audit trail apart from the other secrets; every process needs the same value; to change it, move the old value to `AUDIT_KEY_PREVIOUS`.',
    accepts: `empty, or at least 32 characters with no comma; ${IN_PRODUCTION_HARD_TO_GUESS}`,
    default: '',
    secret: true,
    mustBeHardToGuess: true,
    parse: (raw) => (raw === '' ? '' : parseEncryptionKey(raw)),
  }),
  AUDIT_KEY_PREVIOUS: setting({
    description:
      'Earlier values of `AUDIT_KEY`, separated by commas: `npx civitas audit verify` still checks events and checkpoints made under them (as it does under `ENCRYPTION_KEY` and `ENCRYPTION_KEY_PREVIOUS`), but nothing new is made under them.',
    accepts: 'empty, or keys of at least 32 characters separated by commas',
    default: '',
    secret: true,
    parse: parseEncryptionKeys,
  }),
  AUDIT_CHECKPOINT_FILE: setting({
    description:
      'The file each process appends a signed checkpoint of the audit trail to (the newest event\'s number and HMAC), at most once a minute while it records events, when it stops, and when a command that recorded events ends; the same checkpoint goes to the log. Keep it, or the log, where whoever can write the database cannot (another machine, append-only storage): `npx civitas audit verify` checks every checkpoint against the database, so it finds the newest events deleted. Several processes may share one local file. Unset under `NODE_ENV=test`: checkpoints go only to the log.',
    accepts: 'a file path',
    default: (settings) => (settings.NODE_ENV === 'test' ? '' : './data/audit-checkpoints.jsonl'),
    parse: (raw) => (raw !== '' && raw.trim() === '' ? undefined : raw),
  }),
  LOG_LEVEL: setting({
    description: 'The least severe log level written to standard output.',
    accepts: 'fatal, error, warn, info, debug, trace or silent',
    default: 'info',
    parse: parseOneOf(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const),
  }),
  RUN_WORKERS: setting({
    description:
      'Whether `npm start` also runs the background job workers. Set `false` on web-only processes and run `npx civitas worker` elsewhere.',
    accepts: 'true or false',
    default: 'true',
    parse: parseBoolean,
  }),
  DEMO_SERVICE: setting({
    description:
      'Whether to run the example department service at `/demo-service`, which signs people in with One Login. On by default outside production, off in production.',
    accepts: 'true or false',
    default: (settings) => (settings.NODE_ENV === 'production' ? 'false' : 'true'),
    parse: parseBoolean,
  }),
  DEMO_EXCHANGE: setting({
    description:
      "Whether start-up sets up Exchange's working example: an example benefits agency whose small information system inside Civitas (at `/demo-exchange/pip`, with made-up people) provides the service `pip-award`, and an example council's subsystem allowed to call it under an agreement limited to award status and rate (`npx civitas exchange demo show` prints the identifiers and the council's private key). Made once, kept in working order at each start. On by default in development, off under `NODE_ENV=test`, refused in production.",
    accepts: 'true or false',
    default: (settings) => (settings.NODE_ENV === 'test' || settings.NODE_ENV === 'production' ? 'false' : 'true'),
    parse: parseBoolean,
  }),
  WORKER_CONCURRENCY: setting({
    description: 'How many jobs one process runs at the same time.',
    accepts: 'a whole number from 1 to 100',
    default: '4',
    parse: parseInteger(1, 100),
  }),
  TRUST_PROXY: setting({
    description:
      'Which proxies in front of Civitas to believe about the client: their `X-Forwarded-For` entries and `X-Forwarded-Proto`. `true` believes the one load balancer directly in front (the client is the last address it adds, so a client cannot forge its own); a number N believes N proxies in a row; a list of addresses or CIDR ranges believes the proxies at those addresses. `false` believes none.',
    accepts: 'false, true, a number of proxies from 1 to 10, or proxy addresses and CIDR ranges separated by commas',
    default: 'false',
    parse: parseTrustedProxies,
  }),
  OUTBOUND_ALLOW_PRIVATE_NETWORK: setting({
    description:
      'Whether Pay webhooks, Notify callbacks and Exchange calls to providers, whose addresses service teams choose, may go to loopback, private, link-local and other non-public addresses (such as `127.0.0.1`, `10.0.0.0/8` or `169.254.169.254`). Off, they are refused, so no team can use Civitas to reach its internal network. Turn it on only for development and tests, whose receivers run on this machine.',
    accepts: 'true or false',
    default: 'false',
    parse: parseBoolean,
  }),
  EXCHANGE_INSTANCE: setting({
    description:
      "The X-Road instance of this Civitas's Exchange: the first part of every member, subsystem and service identifier (`INSTANCE/CLASS/MEMBER/SUBSYSTEM/SERVICE`), such as `GB` in production and `GB-TEST` for a test environment. Set it once, before the first member is added: identifiers made under one instance are not found under another.",
    accepts: 'letters, digits, dots, hyphens and underscores, 1 to 64 characters, starting with a letter or digit',
    default: 'GB-DEV',
    parse: (raw) => (/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/.test(raw) ? raw : undefined),
  }),
  EXCHANGE_PROVIDER_TIMEOUT_SECONDS: setting({
    description:
      "How long Exchange gives a provider's information system to answer a call, from connecting to the end of its answer; past it the client is answered `Server.ServerProxy.NetworkError` (or, when the answer had begun to stream, it is cut off).",
    accepts: 'a whole number of seconds from 1 to 300',
    default: '30',
    parse: parseInteger(1, 300),
  }),
  METRICS_PORT: setting({
    description:
      'The port of a second web server that answers only `GET /metrics` (Prometheus text format: requests per route, jobs, deliveries, sign-ins, database pool). Never the public port. Unset: no metrics server. Each process on one machine needs a port of its own.',
    accepts: 'empty, or a port number from 1 to 65535',
    default: '',
    parse: (raw) => (raw === '' ? '' : parseInteger(1, 65535)(raw)),
  }),
  METRICS_HOST: setting({
    description:
      'The address the metrics server listens on. The default, `127.0.0.1`, lets only a Prometheus on the same machine in; any other address needs `METRICS_TOKEN`.',
    accepts: 'a host name or IP address',
    default: '127.0.0.1',
    parse: (raw) => (/^[A-Za-z0-9.:_-]+$/.test(raw) ? raw : undefined),
  }),
  METRICS_TOKEN: setting({
    description:
      'The bearer token the metrics server asks for (`Authorization: Bearer TOKEN`, as Prometheus sends with `authorization: { credentials: TOKEN }`). Required when `METRICS_HOST` is not a loopback address; when set, a request without it is refused with 401.',
    accepts: `empty, or at least 32 characters; ${IN_PRODUCTION_HARD_TO_GUESS}`,
    default: '',
    secret: true,
    mustBeHardToGuess: true,
    parse: (raw) => (raw === '' || raw.length >= 32 ? raw : undefined),
  }),
  SITE_NAME: setting({
    description: 'The name shown at the top of every page.',
    accepts: 'text of 1 to 60 characters',
    default: 'Civitas',
    parse: (raw) => (raw.length >= 1 && raw.length <= 60 ? raw : undefined),
  }),
  PHASE: setting({
    description: 'The phase shown in the phase banner on every page.',
    accepts: 'alpha, beta or live (live shows no banner)',
    default: 'beta',
    parse: parseOneOf(['alpha', 'beta', 'live'] as const),
  }),
  SHUTDOWN_TIMEOUT_SECONDS: setting({
    description:
      'On SIGTERM, how long to wait for requests and jobs in progress before exiting anyway.',
    accepts: 'a whole number of seconds from 1 to 600',
    default: '25',
    parse: parseInteger(1, 600),
  }),
  NOTIFY_SMS_GATEWAY_URL: setting({
    description:
      'The HTTP SMS gateway Notify sends text messages through (it receives a JSON POST for each message). Unset: outside production, a simulated provider delivers them at once (into the development outbox when there is one); in production they end as technical-failure.',
    accepts: 'an http:// or https:// URL',
    default: '',
    parse: (raw) => (raw === '' ? '' : parseUrl(['http:', 'https:'])(raw)),
  }),
  NOTIFY_SMS_GATEWAY_TOKEN: setting({
    description:
      'The bearer token Notify sends to the SMS gateway, and expects back on its delivery receipts and inbound messages.',
    accepts: 'empty, or at least 16 characters',
    default: '',
    secret: true,
    parse: (raw) => (raw === '' || raw.length >= 16 ? raw : undefined),
  }),
  NOTIFY_LETTER_FOLDER: setting({
    description: 'The folder where Notify leaves each letter as a PDF for the print provider to collect.',
    accepts: 'a folder path',
    default: './data/letters',
    parse: (raw) => (raw.trim() === '' ? undefined : raw),
  }),
  ASSISTANT_MODEL_URL: setting({
    description:
      "An OpenAI-compatible chat completions endpoint (such as `https://models.example.org/v1/chat/completions`) that the guidance assistant asks to word its answers, sent only the question and the passages retrieved for it; an answer it gives is used only when it cites those passages and passes the assistant's output checks, otherwise the extractive answer is. It may be on a private address (a model the operator runs), this address only. Unset: no model, answers are the guidance's own words. Must be `https://` in production.",
    accepts: 'empty, or an http:// or https:// URL with no user name or password',
    default: '',
    parse: (raw) => {
      if (raw === '') return '';
      const parsed = parseUrl(['http:', 'https:'])(raw);
      return parsed !== undefined && !new URL(parsed).username && !new URL(parsed).password ? parsed : undefined;
    },
  }),
  ASSISTANT_MODEL_API_KEY: setting({
    description: 'The key sent to `ASSISTANT_MODEL_URL` as `Authorization: Bearer KEY`. Unset: no key is sent.',
    accepts: 'empty, or text with no spaces',
    default: '',
    secret: true,
    parse: (raw) => (/^\S*$/.test(raw) ? raw : undefined),
  }),
  ASSISTANT_MODEL_NAME: setting({
    description: 'The model asked at `ASSISTANT_MODEL_URL` (the request\'s `model`), such as `gpt-4o-mini`. Required when `ASSISTANT_MODEL_URL` is set.',
    accepts: 'empty, or 1 to 200 letters, digits and `.:/_@-`',
    default: '',
    parse: (raw) => (raw === '' || /^[A-Za-z0-9.:/_@-]{1,200}$/.test(raw) ? raw : undefined),
  }),
  ASSISTANT_MODEL_TIMEOUT_MS: setting({
    description:
      'How long the assistant waits for the model, from connecting to the end of its answer; past it the extractive answer is given.',
    accepts: 'a whole number of milliseconds from 100 to 60000',
    default: '8000',
    parse: parseInteger(100, 60_000),
  }),
  FORMS_CLAMD_ADDRESS: setting({
    description:
      'A clamd virus scanner (its TCP socket, INSTREAM) that Forms sends every uploaded file to before accepting it. Unset: Forms refuses only the EICAR test file, so set it in production.',
    accepts: 'empty, or host:port',
    default: '',
    parse: (raw) => (raw === '' || /^[A-Za-z0-9.-]+:\d{1,5}$|^\[[0-9A-Fa-f:.]+\]:\d{1,5}$/.test(raw) ? raw : undefined),
  }),
};

export type ConfigSchema = typeof configSchema;
export type SettingName = keyof ConfigSchema;

export type Config = Readonly<{
  [Name in SettingName]: Exclude<ReturnType<ConfigSchema[Name]['parse']>, undefined>;
}>;
