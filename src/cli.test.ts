import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { test } from 'node:test';
import { modules } from './app.ts';
import { runCli } from './cli.ts';

const civitas = join(import.meta.dirname, '..', 'bin', 'civitas.js');

function run(...args: string[]) {
  return spawnSync(process.execPath, [civitas, ...args], { encoding: 'utf8', env: { ...process.env, NODE_ENV: 'test', LOG_LEVEL: 'silent' } });
}

/** Runs a command that prints help in this process, catching what it writes. */
async function runInProcess(...args: string[]) {
  let stdout = '';
  let stderr = '';
  const writeOut = process.stdout.write;
  const writeErr = process.stderr.write;
  process.stdout.write = ((chunk: string) => ((stdout += chunk), true)) as typeof process.stdout.write;
  process.stderr.write = ((chunk: string) => ((stderr += chunk), true)) as typeof process.stderr.write;
  try {
    return { status: await runCli(args), stdout, stderr };
  } finally {
    process.stdout.write = writeOut;
    process.stderr.write = writeErr;
  }
}

test('civitas --help lists the platform commands and every module command', () => {
  const help = run('--help');
  assert.equal(help.status, 0);
  for (const name of ['migrate', 'worker', 'audit verify', 'jobs list', 'jobs retry']) {
    assert.match(help.stdout, new RegExp(`^  ${name}\\b`, 'm'), name);
  }
  for (const command of modules.flatMap((module) => module.commands ?? [])) {
    assert.ok(help.stdout.includes(`  ${command.name}`), command.name);
  }
  assert.match(help.stdout, /civitas notify --help/, 'says how to list one group');
});

test('an unknown command or option goes to stderr with a non-zero exit', () => {
  const unknown = run('no-such-command');
  assert.equal(unknown.status, 2);
  assert.match(unknown.stderr, /unknown command "no-such-command"/);
  assert.equal(unknown.stdout, '');

  const badOption = run('jobs', 'list', '--no-such-option');
  assert.equal(badOption.status, 2);
  assert.match(badOption.stderr, /^civitas jobs list: /);
});

test('every command group lists its commands with --help (civitas notify --help, civitas pay --help, civitas notify team -h ...)', async () => {
  const all = [...modules.flatMap((module) => module.commands ?? []), ...(await import('./platform/cli/platform.commands.ts')).platformCommands];
  const groups = new Set(all.flatMap((command) => {
    const words = command.name.split(' ');
    return words.slice(1).map((_, index) => words.slice(0, index + 1).join(' '));
  }));
  for (const expected of ['notify', 'pay', 'identity', 'notify team', 'jobs']) assert.ok(groups.has(expected), expected);
  // In this process (help opens no database): a process per group would take a minute.
  const answers = [];
  for (const group of groups) answers.push({ group, help: await runInProcess(...group.split(' '), '--help') });
  for (const { group, help } of answers) {
    assert.equal(help.status, 0, `${group} --help: ${help.stderr}`);
    assert.match(help.stdout, new RegExp(`^Usage: civitas ${group} <command>`), group);
    const members = all.filter((command) => command.name.startsWith(`${group} `));
    for (const command of members) assert.ok(help.stdout.includes(`\n  ${command.name}`), `${group} --help lists ${command.name}`);
    const others = all.filter((command) => !command.name.startsWith(`${group} `));
    for (const command of others) assert.ok(!help.stdout.includes(`\n  ${command.name} `) && !help.stdout.endsWith(`\n  ${command.name}\n`), `${group} --help leaves out ${command.name}`);
  }

  const bare = await runInProcess('notify');
  assert.equal(bare.status, 2, 'a group alone is not a command');
  assert.match(bare.stdout, /^  notify team add /m);
  assert.equal((await runInProcess('help', 'pay')).stdout, (await runInProcess('pay', '--help')).stdout);
  assert.equal((await runInProcess('notify', 'team', '-h')).status, 0);

  const unknown = await runInProcess('notify', 'no-such-command');
  assert.equal(unknown.status, 2);
  assert.match(unknown.stderr, /unknown command "notify no-such-command"\. Run civitas notify --help\./);
  assert.equal(unknown.stdout, '');
});
