import { parseArgs } from 'node:util';
import { modules } from './app.ts';
import { CliError, type CliCommand, type CliContext } from './platform/cli/cli-command.ts';
import { platformCommands } from './platform/cli/platform.commands.ts';
import { ConfigError, loadConfig } from './platform/config/load-config.ts';
import { openKernel, type Kernel } from './platform/kernel.ts';
import { createLogger } from './platform/logger.ts';

const commands: readonly CliCommand[] = [
  ...platformCommands,
  ...modules.flatMap((module) => module.commands ?? []),
];

function describeCommands(listed: readonly CliCommand[] = commands, group?: string): string {
  // Each command on a line of its own, its summary indented under it: some usages are long.
  const lines = listed.flatMap((command) => [
    `  ${command.usage ? `${command.name} ${command.usage}` : command.name}`,
    `      ${command.summary}`,
  ]);
  return [
    group ? `Usage: civitas ${group} <command> [options] [--json]` : 'Usage: civitas <command> [options] [--json]',
    '',
    'Commands:',
    ...lines,
    '',
    'Options for every command:',
    '  --json    print machine-readable JSON',
    '  --help    show this help',
    ...(group ? [] : ['', 'One group of commands: civitas notify --help, civitas pay --help, civitas identity --help ...']),
  ].join('\n');
}

/** The words before the first option, such as `notify team` in `notify team --help`. */
function leadingWords(argv: readonly string[]): string[] {
  const end = argv.findIndex((argument) => argument.startsWith('-'));
  return [...argv.slice(0, end === -1 ? argv.length : end)];
}

/** The commands a group of words starts (`notify`, `notify team`), or none if no command does. */
function findGroup(words: readonly string[]): CliCommand[] {
  if (words.length === 0) return [];
  return commands.filter((command) => {
    const names = command.name.split(' ');
    return names.length > words.length && words.every((word, index) => names[index] === word);
  });
}

const helpFlags = new Set(['--help', '-h']);

/** The command whose words start the arguments; the longest name wins (`jobs list` over `jobs`). */
function findCommand(argv: readonly string[]): { command: CliCommand; rest: string[] } | undefined {
  const candidates = commands
    .filter((command) => {
      const words = command.name.split(' ');
      return words.every((word, index) => argv[index] === word);
    })
    .sort((a, b) => b.name.length - a.name.length);
  const command = candidates[0];
  return command ? { command, rest: argv.slice(command.name.split(' ').length) } : undefined;
}

/** Where a run of the CLI reads its settings and writes its output: the process's own, or a test's. */
export type CliIo = { stdout: { write(text: string): unknown }; stderr: { write(text: string): unknown }; environment: NodeJS.ProcessEnv };

const processIo: CliIo = { stdout: process.stdout, stderr: process.stderr, environment: process.env };

export async function runCli(argv: readonly string[], io: CliIo = processIo): Promise<number> {
  if (argv.length === 0 || (argv.length === 1 && helpFlags.has(argv[0] as string)) || (argv.length === 1 && argv[0] === 'help')) {
    io.stdout.write(`${describeCommands()}\n`);
    return argv.length === 0 ? 2 : 0;
  }
  // `civitas help notify` is `civitas notify --help`.
  if (argv[0] === 'help') return runCli([...argv.slice(1), '--help'], io);
  const found = findCommand(argv);
  if (!found) {
    // A group of commands (`civitas notify`, `civitas notify team --help`) lists its commands.
    const words = leadingWords(argv);
    const group = findGroup(words);
    const rest = argv.slice(words.length);
    if (group.length > 0 && rest.every((argument) => helpFlags.has(argument))) {
      io.stdout.write(`${describeCommands(group, words.join(' '))}\n`);
      return rest.length === 0 ? 2 : 0;
    }
    const known = [...words];
    while (known.length > 0 && findGroup(known).length === 0) known.pop();
    const hint = known.length > 0 ? `civitas ${known.join(' ')} --help` : 'civitas --help';
    io.stderr.write(`civitas: unknown command "${argv.join(' ')}". Run ${hint}.\n`);
    return 2;
  }
  const { command, rest } = found;
  let kernel: Kernel | undefined;
  try {
    const { values, positionals } = parseArgs({
      args: rest,
      options: { ...command.options, json: { type: 'boolean' }, help: { type: 'boolean' } },
      allowPositionals: true,
      strict: true,
    });
    if (values.help) {
      io.stdout.write(`civitas ${command.name} ${command.usage ?? ''}\n  ${command.summary}\n`);
      return 0;
    }
    const json = values.json === true;
    const context: CliContext = {
      values,
      positionals,
      json,
      config() {
        return loadConfig(io.environment).config;
      },
      kernel() {
        if (!kernel) {
          const { config } = loadConfig(io.environment);
          // Commands print their own results; the log carries only problems.
          const logger = createLogger({ LOG_LEVEL: command.name === 'worker' ? config.LOG_LEVEL : 'warn' }, io.stderr as never);
          kernel = openKernel({ config, modules, logger });
        }
        return kernel;
      },
      print(data, text) {
        io.stdout.write(`${json ? JSON.stringify(data) : text}\n`);
      },
      write(text) {
        io.stdout.write(text);
      },
      warn(text) {
        io.stderr.write(text);
      },
    };
    return await command.run(context);
  } catch (error) {
    if (error instanceof CliError || error instanceof ConfigError) {
      io.stderr.write(`civitas ${command.name}: ${error.message}\n`);
      return error instanceof CliError ? error.exitCode : 1;
    }
    if (error instanceof TypeError && 'code' in error && String(error.code).startsWith('ERR_PARSE_ARGS')) {
      io.stderr.write(`civitas ${command.name}: ${error.message}\n`);
      return 2;
    }
    throw error;
  } finally {
    await kernel?.close();
  }
}

if (import.meta.main) {
  process.exitCode = await runCli(process.argv.slice(2));
}
