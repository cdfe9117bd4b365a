import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { test, type TestContext } from 'node:test';
import { fileURLToPath } from 'node:url';
import { configSchema, type SettingName } from './config.schema.ts';
import { ConfigError, loadConfig } from './load-config.ts';

/** Everything production needs set to something safe. */
const SECURE_PRODUCTION = {
  NODE_ENV: 'production',
  BASE_URL: 'https://civitas.example.org',
  SMTP_URL: 'smtps://civitas:mail-password@smtp.example.org:465',
  MAIL_FROM: 'Civitas <no-reply@civitas.example.org>',
  COOKIE_SECRET: 'a-production-cookie-secret-of-forty-characters',
  ENCRYPTION_KEY: 'a-production-encryption-key-of-forty-characters',
};

function catchConfigError(env: Record<string, string>): ConfigError {
  try {
    loadConfig(env);
  } catch (error) {
    assert.ok(error instanceof ConfigError, `a ConfigError, not ${String(error)}`);
    assert.equal(error.code, 'CONFIG_INVALID');
    assert.doesNotMatch(error.message, /\n/, 'one line');
    return error;
  }
  assert.fail(`loadConfig accepted ${JSON.stringify(env)}`);
}

test('with nothing set, every setting takes its default', () => {
  const { config } = loadConfig({});
  assert.deepEqual(config, {
    NODE_ENV: 'development',
    PORT: 3000,
    HOST: 'localhost',
    BASE_URL: 'http://localhost:3000',
    ONE_LOGIN_ISSUER: '',
    DATABASE_URL: 'sqlite:./data/civitas.sqlite',
    SMTP_URL: '',
    MAIL_FROM: 'Civitas <no-reply@civitas.localhost>',
    COOKIE_SECRET: configSchema.COOKIE_SECRET.default,
    ENCRYPTION_KEY: configSchema.ENCRYPTION_KEY.default,
    ENCRYPTION_KEY_PREVIOUS: [],
    AUDIT_KEY: '',
    AUDIT_KEY_PREVIOUS: [],
    AUDIT_CHECKPOINT_FILE: './data/audit-checkpoints.jsonl',
    LOG_LEVEL: 'info',
    RUN_WORKERS: true,
    DEMO_SERVICE: true,
    DEMO_EXCHANGE: true,
    WORKER_CONCURRENCY: 4,
    TRUST_PROXY: false,
    OUTBOUND_ALLOW_PRIVATE_NETWORK: false,
    EXCHANGE_INSTANCE: 'GB-DEV',
    EXCHANGE_PROVIDER_TIMEOUT_SECONDS: 30,
    METRICS_PORT: '',
    METRICS_HOST: '127.0.0.1',
    METRICS_TOKEN: '',
    SITE_NAME: 'Civitas',
    PHASE: 'beta',
    SHUTDOWN_TIMEOUT_SECONDS: 25,
    NOTIFY_SMS_GATEWAY_URL: '',
    NOTIFY_SMS_GATEWAY_TOKEN: '',
    NOTIFY_LETTER_FOLDER: './data/letters',
    FORMS_CLAMD_ADDRESS: '',
    ASSISTANT_MODEL_URL: '',
    ASSISTANT_MODEL_API_KEY: '',
    ASSISTANT_MODEL_NAME: '',
    ASSISTANT_MODEL_TIMEOUT_MS: 8000,
  });
  assert.deepEqual(loadConfig({ PORT: '', SITE_NAME: '' }).config, config, 'an empty variable counts as unset');
  assert.equal(loadConfig({ NODE_ENV: 'test' }).config.AUDIT_CHECKPOINT_FILE, '', 'tests write checkpoints only to the log');
  assert.equal(loadConfig({ NODE_ENV: 'test' }).config.DEMO_EXCHANGE, false, 'a test sets up the Exchange example only when it asks');
});

test('values are parsed into their types, and the default BASE_URL follows PORT', () => {
  const { config } = loadConfig({
    PORT: '8080',
    HOST: '0.0.0.0',
    DATABASE_URL: 'postgres://civitas:db-password@db.internal:5432/civitas',
    RUN_WORKERS: 'false',
    TRUST_PROXY: 'true',
    WORKER_CONCURRENCY: '100',
    PHASE: 'live',
  });
  assert.equal(config.PORT, 8080);
  assert.equal(config.BASE_URL, 'http://localhost:8080');
  assert.equal(config.HOST, '0.0.0.0');
  assert.equal(config.DATABASE_URL, 'postgres://civitas:db-password@db.internal:5432/civitas');
  assert.equal(config.RUN_WORKERS, false);
  assert.equal(config.TRUST_PROXY, 1, 'true believes one proxy: the load balancer in front');
  assert.equal(config.WORKER_CONCURRENCY, 100);
  assert.equal(config.PHASE, 'live');

  assert.equal(loadConfig({ TRUST_PROXY: '2' }).config.TRUST_PROXY, 2);
  const base = { BASE_URL: 'https://signin.example.gov.uk' };
  assert.equal(loadConfig({ ...base, ONE_LOGIN_ISSUER: 'https://signin.example.gov.uk/' }).config.ONE_LOGIN_ISSUER, 'https://signin.example.gov.uk/');
  assert.equal(loadConfig({ ...base, ONE_LOGIN_ISSUER: 'https://signin.example.gov.uk' }).config.ONE_LOGIN_ISSUER, 'https://signin.example.gov.uk');
  for (const refused of ['https://elsewhere.example.gov.uk/', 'https://signin.example.gov.uk/oidc', 'https://signin.example.gov.uk/?x=1', 'not a url']) {
    assert.throws(() => loadConfig({ ...base, ONE_LOGIN_ISSUER: refused }), /^ConfigError: ONE_LOGIN_ISSUER=/, refused);
  }
  assert.deepEqual(loadConfig({ TRUST_PROXY: '10.0.0.0/8, 2001:db8::/32,192.0.2.1' }).config.TRUST_PROXY, ['10.0.0.0/8', '2001:db8::/32', '192.0.2.1']);
  for (const refused of ['yes', '0', '11', '10.0.0.0/33', 'proxy.internal', '10.0.0.0/8/1']) {
    assert.throws(() => loadConfig({ TRUST_PROXY: refused }), /TRUST_PROXY/, refused);
  }
  assert.equal(loadConfig({ BASE_URL: 'https://civitas.example.org/' }).config.BASE_URL, 'https://civitas.example.org');
  assert.equal(loadConfig({ MAIL_FROM: ' notify@example.org ' }).config.MAIL_FROM, 'notify@example.org');

  const older = ['an-encryption-key-retired-last-year-000', 'an-encryption-key-retired-two-years-ago'];
  assert.deepEqual(loadConfig({ ENCRYPTION_KEY_PREVIOUS: older.join(',') }).config.ENCRYPTION_KEY_PREVIOUS, older);
});

test('a default that depends on other settings reads only settings above it in the schema', () => {
  const names = Object.keys(configSchema);
  for (const [index, name] of names.entries()) {
    const fallback = configSchema[name as SettingName].default;
    if (typeof fallback !== 'function') continue;
    const read: string[] = [];
    fallback(new Proxy({}, { get: (_, key) => (read.push(String(key)), 'x') }));
    for (const other of read) {
      assert.ok(names.indexOf(other) >= 0 && names.indexOf(other) < index, `${name}'s default reads ${other}`);
    }
  }
});

/** Values each setting must refuse. A new setting fails the test below until it is listed here. */
const INVALID_VALUES: Record<SettingName, string[]> = {
  NODE_ENV: ['prod', 'Production'],
  PORT: ['abc', '0', '65536', '-1', '80.5', ' 3000'],
  HOST: ['local host', 'evil.example/path'],
  BASE_URL: [
    'civitas.example.org',
    'ftp://civitas.example.org',
    'https://civitas.example.org/path',
    'https://civitas.example.org/?query',
    'https://civitas.example.org/#fragment',
    'https://civitas:base-s3cret@civitas.example.org',
  ],
  ONE_LOGIN_ISSUER: ['http://localhost:3000/oidc', 'http://elsewhere.example.org/', 'oidc.example.org'],
  DATABASE_URL: ['mysql://civitas:db-s3cret@db/civitas', 'sqlite:', './data/civitas.sqlite'],
  SMTP_URL: ['http://civitas:smtp-s3cret@smtp.example.org', 'smtp.example.org'],
  MAIL_FROM: ['not-an-address', 'Civitas <no-reply>'],
  COOKIE_SECRET: ['cookie-s3cret-too-short'],
  ENCRYPTION_KEY: ['encryption-s3cret-too-short', 'an-encryption-s3cret-long-enough,with-a-comma-in-it'],
  ENCRYPTION_KEY_PREVIOUS: ['previous-s3cret-too-short', 'an-encryption-s3cret-long-enough-to-use,short-s3cret', ','],
  AUDIT_KEY: ['audit-s3cret-too-short', 'an-audit-s3cret-long-enough-to-use,with-a-comma'],
  AUDIT_KEY_PREVIOUS: ['previous-audit-s3cret-too-short', 'an-audit-s3cret-long-enough-to-use-here,short-s3cret'],
  AUDIT_CHECKPOINT_FILE: ['   '],
  LOG_LEVEL: ['verbose', 'INFO'],
  RUN_WORKERS: ['yes', '1', 'TRUE'],
  DEMO_SERVICE: ['on', '0'],
  DEMO_EXCHANGE: ['on', '1'],
  WORKER_CONCURRENCY: ['0', '101', 'four'],
  TRUST_PROXY: ['yes', '0', '11', '10.0.0.0/33'],
  OUTBOUND_ALLOW_PRIVATE_NETWORK: ['yes', '1', 'True'],
  EXCHANGE_INSTANCE: ['GB/DEV', '-GB', 'GB DEV', 'x'.repeat(65)],
  EXCHANGE_PROVIDER_TIMEOUT_SECONDS: ['0', '301', 'thirty'],
  METRICS_PORT: ['0', '65536', 'metrics'],
  METRICS_HOST: ['local host', 'evil.example/path'],
  METRICS_TOKEN: ['metrics-s3cret-too-short'],
  SITE_NAME: ['x'.repeat(61)],
  PHASE: ['gamma'],
  SHUTDOWN_TIMEOUT_SECONDS: ['0', '601', '2.5'],
  NOTIFY_SMS_GATEWAY_URL: ['ftp://sms.example.org', 'sms.example.org'],
  NOTIFY_SMS_GATEWAY_TOKEN: ['short-s3cret'],
  NOTIFY_LETTER_FOLDER: ['   '],
  FORMS_CLAMD_ADDRESS: ['clamd', 'tcp://clamd:3310', 'clamd:port'],
  ASSISTANT_MODEL_URL: ['models.example.org/v1/chat/completions', 'ftp://models.example.org', 'https://civitas:s3cret@civitas.example.org/v1'],
  ASSISTANT_MODEL_API_KEY: ['s3cret key'],
  ASSISTANT_MODEL_NAME: ['gpt 4', 'model;rm'],
  ASSISTANT_MODEL_TIMEOUT_MS: ['99', '60001', '1.5s'],
};

test('an invalid value of any setting is refused in one line naming the variable and what it accepts', () => {
  assert.deepEqual(Object.keys(INVALID_VALUES).sort(), Object.keys(configSchema).sort(), 'every setting is tried');
  for (const [name, values] of Object.entries(INVALID_VALUES)) {
    const definition = configSchema[name as SettingName];
    const secret = 'secret' in definition && definition.secret === true;
    for (const value of values) {
      const error = catchConfigError({ [name]: value });
      assert.ok(error.message.startsWith(`${name}=`), `${JSON.stringify(error.message)} names ${name}`);
      assert.ok(error.message.includes(`expected ${definition.accepts}`), `${error.message} says what it accepts`);
      if (secret) {
        assert.equal(error.message, `${name}=(hidden) is not valid: expected ${definition.accepts}.`);
        assert.doesNotMatch(error.message, /s3cret/);
      } else if (value.includes('s3cret')) {
        assert.doesNotMatch(error.message, /s3cret/, 'a password in a URL is hidden even where the URL is not');
        assert.ok(error.message.includes('civitas:(hidden)@civitas.example.org'));
      } else {
        assert.ok(error.message.includes(JSON.stringify(value)), `${error.message} shows the value`);
      }
    }
  }
});

test('a value with a line break is still reported in one line', () => {
  const error = catchConfigError({ SITE_NAME: 'Civitas\nInjected: line', PORT: '80\n80' });
  assert.equal(error.message, 'PORT="80\\n80" is not valid: expected a port number from 1 to 65535.');
});

test('production refuses insecure defaults, naming each, where development only warns', () => {
  assert.deepEqual(loadConfig(SECURE_PRODUCTION).warnings, [], 'secure settings start without a warning');

  const insecure: ReadonlyArray<[change: Record<string, string | undefined>, problem: RegExp]> = [
    [{ COOKIE_SECRET: undefined }, /^COOKIE_SECRET is not set: the development default is insecure$/],
    [{ COOKIE_SECRET: String(configSchema.COOKIE_SECRET.default) }, /^COOKIE_SECRET is set to the development default/],
    [{ ENCRYPTION_KEY: undefined }, /^ENCRYPTION_KEY is not set: the development default is insecure$/],
    [{ ENCRYPTION_KEY: String(configSchema.ENCRYPTION_KEY.default) }, /^ENCRYPTION_KEY is set to the development default/],
    [{ SMTP_URL: undefined }, /^SMTP_URL is not set/],
    [{ SMTP_URL: '' }, /^SMTP_URL is not set/],
    [{ MAIL_FROM: undefined }, /^MAIL_FROM is not set/],
    [{ BASE_URL: undefined }, /^BASE_URL is not set/],
    [{ BASE_URL: 'http://civitas.example.org' }, /^BASE_URL uses http:\/\//],
  ];
  for (const [change, problem] of insecure) {
    const production = { ...SECURE_PRODUCTION, ...change };
    const error = catchConfigError(production as Record<string, string>);
    assert.match(error.message, new RegExp(problem.source.replace(/\$$/, '')));
    assert.match(error.message, /\(refused because NODE_ENV=production\)\.$/);

    const development = { ...production, NODE_ENV: 'development' };
    const { warnings } = loadConfig(development);
    assert.equal(warnings.length, 1, `one warning for ${JSON.stringify(change)}`);
    assert.match(warnings[0], problem);
  }
});

test('a BASE_URL set on purpose is not called the development default: http:// on this machine is fine in development, refused in production', () => {
  for (const baseUrl of ['http://localhost:3000', 'http://127.0.0.1:3000', 'http://[::1]:3000']) {
    const { warnings } = loadConfig({ ...SECURE_PRODUCTION, NODE_ENV: 'development', BASE_URL: baseUrl });
    assert.deepEqual(warnings, [], baseUrl);
    assert.match(catchConfigError({ ...SECURE_PRODUCTION, BASE_URL: baseUrl }).message, /^BASE_URL uses http:\/\//, `${baseUrl} in production`);
  }
  assert.deepEqual(loadConfig({ ...SECURE_PRODUCTION, NODE_ENV: 'development', BASE_URL: 'http://civitas.example.org' }).warnings, [
    'BASE_URL uses http://: cookies and sign-ins need https:// in production',
  ]);
  assert.deepEqual(loadConfig({ ...SECURE_PRODUCTION, NODE_ENV: 'development', BASE_URL: undefined }).warnings, [
    'BASE_URL is not set: the development default is insecure',
  ]);
});

test('production names every insecure default at once, and no secret in the message', () => {
  const error = catchConfigError({ NODE_ENV: 'production', SMTP_URL: '' });
  for (const name of ['BASE_URL', 'SMTP_URL', 'MAIL_FROM', 'COOKIE_SECRET', 'ENCRYPTION_KEY']) {
    assert.match(error.message, new RegExp(`${name} is not set`));
  }
  assert.ok(!error.message.includes(String(configSchema.COOKIE_SECRET.default)));
  assert.ok(!error.message.includes(String(configSchema.ENCRYPTION_KEY.default)));

  const { warnings } = loadConfig({ NODE_ENV: 'test' });
  assert.deepEqual(
    warnings.map((warning) => warning.split(' ')[0]),
    ['BASE_URL', 'SMTP_URL', 'MAIL_FROM', 'COOKIE_SECRET', 'ENCRYPTION_KEY'],
    'test, like development, warns and carries on',
  );
  const production = loadConfig(SECURE_PRODUCTION);
  assert.ok(!JSON.stringify(production.warnings).includes('mail-password'));
});

/** Production with one change, refused; and the same in development, where it is the one warning. */
function assertRefusedInProductionOnly(change: Record<string, string>, problem: RegExp): void {
  const error = catchConfigError({ ...SECURE_PRODUCTION, ...change });
  assert.match(error.message, problem);
  assert.match(error.message, /\(refused because NODE_ENV=production\)\.$/);
  const { warnings } = loadConfig({ ...SECURE_PRODUCTION, ...change, NODE_ENV: 'development' });
  assert.equal(warnings.length, 1, `one warning for ${JSON.stringify(change)}: ${warnings.join('; ')}`);
  assert.match(warnings[0], problem);
  for (const value of Object.values(change)) {
    for (const part of value.split(',')) {
      assert.ok(!error.message.includes(part) && !warnings[0].includes(part), 'no secret in the message');
    }
  }
}

const GUESSABLE_KEYS: ReadonlyArray<[key: string, why: RegExp]> = [
  ['a'.repeat(32), /it uses a single character, and needs at least 8 different ones/],
  ['abc'.repeat(11), /it uses only 3 different characters/],
  ['0123456789'.repeat(4), /it is a shorter text repeated/],
  ['Kx9#mQ2$vL'.repeat(4), /it is a shorter text repeated/],
  ['abcdefghijklmnopqrstuvwxyz012345', /it is estimated at \d+ bits, and needs at least 128/],
  ['31415926535897932384626433832795', /it is estimated at \d+ bits/],
  ['AAAAAAAAAAAAAAAAbbbbbbbbbbbbbbbb12345678', /it is estimated at \d+ bits/],
];

test('production refuses a key that is easy to guess, naming it; development warns', () => {
  for (const name of ['COOKIE_SECRET', 'ENCRYPTION_KEY', 'AUDIT_KEY']) {
    for (const [key, why] of GUESSABLE_KEYS) {
      assertRefusedInProductionOnly({ [name]: key }, new RegExp(`^${name} is too easy to guess: ${why.source}`));
    }
    const publicValue = String(configSchema.ENCRYPTION_KEY.default);
    if (name !== 'ENCRYPTION_KEY') {
      assertRefusedInProductionOnly({ [name]: publicValue }, new RegExp(`^${name} is set to the development default of ENCRYPTION_KEY, which is public`));
    }
    assert.match(configSchema[name as SettingName].accepts, /128 bits/, `${name} says what it accepts`);
  }
});

test('production accepts random keys as the usual tools make them', () => {
  const makers = [
    () => randomBytes(32).toString('base64'),
    () => randomBytes(24).toString('base64url'),
    () => randomBytes(16).toString('hex'),
    () => randomBytes(32).toString('hex'),
  ];
  for (const make of makers) {
    for (let attempt = 0; attempt < 200; attempt += 1) {
      const keys = { COOKIE_SECRET: make(), ENCRYPTION_KEY: make(), AUDIT_KEY: make() };
      assert.deepEqual(loadConfig({ ...SECURE_PRODUCTION, ...keys }).warnings, [], `${JSON.stringify(keys)} accepted`);
    }
  }
});

test('production refuses one secret used for two settings; a key may stay in its own list of earlier keys', () => {
  const { COOKIE_SECRET, ENCRYPTION_KEY } = SECURE_PRODUCTION;
  const AUDIT_KEY = 'a-production-audit-key-of-forty-characters-too';
  const shared: ReadonlyArray<[change: Record<string, string>, problem: RegExp]> = [
    [{ COOKIE_SECRET: ENCRYPTION_KEY }, /^COOKIE_SECRET and ENCRYPTION_KEY share a value: each secret needs one of its own/],
    [{ AUDIT_KEY: ENCRYPTION_KEY }, /^ENCRYPTION_KEY and AUDIT_KEY share a value/],
    [{ AUDIT_KEY: COOKIE_SECRET }, /^COOKIE_SECRET and AUDIT_KEY share a value/],
    [{ ENCRYPTION_KEY_PREVIOUS: `${AUDIT_KEY}-old,${COOKIE_SECRET}` }, /^COOKIE_SECRET and ENCRYPTION_KEY_PREVIOUS share a value/],
    [{ AUDIT_KEY, AUDIT_KEY_PREVIOUS: ENCRYPTION_KEY }, /^ENCRYPTION_KEY and AUDIT_KEY_PREVIOUS share a value/],
    [{ NOTIFY_SMS_GATEWAY_TOKEN: COOKIE_SECRET }, /^COOKIE_SECRET and NOTIFY_SMS_GATEWAY_TOKEN share a value/],
  ];
  for (const [change, problem] of shared) assertRefusedInProductionOnly(change, problem);

  const rotating = {
    ...SECURE_PRODUCTION,
    ENCRYPTION_KEY_PREVIOUS: `${ENCRYPTION_KEY},an-older-production-encryption-key-value`,
    AUDIT_KEY,
    AUDIT_KEY_PREVIOUS: AUDIT_KEY,
  };
  assert.deepEqual(loadConfig(rotating).warnings, [], 'a key listed among its own earlier keys during a rotation');
});

test('src/main.ts in production with COOKIE_SECRET equal to ENCRYPTION_KEY exits 1 with one line naming both', async (t) => {
  const result = await startMain(t, { ...SECURE_PRODUCTION, COOKIE_SECRET: SECURE_PRODUCTION.ENCRYPTION_KEY });
  assert.equal(result.exitCode, 1);
  const lines = result.stderr.split('\n').filter((line) => line !== '');
  assert.equal(lines.length, 1, result.stderr);
  assert.match(lines[0], /^Civitas cannot start: COOKIE_SECRET and ENCRYPTION_KEY share a value: each secret needs one of its own \(refused because NODE_ENV=production\)\.$/);
  assert.ok(!result.stderr.includes(SECURE_PRODUCTION.ENCRYPTION_KEY));
});

test('the configuration is frozen', () => {
  const { config } = loadConfig({});
  assert.ok(Object.isFrozen(config));
  assert.throws(() => {
    (config as { PORT: number }).PORT = 1;
  }, TypeError);
  assert.equal(config.PORT, 3000);
});

type MainResult = { exitCode: number | null; stdout: string; stderr: string; directory: string };

/** Runs src/main.ts in a process of its own with `env`, on a SQLite file in a new folder. */
async function startMain(t: TestContext, env: Record<string, string>): Promise<MainResult> {
  const directory = mkdtempSync(join(tmpdir(), 'civitas-config-'));
  t.after(() => rmSync(directory, { recursive: true, force: true }));
  const root = fileURLToPath(new URL('../../../', import.meta.url));
  return new Promise((resolve) => {
    execFile(
      'node_modules/.bin/node',
      ['src/main.ts'],
      { cwd: root, env: { DATABASE_URL: `sqlite:${join(directory, 'civitas.sqlite')}`, ...env } },
      (error, stdout, stderr) => resolve({ exitCode: error ? (error.code as number) : 0, stdout, stderr, directory }),
    );
  });
}

test('src/main.ts with PORT=abc exits 1 with one line on stderr naming PORT', async (t) => {
  const result = await startMain(t, { PORT: 'abc' });

  assert.equal(result.exitCode, 1);
  const lines = result.stderr.split('\n').filter((line) => line !== '');
  assert.equal(lines.length, 1, result.stderr);
  assert.match(lines[0], /PORT="abc" is not valid: expected a port number from 1 to 65535\./);
  assert.equal(result.stdout, '');
  assert.deepEqual(readdirSync(result.directory), [], 'no database was opened');
});

test('the metrics server listens only on this machine unless a token guards it', () => {
  const { config } = loadConfig({});
  assert.equal(config.METRICS_PORT, '', 'no metrics server unless asked for');
  assert.equal(config.METRICS_HOST, '127.0.0.1');
  assert.equal(loadConfig({ METRICS_PORT: '9464' }).config.METRICS_PORT, 9464);
  for (const host of ['0.0.0.0', '::', '10.0.0.5', 'metrics.internal']) {
    const error = catchConfigError({ METRICS_PORT: '9464', METRICS_HOST: host });
    assert.equal(error.message, `METRICS_HOST=${JSON.stringify(host)} is not a loopback address, so METRICS_TOKEN must be set.`);
  }
  for (const host of ['127.0.0.1', '127.0.0.2', '::1', 'localhost']) {
    assert.equal(loadConfig({ METRICS_HOST: host }).config.METRICS_HOST, host);
  }
  const token = 'a-metrics-token-of-more-than-32-characters';
  assert.equal(loadConfig({ METRICS_HOST: '0.0.0.0', METRICS_TOKEN: token }).config.METRICS_TOKEN, token);
});

test("Exchange's example is off in production and refused there when asked for; off in tests unless a test asks", () => {
  assert.equal(loadConfig(SECURE_PRODUCTION).config.DEMO_EXCHANGE, false);
  assert.equal(loadConfig({ ...SECURE_PRODUCTION, DEMO_EXCHANGE: 'false' }).config.DEMO_EXCHANGE, false);
  assert.match(catchConfigError({ ...SECURE_PRODUCTION, DEMO_EXCHANGE: 'true' }).message, /^DEMO_EXCHANGE=true is not valid in production/);
  assert.equal(loadConfig({ NODE_ENV: 'test', DEMO_EXCHANGE: 'true' }).config.DEMO_EXCHANGE, true);
  assert.equal(loadConfig({ NODE_ENV: 'development', DEMO_EXCHANGE: 'false' }).config.DEMO_EXCHANGE, false);
});

test("the assistant's model is off unless set, needs a name, and must be https in production", () => {
  const model = { ASSISTANT_MODEL_URL: 'http://127.0.0.1:8080/v1/chat/completions', ASSISTANT_MODEL_NAME: 'local-model' };
  assert.equal(loadConfig({ NODE_ENV: 'test', ...model }).config.ASSISTANT_MODEL_URL, model.ASSISTANT_MODEL_URL);
  assert.equal(catchConfigError({ ASSISTANT_MODEL_URL: model.ASSISTANT_MODEL_URL }).message, 'ASSISTANT_MODEL_URL is set, so ASSISTANT_MODEL_NAME must be set too.');
  assert.match(catchConfigError({ ...SECURE_PRODUCTION, ...model }).message, /^ASSISTANT_MODEL_URL uses http:\/\//);
  const https = { ...SECURE_PRODUCTION, ASSISTANT_MODEL_URL: 'https://models.example.org/v1/chat/completions', ASSISTANT_MODEL_NAME: 'm', ASSISTANT_MODEL_API_KEY: 'sk-0123456789abcdef' };
  assert.equal(loadConfig(https).config.ASSISTANT_MODEL_API_KEY, 'sk-0123456789abcdef');
});
