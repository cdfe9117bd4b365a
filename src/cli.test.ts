import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { test } from 'node:test';
import { modules } from './app.ts';

const civitas = join(import.meta.dirname, '..', 'bin', 'civitas.js');

function run(...args: string[]) {
  return spawnSync(process.execPath, [civitas, ...args], { encoding: 'utf8', env: { ...process.env, NODE_ENV: 'test', LOG_LEVEL: 'silent' } });
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
