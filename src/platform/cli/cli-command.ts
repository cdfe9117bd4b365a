import type { ParseArgsConfig } from 'node:util';
import type { Config } from '../config/config.schema.ts';
import type { Kernel } from '../kernel.ts';

export type CliOptions = NonNullable<ParseArgsConfig['options']>;
export type CliValues = Record<string, string | boolean | string[] | undefined>;

export type CliContext = {
  values: CliValues;
  positionals: string[];
  /** `--json`: print machine-readable output. */
  json: boolean;
  /** The configuration from the command's environment, checked; without opening the database. */
  config(): Config;
  /** Opens the kernel on first use; the runner closes it when the command ends. */
  kernel(): Kernel;
  /** Prints `data` as JSON with --json, otherwise the human-readable text. */
  print(data: unknown, text: string): void;
  /** Writes text as it is: a file's contents, a report. */
  write(text: string): void;
  /** Writes a problem to stderr. */
  warn(text: string): void;
};

export type CliCommand = {
  /** The words that call it, such as `audit verify`. */
  name: string;
  summary: string;
  /** The options after the command, as `node:util` parseArgs takes them. */
  options?: CliOptions;
  /** Shown under the command in --help, such as `--account ID --date YYYY-MM-DD`. */
  usage?: string;
  /** Returns the exit code. */
  run(context: CliContext): Promise<number>;
};

/** A problem the person running the command can fix; printed to stderr without a stack. */
export class CliError extends Error {
  readonly exitCode: number;

  constructor(message: string, exitCode = 1) {
    super(message);
    this.exitCode = exitCode;
  }
}

/** The value of `--NAME`; a usage error (exit code 2) when it is missing or blank. */
export function requireStringOption(context: Pick<CliContext, 'values'>, name: string): string {
  const value = context.values[name];
  if (typeof value !== 'string' || value.trim() === '') throw new CliError(`Give --${name}`, 2);
  return value;
}

/** The value of `--NAME`, or undefined when it is not given. */
export function optionalStringOption(context: Pick<CliContext, 'values'>, name: string): string | undefined {
  const value = context.values[name];
  return typeof value === 'string' ? value : undefined;
}
