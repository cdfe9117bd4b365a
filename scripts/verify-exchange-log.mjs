#!/usr/bin/env node
// Checks a Civitas Exchange message log export offline, needing nothing but Node.js:
//   node scripts/verify-exchange-log.mjs FILE [--keys JWKS_FILE]
// FILE is what `npx civitas exchange log export` wrote (JSON Lines: a header, then records).
// Each record's SHA-256 hash must cover the record before it, and verify under an Ed25519 log
// key: from the file's header, or (better, as the file itself could be forged whole) from a
// JWK Set the auditor got elsewhere, given with --keys. Exit code 0 when the file holds.
import { createHash, createPublicKey, verify } from 'node:crypto';
import { readFileSync } from 'node:fs';

// The fields a record's hash covers, in this order (as src/modules/exchange/message-log/message-log.ts).
const HASHED_FIELDS = ['sequence', 'x_road_id', 'client', 'service', 'endpoint', 'user_id', 'issue', 'request_hash', 'response_hash', 'status_code', 'error_type', 'agreement_id', 'consent_id', 'started_at', 'recorded_at'];

function hashOf(record) {
  const fields = HASHED_FIELDS.map((field) => record[field]);
  return createHash('sha256').update(`${record.previous_hash}\n${JSON.stringify(fields)}`).digest('hex');
}

function fail(message) {
  process.stderr.write(`${message}\n`);
  process.exit(1);
}

const [file, keysFlag, keysFile] = process.argv.slice(2);
if (!file || (keysFlag !== undefined && (keysFlag !== '--keys' || !keysFile))) fail('Usage: node scripts/verify-exchange-log.mjs FILE [--keys JWKS_FILE]');
const lines = readFileSync(file, 'utf8').split('\n').filter((line) => line.trim() !== '');
let header;
try {
  header = JSON.parse(lines[0] ?? '');
} catch {
  fail('The file does not start with an export header');
}
if (header?.format !== 'civitas-exchange-log/1') fail('The file is not a Civitas Exchange log export');
const jwks = keysFile ? JSON.parse(readFileSync(keysFile, 'utf8')) : header.public_keys;
const keys = new Map((jwks?.keys ?? []).map((jwk) => [jwk.kid, createPublicKey({ key: jwk, format: 'jwk' })]));

let previousHash;
let previousSequence;
let count = 0;
for (const line of lines.slice(1)) {
  let record;
  try {
    record = JSON.parse(line);
  } catch {
    fail(`The line after record ${previousSequence ?? 'none'} is not a record`);
  }
  const at = `Record ${record.sequence}`;
  if (previousSequence !== undefined && record.sequence !== previousSequence + 1) fail(`${at}: out of order, or records before it are missing`);
  if (previousHash !== undefined && record.previous_hash !== previousHash) fail(`${at}: does not follow the record before it`);
  if (hashOf(record) !== record.record_hash) fail(`${at}: changed since it was written (its hash does not match)`);
  const key = keys.get(record.key_id);
  if (!key || !verify(null, Buffer.from(record.record_hash, 'hex'), key, Buffer.from(record.signature, 'base64url'))) fail(`${at}: its signature does not verify`);
  previousHash = record.record_hash;
  previousSequence = record.sequence;
  count += 1;
}
process.stdout.write(`OK: ${count} records from ${header.from} to ${header.to}, each chained and signed\n`);
