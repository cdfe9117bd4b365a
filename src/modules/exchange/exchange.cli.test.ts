import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { runCli } from '../../cli.ts';
import { createTestDatabase } from '../../platform/testing/test-database.ts';
import { generateTestKeyPair, PIP_OPENAPI } from './testing/exchange-fixtures.ts';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

function environmentOf(databaseUrl: string) {
  return { DATABASE_URL: databaseUrl, NODE_ENV: 'test', LOG_LEVEL: 'silent', EXCHANGE_INSTANCE: 'GB-TEST', OUTBOUND_ALLOW_PRIVATE_NETWORK: 'true' };
}

/** The real bin, in a process of its own, as an operator runs it. */
function civitasProcess(databaseUrl: string, ...args: string[]): Promise<{ exitCode: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile('node_modules/.bin/node', ['bin/civitas.js', ...args], { cwd: ROOT, env: environmentOf(databaseUrl) }, (error, stdout, stderr) => {
      resolve({ exitCode: error ? (typeof error.code === 'number' ? error.code : -1) : 0, stdout, stderr });
    });
  });
}

/** The same commands run in this process (each opens and closes its own kernel, as the bin does), output caught. */
async function civitas(databaseUrl: string, ...args: string[]): Promise<{ exitCode: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const exitCode = await runCli(args, { stdout: { write: (text: string) => (stdout += text) }, stderr: { write: (text: string) => (stderr += text) }, environment: environmentOf(databaseUrl) });
  return { exitCode, stdout, stderr };
}

test('the civitas bin runs the exchange commands in a process of its own', async (t) => {
  const database = await createTestDatabase();
  t.after(() => database.drop());
  assert.equal((await civitasProcess(database.url, 'migrate')).exitCode, 0);
  const help = await civitasProcess(database.url, 'exchange', '--help');
  for (const command of ['exchange member add', 'exchange subsystem add', 'exchange service add', 'exchange access grant']) assert.match(help.stdout, new RegExp(command));
  const refused = await civitasProcess(database.url, 'exchange', 'access', 'grant', '--service', 'none', '--client', 'GB-TEST/GOV/RC002/nobody');
  assert.equal(refused.exitCode, 1, refused.stderr);
  assert.match(refused.stderr, /^civitas exchange access grant: There is no such service\n$/);
});

test('an operator sets up an exchange with the CLI: members, subsystems with keys, a service and an access right', async (t) => {
  const database = await createTestDatabase();
  t.after(() => database.drop());
  const folder = mkdtempSync(join(tmpdir(), 'civitas-exchange-cli-'));
  const keyFile = join(folder, 'client.pem');
  writeFileSync(keyFile, generateTestKeyPair('ec').publicPem);
  const providerKeyFile = join(folder, 'provider.pem');
  writeFileSync(providerKeyFile, generateTestKeyPair('ed25519').publicPem);
  const openApiFile = join(folder, 'pip.yaml');
  writeFileSync(openApiFile, PIP_OPENAPI);

  const run = async (...args: string[]) => {
    const result = await civitas(database.url, ...args, '--json');
    assert.equal(result.exitCode, 0, `${args.join(' ')}: ${result.stderr}`);
    return JSON.parse(result.stdout) as Record<string, string>;
  };
  assert.equal((await civitas(database.url, 'migrate')).exitCode, 0);

  const { organisation_id: agency } = await run('console', 'organisation', 'add', '--name', 'Benefits Agency', '--owner-email', 'owner@benefits.example.gov.uk');
  const { organisation_id: council } = await run('console', 'organisation', 'add', '--name', 'Riverside Council', '--owner-email', 'owner@riverside.example.gov.uk');
  const provider = await run('exchange', 'member', 'add', '--organisation', agency ?? '', '--class', 'GOV', '--code', 'BA001');
  assert.deepEqual(Object.keys(provider), ['member_id']);
  const consumer = await run('exchange', 'member', 'add', '--organisation', council ?? '', '--class', 'GOV', '--code', 'RC002');
  assert.deepEqual(await run('exchange', 'subsystem', 'add', '--member', provider.member_id ?? '', '--code', 'benefits', '--public-key', providerKeyFile), { subsystem_id: 'GB-TEST/GOV/BA001/benefits' });
  assert.deepEqual(await run('exchange', 'subsystem', 'add', '--member', consumer.member_id ?? '', '--code', 'blue-badge', '--public-key', keyFile), { subsystem_id: 'GB-TEST/GOV/RC002/blue-badge' });
  const { service_id: serviceId } = await run('exchange', 'service', 'add', '--subsystem', 'GB-TEST/GOV/BA001/benefits', '--code', 'pip-award', '--url', 'http://127.0.0.1:9/pip', '--openapi', openApiFile, '--personal-data');
  assert.match(serviceId ?? '', /^[0-9a-f-]{36}$/);
  const granted = await run('exchange', 'access', 'grant', '--service', serviceId ?? '', '--client', 'GB-TEST/GOV/RC002/blue-badge', '--endpoint', 'GET /awards/*');
  assert.match(granted.access_right_id ?? '', /^[0-9a-f-]{36}$/);

  for (const [args, message] of [
    [['member', 'add', '--organisation', agency ?? '', '--class', 'GOV', '--code', 'AGAIN'], /is a member already/],
    [['subsystem', 'add', '--member', provider.member_id ?? '', '--code', 'other', '--public-key', openApiFile], /PEM, a JWK or a JWK Set/],
    [['subsystem', 'add', '--member', provider.member_id ?? '', '--code', 'other', '--public-key', join(folder, 'missing.pem')], /Cannot read the file/],
    [['service', 'add', '--subsystem', 'GB-TEST/GOV/BA001/benefits', '--code', 'x', '--url', 'http://127.0.0.1:9', '--openapi', keyFile], /OpenAPI description/],
    [['access', 'grant', '--service', serviceId ?? '', '--client', 'GB-TEST/GOV/RC002/nobody'], /no subsystem/],
  ] as const) {
    const refused = await civitas(database.url, 'exchange', ...args);
    assert.equal(refused.exitCode, 1, refused.stderr);
    assert.equal(refused.stderr.trim().split('\n').length, 1, refused.stderr);
    assert.match(refused.stderr, message);
  }
});
