import { configSchema, type Config, type SettingName } from './config.schema.ts';

type RawEnvironment = Readonly<Record<string, string | undefined>>;

/** A setting that cannot be used; its message is the one line start-up prints. */
export class ConfigError extends Error {
  readonly code = 'CONFIG_INVALID';
}

export type LoadedConfig = {
  config: Config;
  /** Insecure defaults in use outside production: print them, then carry on. */
  warnings: string[];
};

const settingNames = Object.keys(configSchema) as SettingName[];

/** Reads, validates and freezes the configuration. Throws ConfigError naming the first bad variable. */
export function loadConfig(env: RawEnvironment = process.env): LoadedConfig {
  const values: Record<string, unknown> = {};
  const defaulted: SettingName[] = [];

  for (const name of settingNames) {
    const definition = configSchema[name];
    const given = env[name];
    let raw: string;
    if (given === undefined || given === '') {
      const fallback = definition.default;
      raw = typeof fallback === 'function' ? fallback(env) : (fallback ?? '');
      defaulted.push(name);
    } else {
      raw = given;
    }
    const value = (definition.parse as (raw: string) => unknown)(raw);
    if (value === undefined) {
      const shown = 'secret' in definition && definition.secret ? '(hidden)' : JSON.stringify(raw);
      throw new ConfigError(`${name}=${shown} is not valid: expected ${definition.accepts}.`);
    }
    values[name] = value;
  }

  const config = Object.freeze(values) as Config;
  const problems = findInsecureSettings(config, defaulted);
  if (config.NODE_ENV === 'production' && problems.length > 0) {
    throw new ConfigError(`${problems[0]} (refused because NODE_ENV=production).`);
  }
  return { config, warnings: problems };
}

function findInsecureSettings(config: Config, defaulted: SettingName[]): string[] {
  const problems: string[] = [];
  for (const name of defaulted) {
    const definition = configSchema[name];
    if ('insecureDefault' in definition && definition.insecureDefault) {
      problems.push(`${name} is not set: the development default is insecure`);
    }
  }
  if (!defaulted.includes('BASE_URL') && config.BASE_URL.startsWith('http://')) {
    problems.push('BASE_URL uses http://: cookies and sign-ins need https:// in production');
  }
  return problems;
}
