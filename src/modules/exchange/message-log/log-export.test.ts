import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { generateKeyPairSync, sign } from 'node:crypto';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { calculateJwkThumbprint, exportJWK } from 'jose';
import { CliError } from '../../../platform/cli/cli-command.ts';
import { createTestKernel } from '../../../testing/test-kernel.ts';
import { createExchangeKeys } from '../gateway/exchange-keys.ts';
import { runCommand } from '../testing/exchange-fixtures.ts';
import { periodPayload, type ExportPeriod } from './log-export.ts';
import { createMessageLog } from './message-log.ts';

const ROOT = fileURLToPath(new URL('../../../../', import.meta.url));

/** The standalone verifier, run as an auditor would: plain Node.js, nothing of Civitas loaded. */
function verifyStandalone(...args: string[]): Promise<{ exitCode: number; output: string }> {
  return new Promise((resolve) => {
    execFile('node_modules/.bin/node', ['scripts/verify-exchange-log.mjs', ...args], { cwd: ROOT }, (error, stdout, stderr) => {
      resolve({ exitCode: error ? (typeof error.code === 'number' ? error.code : -1) : 0, output: `${stdout}${stderr}`.trim() });
    });
  });
}

async function verifyWithCli(kernel: Parameters<typeof runCommand>[0], file: string, keys?: string): Promise<string> {
  try {
    await runCommand(kernel, 'exchange log verify', keys ? { keys } : {}, [file]);
    return 'OK';
  } catch (error) {
    if (error instanceof CliError) return error.message;
    throw error;
  }
}

test('a period of the message log is exported to a file that verifies offline; an edited, removed or reordered record is named', async (t) => {
  const kernel = await createTestKernel(t);
  const keys = createExchangeKeys({ db: kernel.db, secrets: kernel.secrets });
  const log = createMessageLog({ db: kernel.db, keys });
  // Records 1 and 2 as written before client_proved was kept (their hash leaves it out), then proved and unproved ones.
  const proof = (index: number) => (index <= 2 ? {} : { client_proved: index === 5 ? (0 as const) : (1 as const) });
  for (let index = 1; index <= 5; index += 1) {
    await log.append({ x_road_id: `call-${index}`, client: 'GB-DEV/GOV/RC002/blue-badge', service: 'GB-DEV/GOV/BA001/benefits/pip-award', endpoint: 'GET /awards/{reference}', user_id: null, issue: null, request_hash: `r${index}`, response_hash: `s${index}`, status_code: 200, error_type: null, agreement_id: null, consent_id: null, started_at: new Date().toISOString(), ...proof(index) });
  }
  const folder = mkdtempSync(join(tmpdir(), 'civitas-exchange-log-'));
  const file = join(folder, 'log.jsonl');
  const today = new Date().toISOString().slice(0, 10);
  assert.deepEqual(await runCommand(kernel, 'exchange log export', { from: today, to: today, out: file }), { file, records: 5 });
  await assert.rejects(runCommand(kernel, 'exchange log export', { from: today, to: today, out: file }), /exists already/);
  await assert.rejects(runCommand(kernel, 'exchange log export', { from: 'yesterday', to: today, out: join(folder, 'x') }), /--from must be a date/);

  // The auditor's copy of the log keys, got from Civitas apart from the file.
  const realKeys = join(folder, 'log-keys.json');
  writeFileSync(realKeys, JSON.stringify(await keys.publish('message-log')));
  assert.equal(await verifyWithCli(kernel, file), 'OK');
  assert.deepEqual(await verifyStandalone(file, '--keys', realKeys), { exitCode: 0, output: `OK: 5 records from ${today}T00:00:00.000Z to ${new Date(Date.parse(today) + 86_400_000).toISOString()}, each chained and signed, the period signed whole` });
  assert.doesNotMatch(readFileSync(file, 'utf8'), /PRIVATE|"d":/, 'no private key in the file');

  const lines = readFileSync(file, 'utf8').trim().split('\n');
  const variants: Array<[string, string[], RegExp]> = [
    ['edited', lines.map((line, index) => (index === 3 ? line.replace('"status_code":200', '"status_code":404') : line)), /^Record 3: changed since it was written/],
    ['removed', lines.filter((_line, index) => index !== 3), /^Record 4: out of order, or records before it are missing/],
    ['reordered', [lines[0]!, lines[1]!, lines[3]!, lines[2]!, ...lines.slice(4)], /^Record 3: out of order/],
    // Trimmed at either end, the records' batches with them: the chain that is left holds, the signed period does not.
    ['trimmed at the start', lines.filter((line) => line.includes('"kind":"period"') || !/"(sequence|first_sequence)":[12],/.test(line)), /^Record 3: is not the first record of the export's signed period/],
    ['trimmed at the end', lines.filter((line) => line.includes('"kind":"period"') || !/"(sequence|first_sequence)":5,/.test(line)), /^Record 4: is not the last record of the export's signed period/],
    ['a record with an extra field', lines.map((line) => (line.includes('"sequence":2,') ? line.replace('{', '{"note":"Call 0800 000 000",') : line)), /^Record 2: has a field an Exchange log record does not have/],
    ['a batch with an extra field', lines.map((line) => (line.includes('"first_sequence":4,') ? line.replace('{', '{"note":"x",') : line)), /^Record 4: .*has a field/],
    ['without its period', lines.filter((line) => !line.includes('"kind":"period"')), /signed period is missing/],
    ['its period edited', lines.map((line) => (line.includes('"kind":"period"') ? line.replace('"count":5', '"count":4') : line)), /signed period is missing, does not verify/],
    // A key given twice: JSON.parse keeps the last value, so the hash holds, while a reader sees the first.
    ['a record with a key given twice', lines.map((line) => (line.includes('"sequence":2,') ? line.replace('{', '{"client":"GB-DEV/GOV/EVIL/x","status_code":500,') : line)), /^Record 2: is not written as the export writes it \(a key given twice/],
    ['a record reformatted', lines.map((line) => (line.includes('"sequence":2,') ? line.replace('{', '{ ') : line)), /^Record 2: is not written as the export writes it/],
    ['a batch with a key given twice', lines.map((line) => (line.includes('"first_sequence":4,') ? line.replace('{', '{"first_sequence":9,') : line)), /^Record 4: its batch is not written as the export writes it/],
    ['the header with a field the export does not write', lines.map((line, index) => (index === 0 ? line.replace('{', '{"note":"verified by the auditor",') : line)), /^The file's header is not written as the export writes it/],
    ['the header\'s fields reordered', lines.map((line, index) => (index === 0 ? JSON.stringify(Object.fromEntries(Object.entries(JSON.parse(line) as object).reverse())) : line)), /^The file's header is not written as the export writes it/],
    ['the header with a key given twice', lines.map((line, index) => (index === 0 ? line.replace('{', '{"instance":"GB-EVIL",') : line)), /^The file's header is not written as the export writes it/],
    ['its period with a key given twice', lines.map((line) => (line.includes('"kind":"period"') ? line.replace('{', '{"count":9,') : line)), /^The export's signed period is not written as the export writes it/],
    ['a batch given twice', lines.flatMap((line) => (line.includes('"first_sequence":3,') ? [line, line] : [line])), /^Record 3: its batch is given twice, or out of order/],
    ['batches reordered', (() => {
      const batchAt = lines.findIndex((line) => line.includes('"first_sequence":3,'));
      return lines.map((line, index) => (index === batchAt ? lines[batchAt + 1]! : index === batchAt + 1 ? lines[batchAt]! : line));
    })(), /^Record 3: its batch is given twice, or out of order/],
    ['a record after the batches', [...lines.filter((line) => !line.includes('"sequence":5,') && !line.includes('"kind":"period"')), lines.find((line) => line.includes('"sequence":5,'))!, lines.at(-1)!], /^Record 5: comes after the batches/],
    ['its period given twice', [...lines, lines.at(-1)!], /^The export's signed period is not the file's last line/],
    ['the header\'s period changed', lines.map((line, index) => (index === 0 ? line.replace(`"from":"${today}`, '"from":"2000-01-01') : line)), /signed period is missing, does not verify, or is not the header's/],
  ];
  for (const [what, changed, message] of variants) {
    const tampered = join(folder, `${what}.jsonl`);
    writeFileSync(tampered, `${changed.join('\n')}\n`);
    assert.match(await verifyWithCli(kernel, tampered), message, what);
    const standalone = await verifyStandalone(tampered, '--keys', realKeys);
    assert.equal(standalone.exitCode, 1, what);
    assert.match(standalone.output, message, what);
  }

  // A forger who rewrites the whole file under a key of their own, and puts that key in its header,
  // fails at the first record: the CLI checks against the database's log keys, the script against
  // the keys it is given, and neither trusts the file's.
  const forgerKey = generateKeyPairSync('ed25519');
  const forgerJwk = await exportJWK(forgerKey.publicKey);
  const kid = await calculateJwkThumbprint(forgerJwk);
  const header = JSON.parse(lines[0]!) as { public_keys: unknown };
  header.public_keys = { keys: [{ ...forgerJwk, kid }] };
  const recordLines = lines.slice(1).filter((line) => !line.includes('"kind":"'));
  const period = JSON.parse(lines.find((line) => line.includes('"kind":"period"'))!) as ExportPeriod;
  const forged = [JSON.stringify(header), ...recordLines.map((line) => {
    const record = JSON.parse(line) as { key_id: string; signature: string; record_hash: string };
    return JSON.stringify({ ...record, key_id: kid, signature: sign(null, Buffer.from(record.record_hash, 'hex'), forgerKey.privateKey).toString('base64url') });
  }), JSON.stringify({ ...period, key_id: kid, signature: sign(null, periodPayload(period), forgerKey.privateKey).toString('base64url') })];
  const forgedFile = join(folder, 'forged.jsonl');
  writeFileSync(forgedFile, `${forged.join('\n')}\n`);
  assert.match(await verifyWithCli(kernel, forgedFile), /^Record 1: its signature does not verify \(checked against this Civitas's log keys\)/);
  const unkeyed = await verifyStandalone(forgedFile);
  assert.equal(unkeyed.exitCode, 2);
  assert.match(unkeyed.output, /^Usage: .*--keys JWKS\n.*the keys inside FILE prove nothing/);
  const forgerKeys = join(folder, 'forger-keys.json');
  writeFileSync(forgerKeys, JSON.stringify(header.public_keys));
  assert.equal((await verifyStandalone(forgedFile, '--keys', forgerKeys)).exitCode, 0, 'the forgery holds only against the forger\'s keys');
  const checked = await verifyStandalone(forgedFile, '--keys', realKeys);
  assert.equal(checked.exitCode, 1);
  assert.match(checked.output, /^Record 1: its signature does not verify/);
  assert.match(await verifyWithCli(kernel, forgedFile, realKeys), /^Record 1: its signature does not verify/);
  assert.equal(await verifyWithCli(kernel, file, realKeys), 'OK');

  // An export from before signed periods (format 2, no client_proved) still verifies, saying its ends cannot be checked.
  const older = [
    lines[0]!.replace('civitas-exchange-log/3', 'civitas-exchange-log/2'),
    ...lines.filter((line) => !line.includes('"kind":"period"') && /"(sequence|first_sequence)":[12],/.test(line)).map((line) => {
      const parsed = JSON.parse(line) as Record<string, unknown>;
      delete parsed.client_proved;
      return JSON.stringify(parsed);
    }),
  ];
  const olderFile = join(folder, 'format-2.jsonl');
  writeFileSync(olderFile, `${older.join('\n')}\n`);
  assert.equal(await verifyWithCli(kernel, olderFile), 'OK');
  const olderChecked = await verifyStandalone(olderFile, '--keys', realKeys);
  assert.equal(olderChecked.exitCode, 0, olderChecked.output);
  assert.match(olderChecked.output, /^OK: 2 records .*records missing at either end cannot be told/);
});

test('an export of a period without records verifies, its emptiness signed; the script takes the keys from a URL', async (t) => {
  const kernel = await createTestKernel(t);
  const folder = mkdtempSync(join(tmpdir(), 'civitas-exchange-log-'));
  const file = join(folder, 'empty.jsonl');
  assert.deepEqual(await runCommand(kernel, 'exchange log export', { from: '2001-01-01', to: '2001-01-01', out: file }), { file, records: 0 });
  const jwks = JSON.stringify(await createExchangeKeys({ db: kernel.db, secrets: kernel.secrets }).existing('message-log'));
  const server = createServer((_request, response) => response.writeHead(200, { 'content-type': 'application/json' }).end(jwks));
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  t.after(() => server.close());
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/.well-known/exchange-log-jwks.json`;
  assert.equal(await verifyWithCli(kernel, file), 'OK');
  assert.deepEqual(await verifyStandalone(file, '--keys', url), { exitCode: 0, output: 'OK: no records from 2001-01-01T00:00:00.000Z to 2001-01-02T00:00:00.000Z, the period signed whole' });
  writeFileSync(file, readFileSync(file, 'utf8').replace('"count":0', '"count":1'));
  assert.match(await verifyWithCli(kernel, file), /signed period/);
  assert.equal((await verifyStandalone(file, '--keys', url)).exitCode, 1);
});

test('log verify refuses to check without keys it can trust', async (t) => {
  const writer = await createTestKernel(t);
  const folder = mkdtempSync(join(tmpdir(), 'civitas-exchange-log-'));
  const file = join(folder, 'log.jsonl');
  await runCommand(writer, 'exchange log export', { from: '2001-01-01', to: '2001-01-01', out: file });
  // Another Civitas, that has never signed a log, cannot vouch for this file without the writer's keys.
  const other = await createTestKernel(t);
  assert.match(await verifyWithCli(other, file), /^This Civitas has no message log keys: give the keys of the Civitas that wrote the file with --keys/);
  const notKeys = join(folder, 'not-keys.json');
  writeFileSync(notKeys, '{"keys":[]}');
  assert.match(await verifyWithCli(other, file, notKeys), /is not a JWK Set with keys in it/);
  const standalone = await verifyStandalone(file, '--keys', notKeys);
  assert.equal(standalone.exitCode, 2);
  assert.match(standalone.output, /is not a JWK Set with keys in it/);
  assert.equal((await verifyStandalone(file, '--keys', join(folder, 'missing.json'))).exitCode, 2);
  assert.equal((await verifyStandalone(file, '--keys')).exitCode, 2);
  // Only Ed25519 public keys, each kid once: a key of another kind, a private one or a kid given twice is refused.
  const published = await createExchangeKeys({ db: writer.db, secrets: writer.secrets }).existing('message-log');
  const logKey = published.keys[0]!;
  const ed25519 = generateKeyPairSync('ed25519');
  const ecJwk = await exportJWK(generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey);
  const unusable: Array<[string, unknown[], RegExp]> = [
    ['a kid twice', [logKey, { ...(await exportJWK(ed25519.publicKey)), kid: logKey.kid }], new RegExp(`names the key ${logKey.kid} twice`)],
    ['a P-256 key', [logKey, { ...ecJwk, kid: 'ec' }], /holds a key that is not an Ed25519 public key/],
    ['a private key', [{ ...(await exportJWK(ed25519.privateKey)), kid: 'private' }], /holds a private key: give only the public keys/],
    ['a key without a kid', [{ ...logKey, kid: undefined }], /holds a key without a kid/],
  ];
  for (const [what, set, message] of unusable) {
    const keysFile = join(folder, `${what}.json`);
    writeFileSync(keysFile, JSON.stringify({ keys: set }));
    assert.match(await verifyWithCli(other, file, keysFile), message, what);
    const checked = await verifyStandalone(file, '--keys', keysFile);
    assert.equal(checked.exitCode, 2, what);
    assert.match(checked.output, message, what);
    for (const jwk of set) assert.ok(!checked.output.includes(String((jwk as { d?: string }).d ?? '"d"')), `${what}: no private key printed`);
  }
  // Plain http only to this machine: elsewhere an on-path attacker could swap the keys.
  const overHttp = await verifyStandalone(file, '--keys', 'http://keys.example.invalid/.well-known/exchange-log-jwks.json');
  assert.equal(overHttp.exitCode, 2);
  assert.match(overHttp.output, /^Give the keys' URL with https: over plain http .* anyone on the path could swap the keys/);
  const keysFile = join(folder, 'log-keys.json');
  writeFileSync(keysFile, JSON.stringify(await createExchangeKeys({ db: writer.db, secrets: writer.secrets }).existing('message-log')));
  assert.equal(await verifyWithCli(other, file, keysFile), 'OK');
});
