#!/usr/bin/env node
// Checks a Civitas Exchange message log export offline, needing nothing but Node.js:
//   node scripts/verify-exchange-log.mjs FILE [--keys JWKS_FILE]
// FILE is what `npx civitas exchange log export` wrote (JSON Lines: a header, the records, then the
// signed batches that cover them). Each record's SHA-256 hash must cover the record before it; each
// batch's Ed25519 signature, by a log key, covers the hashes of the records written together, so a
// record rewritten later (even with the chain rebuilt after it) no longer matches what was signed.
// The keys come from the file's header or (better, as the file itself could be forged whole) from a
// JWK Set the auditor got elsewhere, given with --keys. Exit code 0 when the file holds.
import { createHash, createPublicKey, verify } from 'node:crypto';
import { readFileSync } from 'node:fs';

// The fields a record's hash covers, in this order (as src/modules/exchange/message-log/message-log.ts).
const HASHED_FIELDS = ['sequence', 'x_road_id', 'client', 'service', 'endpoint', 'user_id', 'issue', 'request_hash', 'response_hash', 'status_code', 'error_type', 'agreement_id', 'consent_id', 'started_at', 'recorded_at'];

function hashOf(record) {
  const fields = HASHED_FIELDS.map((field) => record[field]);
  // Whether the client's signature verified (1 or 0), last, on records written since it was kept.
  if (record.client_proved !== undefined && record.client_proved !== null) fields.push(record.client_proved);
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
if (header?.format !== 'civitas-exchange-log/2' && header?.format !== 'civitas-exchange-log/1') fail('The file is not a Civitas Exchange log export');
const jwks = keysFile ? JSON.parse(readFileSync(keysFile, 'utf8')) : header.public_keys;
const keys = new Map((jwks?.keys ?? []).map((jwk) => [jwk.kid, createPublicKey({ key: jwk, format: 'jwk' })]));

const BATCH_FORMAT = 'civitas-exchange-log-batch/1';
const records = [];
const batches = [];
for (const line of lines.slice(1)) {
  let parsed;
  try {
    parsed = JSON.parse(line);
  } catch {
    fail(`The line after record ${records.at(-1)?.sequence ?? 'none'} is not a record`);
  }
  (parsed.kind === 'batch' ? batches : records).push(parsed);
}

// The hash each record had when the log key signed its batch; a batch that does not verify signs nothing.
const signedHashes = new Map();
const badBatches = [];
for (const batch of batches) {
  const key = keys.get(batch.key_id);
  const hashes = String(batch.record_hashes).split(',');
  const payload = Buffer.from(`${BATCH_FORMAT}\n${batch.first_sequence}\n${batch.last_sequence}\n${batch.record_hashes}`);
  if (!key || hashes.length !== batch.last_sequence - batch.first_sequence + 1 || !verify(null, payload, key, Buffer.from(batch.signature, 'base64url'))) {
    badBatches.push(batch);
    continue;
  }
  hashes.forEach((hash, index) => signedHashes.set(batch.first_sequence + index, hash));
}
function isSigned(record) {
  if (record.signature !== '') {
    const key = keys.get(record.key_id);
    return Boolean(key) && verify(null, Buffer.from(record.record_hash, 'hex'), key, Buffer.from(record.signature, 'base64url'));
  }
  return !badBatches.some((batch) => record.sequence >= batch.first_sequence && record.sequence <= batch.last_sequence) && signedHashes.get(record.sequence) === record.record_hash;
}

let previousHash;
let previousSequence;
for (const record of records) {
  const at = `Record ${record.sequence}`;
  if (previousSequence !== undefined && record.sequence !== previousSequence + 1) fail(`${at}: out of order, or records before it are missing`);
  if (previousHash !== undefined && record.previous_hash !== previousHash) fail(`${at}: does not follow the record before it`);
  if (hashOf(record) !== record.record_hash) fail(`${at}: changed since it was written (its hash does not match)`);
  if (!isSigned(record)) fail(`${at}: its signature does not verify`);
  previousHash = record.record_hash;
  previousSequence = record.sequence;
}
process.stdout.write(`OK: ${records.length} records from ${header.from} to ${header.to}, each chained and signed\n`);
