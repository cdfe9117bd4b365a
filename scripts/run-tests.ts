/**
 * `npm test`: every *.test.ts under src/ and test/, with node:test, two files at a time.
 * On PostgreSQL (DATABASE_URL=postgres://...) the files the database does not matter to are left
 * out, since their stores are tested on both databases: the real-browser journeys
 * (*.browser.test.ts, the slowest files of the suite), the walks through pages in Welsh looking
 * for English, and the README's quick starts (run as a newcomer runs them, on the embedded
 * database). BROWSER_TESTS=all runs them there too.
 * Any other arguments go to `node --test` (a file or two, say, in place of the whole suite).
 */
import { spawn } from 'node:child_process';
import { globSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const SQLITE_ONLY = /\.browser\.test\.ts$|welsh[^/]*\.test\.ts$|^test\/readme-quick-starts\.test\.ts$/;

function chooseTestFiles(): string[] {
  const files = globSync(['src/**/*.test.ts', 'test/**/*.test.ts']).sort();
  const onPostgres = /^postgres(ql)?:\/\//.test(process.env.DATABASE_URL ?? '');
  if (!onPostgres || process.env.BROWSER_TESTS === 'all') return files;
  const left = files.filter((file) => SQLITE_ONLY.test(file));
  console.log(`# PostgreSQL: ${left.length} browser, Welsh-walk and README files run on SQLite only (BROWSER_TESTS=all runs them here too)`);
  return files.filter((file) => !SQLITE_ONLY.test(file));
}

const requested = process.argv.slice(2);
const files = requested.length > 0 ? requested : chooseTestFiles();
// Each test file is a process of its own that loads the app: V8's compiled code is kept on disk
// between them (Node checks each source file's hash), so only the first compiles it.
const env = { ...process.env, NODE_COMPILE_CACHE: process.env.NODE_COMPILE_CACHE ?? join(tmpdir(), 'civitas-node-compile-cache') };
const child = spawn(process.execPath, ['--test', '--test-concurrency=2', '--test-timeout=180000', ...files], { stdio: 'inherit', env });
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => child.kill(signal));
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
