#!/usr/bin/env node
// Checks a Civitas Exchange message log export offline, needing nothing but Node.js:
//   node scripts/verify-exchange-log.mjs FILE --keys JWKS
// JWKS is the log's public keys as a JWK Set, a file or the URL of the Civitas's
// /.well-known/exchange-log-jwks.json, got apart from FILE.
// FILE is what `npx civitas exchange log export` wrote (JSON Lines: a header, the records, the
// signed batches that cover them, then the export's period signed by a log key: its first and last
// record, how many, and the hashes at either end, so a file cut short at either end is found). Each record's SHA-256 hash must cover the record before it; each
// batch's Ed25519 signature, by a log key, covers the hashes of the records written together, so a
// record rewritten later (even with the chain rebuilt after it) no longer matches what was signed.
// The keys in the file's own header are never trusted: a forger who rewrote the file whole, chain
// and signatures, would have put their own there. Exit code 0 when the file holds, 1 when it does
// not, 2 when it cannot be checked.
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

function stop(message) {
  process.stderr.write(`${message}\n`);
  process.exit(2);
}

const USAGE = 'Usage: node scripts/verify-exchange-log.mjs FILE --keys JWKS\nJWKS: the log\'s public keys, a JWK Set file or the URL of /.well-known/exchange-log-jwks.json, got from Civitas apart from FILE (the keys inside FILE prove nothing: a forged file carries the forger\'s own)';
const [file, keysFlag, keysSource, ...extra] = process.argv.slice(2);
if (!file || keysFlag !== '--keys' || !keysSource || extra.length > 0) stop(USAGE);

// Plain http only to this machine: elsewhere whoever is on the path could swap the keys.
const LOOPBACK = new Set(['127.0.0.1', '[::1]', 'localhost']);

async function readKeys(source) {
  let text;
  if (/^http:\/\//i.test(source)) {
    let host;
    try {
      host = new URL(source).hostname;
    } catch {
      stop(`${source} is not a URL`);
    }
    if (!LOOPBACK.has(host)) stop(`Give the keys' URL with https: over plain http (${source}) anyone on the path could swap the keys`);
  }
  try {
    if (/^https?:\/\//i.test(source)) {
      const response = await fetch(source, { redirect: 'error', signal: AbortSignal.timeout(30_000) });
      if (!response.ok) throw new Error(`HTTP ${response.status}`);
      text = await response.text();
    } else text = readFileSync(source, 'utf8');
  } catch (error) {
    stop(`Cannot read the keys from ${source}: ${error.message}`);
  }
  let jwks;
  try {
    jwks = JSON.parse(text);
  } catch {
    stop(`${source} is not a JWK Set`);
  }
  if (!Array.isArray(jwks?.keys) || jwks.keys.length === 0) stop(`${source} is not a JWK Set with keys in it`);
  // The log keys are Ed25519: only Ed25519 public keys, none with a private part, each kid once
  // (as logKeySetProblem in src/modules/exchange/message-log/log-export.ts).
  const keys = new Map();
  for (const jwk of jwks.keys) {
    if (jwk === null || typeof jwk !== 'object' || Array.isArray(jwk)) stop(`${source} holds something that is not a key`);
    if ('d' in jwk) stop(`${source} holds a private key: give only the public keys`);
    if (jwk.kty !== 'OKP' || jwk.crv !== 'Ed25519') stop(`${source} holds a key that is not an Ed25519 public key (the log keys are Ed25519)`);
    if (typeof jwk.kid !== 'string' || jwk.kid === '') stop(`${source} holds a key without a kid`);
    if (keys.has(jwk.kid)) stop(`${source} names the key ${jwk.kid} twice`);
    try {
      keys.set(jwk.kid, createPublicKey({ key: jwk, format: 'jwk' }));
    } catch {
      stop(`${source} holds a key that is not a public key`);
    }
  }
  return keys;
}
const keys = await readKeys(keysSource);
let lines;
try {
  lines = readFileSync(file, 'utf8').split('\n').filter((line) => line.trim() !== '');
} catch (error) {
  stop(`Cannot read ${file}: ${error.message}`);
}
let header;
try {
  header = JSON.parse(lines[0] ?? '');
} catch {
  fail('The file does not start with an export header');
}
// The fields a record has (and a batch), and nothing else; client_proved from format 3 on.
const RECORD_FIELDS = [...HASHED_FIELDS, 'previous_hash', 'record_hash', 'key_id', 'signature'];
const FIELDS_OF = { 'civitas-exchange-log/3': new Set([...RECORD_FIELDS, 'client_proved']), 'civitas-exchange-log/2': new Set(RECORD_FIELDS), 'civitas-exchange-log/1': new Set(RECORD_FIELDS) };
const BATCH_FIELDS = new Set(['kind', 'first_sequence', 'last_sequence', 'record_hashes', 'key_id', 'signature', 'signed_at']);
const fields = FIELDS_OF[header?.format];
if (!fields) fail('The file is not a Civitas Exchange log export');
// Each line exactly as the export wrote it, JSON.stringify's: a key given twice would otherwise show
// a reader one value while JSON.parse, and the hash, keep the other.
const AS_WRITTEN = 'is not written as the export writes it (a key given twice, or the line reformatted)';
// The header's fields, only those the export writes, in its order (exported_at and public_keys are
// not signed: they inform, and nothing here trusts them).
if (JSON.stringify(header) !== lines[0] || Object.keys(header).join() !== 'format,instance,from,to,exported_at,public_keys') fail(`The file's header ${AS_WRITTEN}`);
const periodSigned = header.format === 'civitas-exchange-log/3';

const BATCH_FORMAT = 'civitas-exchange-log-batch/1';
const records = [];
const batches = [];
const periods = [];
for (const line of lines.slice(1)) {
  let parsed;
  try {
    parsed = JSON.parse(line);
  } catch {
    fail(`The line after record ${records.at(-1)?.sequence ?? 'none'} is not a record`);
  }
  if (parsed === null || typeof parsed !== 'object') fail(`The line after record ${records.at(-1)?.sequence ?? 'none'} is not a record`);
  const asWritten = JSON.stringify(parsed) === line;
  // The export writes the records, then their batches in order, then the period, last.
  if (periods.length > 0) fail("The export's signed period is not the file's last line (a line after it, or the period given twice)");
  if (parsed.kind === 'period' && periodSigned) {
    if (!asWritten) fail(`The export's signed period ${AS_WRITTEN}`);
    periods.push(parsed);
  } else if (parsed.kind === 'batch') {
    if (!asWritten) fail(`Record ${parsed.first_sequence}: its batch ${AS_WRITTEN}`);
    if (!Object.keys(parsed).every((name) => BATCH_FIELDS.has(name))) fail(`Record ${parsed.first_sequence}: its batch has a field a batch does not have`);
    const before = batches.at(-1);
    if (before && !(Number(parsed.first_sequence) > Number(before.last_sequence))) fail(`Record ${parsed.first_sequence}: its batch is given twice, or out of order`);
    batches.push(parsed);
  } else {
    const sequence = parsed.sequence ?? (records.at(-1)?.sequence ?? 0) + 1;
    if (!asWritten) fail(`Record ${sequence}: ${AS_WRITTEN}`);
    if (!Object.keys(parsed).every((name) => fields.has(name))) fail(`Record ${sequence}: has a field an Exchange log record does not have`);
    if (batches.length > 0) fail(`Record ${sequence}: comes after the batches, where the export writes no record`);
    records.push(parsed);
  }
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
if (!periodSigned) {
  process.stdout.write(`OK: ${records.length} records from ${header.from} to ${header.to}, each chained and signed (an export from before signed periods: records missing at either end cannot be told)\n`);
  process.exit(0);
}

// The export's period, signed by a log key: the records in the file must be exactly those it names.
const period = periods.length === 1 ? periods[0] : undefined;
const periodKey = period && keys.get(period.key_id);
const periodPayload = period && Buffer.from([`civitas-exchange-log-period/1`, period.instance, period.from, period.to, period.first_sequence ?? '', period.last_sequence ?? '', period.count, period.previous_hash ?? '', period.last_hash ?? ''].join('\n'));
let periodVerifies = false;
try {
  periodVerifies = Boolean(periodKey) && verify(null, periodPayload, periodKey, Buffer.from(String(period.signature), 'base64url'));
} catch {
  periodVerifies = false;
}
if (!periodVerifies || period.instance !== header.instance || period.from !== header.from || period.to !== header.to) fail("The export's signed period is missing, does not verify, or is not the header's");
const first = records[0];
const last = records.at(-1);
const emptyPeriod = period.count === 0 && period.first_sequence === null && period.last_sequence === null;
if (emptyPeriod && records.length === 0) {
  process.stdout.write(`OK: no records from ${header.from} to ${header.to}, the period signed whole\n`);
  process.exit(0);
}
if (!first || first.sequence !== period.first_sequence || first.previous_hash !== period.previous_hash) fail(`Record ${first?.sequence ?? 0}: is not the first record of the export's signed period: records before it are missing`);
if (!last || last.sequence !== period.last_sequence || last.record_hash !== period.last_hash || records.length !== period.count) fail(`Record ${last?.sequence ?? 0}: is not the last record of the export's signed period: records after it are missing`);
process.stdout.write(`OK: ${records.length} records from ${header.from} to ${header.to}, each chained and signed, the period signed whole\n`);
