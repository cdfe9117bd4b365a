import { runCli } from '../cli.ts';

export type CommandResult = { exitCode: number; stdout: string; stderr: string };

const TEST_ENVIRONMENT = { NODE_ENV: 'test', LOG_LEVEL: 'silent' };

/**
 * Runs `civitas ARGS` in this process with only `environment` (and the test defaults) as its
 * environment, and catches what it prints. Each command opens and closes its own kernel, as the
 * bin does; src/cli.test.ts proves the bin runs the same commands in a process of its own.
 */
export async function runCivitas(environment: Record<string, string>, ...args: string[]): Promise<CommandResult> {
  let stdout = '';
  let stderr = '';
  const exitCode = await runCli(args, {
    stdout: { write: (text: string) => (stdout += text) },
    stderr: { write: (text: string) => (stderr += text) },
    environment: { ...TEST_ENVIRONMENT, ...environment },
  });
  return { exitCode, stdout, stderr };
}

/** `civitas` on one database: `const civitas = civitasOn(database.url)`, then `await civitas('migrate')`. */
export function civitasOn(databaseUrl: string, environment: Record<string, string> = {}) {
  return (...args: string[]) => runCivitas({ DATABASE_URL: databaseUrl, ...environment }, ...args);
}
