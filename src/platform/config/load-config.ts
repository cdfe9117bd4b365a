import { configSchema, type Config, type SettingName } from './config.schema.ts';
import { describeSecretWeakness } from './secret-strength.ts';

type RawEnvironment = Readonly<Record<string, string | undefined>>;

/** A setting that cannot be used; its message is the one line start-up prints. */
export class ConfigError extends Error {
  readonly code = 'CONFIG_INVALID';
  override readonly name = 'ConfigError';
}

export type LoadedConfig = {
  config: Config;
  /** Insecure defaults in use outside production: print them, then carry on. */
  warnings: string[];
};

const settingNames = Object.keys(configSchema) as SettingName[];

/**
 * Reads, validates and freezes the configuration. Throws ConfigError naming the first bad
 * variable; with NODE_ENV=production, also naming every insecure default still in use, every
 * key that is easy to guess and every secret that shares its value with another.
 */
export function loadConfig(env: RawEnvironment = process.env): LoadedConfig {
  const values: Record<string, unknown> = {};
  // The raw text of each setting read so far, defaults applied: what later defaults build on.
  const settingsAbove: Record<string, string> = {};
  const insecure: InsecureSetting[] = [];

  for (const name of settingNames) {
    const definition = configSchema[name];
    const given = env[name];
    const fallback = definition.default;
    const defaultRaw = typeof fallback === 'function' ? fallback(settingsAbove) : (fallback ?? '');
    const defaulted = given === undefined || given === '';
    const raw = defaulted ? defaultRaw : given;
    const value = (definition.parse as (raw: string) => unknown)(raw);
    if (value === undefined) {
      const secret = 'secret' in definition && definition.secret === true;
      const shown = describeRefusedValue(raw, secret);
      throw new ConfigError(`${name}=${shown} is not valid: expected ${definition.accepts}.`);
    }
    // Setting a variable to its development default, by copying an example file, is no safer.
    // BASE_URL set on purpose is an address someone chose: it is judged by its scheme and host below.
    if ('insecureDefault' in definition && definition.insecureDefault && raw === defaultRaw && (defaulted || name !== 'BASE_URL')) {
      insecure.push({ name, defaulted });
    }
    settingsAbove[name] = raw;
    values[name] = value;
  }

  const config = Object.freeze(values) as Config;
  if (config.ONE_LOGIN_ISSUER !== '' && config.ONE_LOGIN_ISSUER !== config.BASE_URL && config.ONE_LOGIN_ISSUER !== `${config.BASE_URL}/`) {
    throw new ConfigError(`ONE_LOGIN_ISSUER=${JSON.stringify(config.ONE_LOGIN_ISSUER)} is not valid: expected ${configSchema.ONE_LOGIN_ISSUER.accepts}.`);
  }
  // The example's council key is readable by `civitas exchange demo key`, and its provider is on Civitas's own address.
  if (config.NODE_ENV === 'production' && config.DEMO_EXCHANGE) {
    throw new ConfigError('DEMO_EXCHANGE=true is not valid in production: the Exchange example is for development and test environments.');
  }
  // The metrics name every route and the size of every queue: never for anyone who can reach the machine.
  if (!isLoopbackHost(config.METRICS_HOST) && config.METRICS_TOKEN === '') {
    throw new ConfigError(`METRICS_HOST=${JSON.stringify(config.METRICS_HOST)} is not a loopback address, so METRICS_TOKEN must be set.`);
  }
  if (config.ASSISTANT_MODEL_URL !== '' && config.ASSISTANT_MODEL_NAME === '') {
    throw new ConfigError('ASSISTANT_MODEL_URL is set, so ASSISTANT_MODEL_NAME must be set too.');
  }
  // The question goes to the model: never in clear text across a network in production.
  if (config.NODE_ENV === 'production' && config.ASSISTANT_MODEL_URL.startsWith('http:')) {
    throw new ConfigError('ASSISTANT_MODEL_URL uses http://: the assistant\'s model must be https:// in production.');
  }
  const problems = [
    ...describeInsecureSettings(config, insecure),
    ...describeWeakSecrets(config, insecure),
    ...describeSharedSecrets(config, insecure),
  ];
  if (config.NODE_ENV === 'production' && problems.length > 0) {
    throw new ConfigError(`${problems.join('; ')} (refused because NODE_ENV=production).`);
  }
  return { config, warnings: problems };
}

/** Only this machine can reach an address like these. */
function isLoopbackHost(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127(\.\d{1,3}){3}$/.test(host);
}

/** The refused value as the error shows it: quoted, in one line, with no password in it. */
function describeRefusedValue(raw: string, secret: boolean): string {
  if (secret) return '(hidden)';
  return JSON.stringify(raw.replace(/(\/\/[^/?#@:]*):[^/?#@]*@/, '$1:(hidden)@'));
}

type InsecureSetting = { name: SettingName; defaulted: boolean };

function describeInsecureSettings(config: Config, insecure: readonly InsecureSetting[]): string[] {
  const problems = insecure.map(({ name, defaulted }) =>
    defaulted
      ? `${name} is not set: the development default is insecure`
      : `${name} is set to the development default, which is insecure`,
  );
  // http:// on this machine is how development works; anywhere else, and in production, it is not safe.
  const baseUrlHost = new URL(config.BASE_URL).hostname.replace(/^\[(.*)\]$/, '$1');
  if (
    !insecure.some(({ name }) => name === 'BASE_URL') &&
    config.BASE_URL.startsWith('http://') &&
    (config.NODE_ENV === 'production' || !isLoopbackHost(baseUrlHost))
  ) {
    problems.push('BASE_URL uses http://: cookies and sign-ins need https:// in production');
  }
  return problems;
}

function isSecret(name: SettingName): boolean {
  const definition = configSchema[name];
  return 'secret' in definition && definition.secret === true;
}

/** A setting's values as a list: one for most, each key for a list of earlier keys. */
function valuesOf(config: Config, name: SettingName): readonly string[] {
  const value = config[name];
  if (typeof value === 'string') return value === '' ? [] : [value];
  if (Array.isArray(value)) return value.filter((item): item is string => typeof item === 'string');
  return [];
}

function isReportedInsecure(name: SettingName, insecure: readonly InsecureSetting[]): boolean {
  return insecure.some((setting) => setting.name === name);
}

/** The development defaults of secrets, which anyone can read in the source. */
const publicSecretValues = new Map(
  settingNames.flatMap((name) => {
    const definition = configSchema[name];
    const fallback = definition.default;
    return isSecret(name) && typeof fallback === 'string' && fallback !== '' ? [[fallback, name] as const] : [];
  }),
);

function describeWeakSecrets(config: Config, insecure: readonly InsecureSetting[]): string[] {
  return settingNames.flatMap((name) => {
    const definition = configSchema[name];
    if (!('mustBeHardToGuess' in definition && definition.mustBeHardToGuess) || isReportedInsecure(name, insecure)) return [];
    return valuesOf(config, name).flatMap((value) => {
      const publicOf = publicSecretValues.get(value);
      if (publicOf !== undefined) return [`${name} is set to the development default of ${publicOf}, which is public`];
      const weakness = describeSecretWeakness(value);
      return weakness === undefined ? [] : [`${name} is too easy to guess: ${weakness}`];
    });
  });
}

/** `ENCRYPTION_KEY` may be listed in `ENCRYPTION_KEY_PREVIOUS` while a rotation reaches every process. */
function isSameFamily(first: SettingName, second: SettingName): boolean {
  return first === second || first === `${second}_PREVIOUS` || second === `${first}_PREVIOUS`;
}

/** One secret used for two purposes: whoever learns it for one has the other too. */
function describeSharedSecrets(config: Config, insecure: readonly InsecureSetting[]): string[] {
  const secretNames = settingNames.filter((name) => isSecret(name) && !isReportedInsecure(name, insecure));
  const problems: string[] = [];
  for (const [index, first] of secretNames.entries()) {
    const firstValues = new Set(valuesOf(config, first));
    for (const second of secretNames.slice(index + 1)) {
      if (isSameFamily(first, second)) continue;
      if (valuesOf(config, second).some((value) => firstValues.has(value))) {
        problems.push(`${first} and ${second} share a value: each secret needs one of its own`);
      }
    }
  }
  return problems;
}
