import { createPublicKey, sign, verify } from 'node:crypto';
import { createWriteStream, openSync, readFileSync } from 'node:fs';
import { once } from 'node:events';
import type { JWK } from 'jose';
import type { Database } from '../../../platform/db/database.ts';
import type { ExchangeKeys } from '../gateway/exchange-keys.ts';
import { createMessageLogStore, type MessageLogBatchRow, type MessageLogRow } from './message-log.store.ts';
import { findChainProblem, type ChainProblem } from './message-log.ts';

/**
 * A period of the message log as one file an auditor checks offline with nothing but the log's
 * public keys, got from Civitas apart from the file (the header carries them too, for reference
 * only: a forged file would carry the forger's): JSON Lines, a header first, then each record in
 * order, then the signed batches that cover them (`"kind":"batch"`). A batch may reach past the
 * period: its signature covers the hashes of all its records, so it is checked whole. Last, the
 * export's period (`"kind":"period"`), signed by the log key: instance, from, to, the first and last
 * sequence, how many records, the hash of the record before the first and that of the last, so a
 * file cut short at either end no longer matches it.
 * `npx civitas exchange log verify FILE` and scripts/verify-exchange-log.mjs check it.
 */

export const EXPORT_FORMAT = 'civitas-exchange-log/3';
/** Files from before the signed period: trimming them at either end cannot be told. */
const BATCH_FORMAT = 'civitas-exchange-log/2';
/** Files from before batches: each record signed on its own, no batch lines. */
const PER_RECORD_FORMAT = 'civitas-exchange-log/1';
const PAGE = 1000;
const PERIOD_FORMAT = 'civitas-exchange-log-period/1';

/** The fields a record of each format has, and nothing else: an export with any other is refused. */
const RECORD_FIELDS = ['sequence', 'x_road_id', 'client', 'service', 'endpoint', 'user_id', 'issue', 'request_hash', 'response_hash', 'status_code', 'error_type', 'agreement_id', 'consent_id', 'started_at', 'recorded_at', 'previous_hash', 'record_hash', 'key_id', 'signature'];
const FIELDS_OF: Record<string, Set<string>> = {
  [EXPORT_FORMAT]: new Set([...RECORD_FIELDS, 'client_proved']),
  [BATCH_FORMAT]: new Set(RECORD_FIELDS),
  [PER_RECORD_FORMAT]: new Set(RECORD_FIELDS),
};
const BATCH_FIELDS = new Set(['kind', 'first_sequence', 'last_sequence', 'record_hashes', 'key_id', 'signature', 'signed_at']);

/** The header's fields, in the order the export writes them. */
const HEADER_FIELDS = 'format,instance,from,to,exported_at,public_keys';

export type ExportHeader = { format: typeof EXPORT_FORMAT | typeof BATCH_FORMAT | typeof PER_RECORD_FORMAT; instance: string; from: string; to: string; exported_at: string; public_keys: { keys: JWK[] } };

/** The period an export covers; sequences and hashes are null for a period without records. */
export type ExportPeriod = { kind: 'period'; instance: string; from: string; to: string; first_sequence: number | null; last_sequence: number | null; count: number; previous_hash: string | null; last_hash: string | null; key_id: string; signature: string };

/** The text the log key signs for a period (as scripts/verify-exchange-log.mjs builds it). */
export function periodPayload(period: Omit<ExportPeriod, 'kind' | 'key_id' | 'signature'>): Buffer {
  return Buffer.from([PERIOD_FORMAT, period.instance, period.from, period.to, period.first_sequence ?? '', period.last_sequence ?? '', period.count, period.previous_hash ?? '', period.last_hash ?? ''].join('\n'));
}

export async function exportMessageLog(options: { db: Database; keys: ExchangeKeys; instance: string; from: string; to: string; file: string; now: Date }): Promise<{ records: number }> {
  const store = createMessageLogStore(options.db);
  const header: ExportHeader = { format: EXPORT_FORMAT, instance: options.instance, from: options.from, to: options.to, exported_at: options.now.toISOString(), public_keys: await options.keys.publish('message-log') };
  // Opened here, so a file that exists already is refused before anything is written.
  const out = createWriteStream('', { fd: openSync(options.file, 'wx', 0o600) });
  const write = async (line: string) => {
    if (!out.write(`${line}\n`)) await once(out, 'drain');
  };
  let records = 0;
  const key = await options.keys.current('message-log');
  let previousHash: string | null = null;
  let lastHash: string | null = null;
  try {
    await write(JSON.stringify(header));
    let afterSequence = 0;
    let first: number | undefined;
    for (;;) {
      const page = await store.listPage({ from: options.from, to: options.to, afterSequence, limit: PAGE });
      for (const record of page) await write(JSON.stringify(record));
      records += page.length;
      first ??= page[0]?.sequence;
      previousHash ??= page[0]?.previous_hash ?? null;
      lastHash = page.at(-1)?.record_hash ?? lastHash;
      afterSequence = page.at(-1)?.sequence ?? afterSequence;
      if (page.length < PAGE) break;
    }
    for (let afterBatch = 0; first !== undefined; ) {
      const page = await store.listBatchesCovering({ first, last: afterSequence, afterSequence: afterBatch, limit: PAGE });
      for (const batch of page) await write(JSON.stringify({ kind: 'batch', ...batch }));
      if (page.length < PAGE) break;
      afterBatch = page.at(-1)?.last_sequence ?? afterBatch;
    }
    const period = { instance: options.instance, from: options.from, to: options.to, first_sequence: first === undefined ? null : Number(first), last_sequence: first === undefined ? null : Number(afterSequence), count: records, previous_hash: previousHash, last_hash: lastHash };
    await write(JSON.stringify({ kind: 'period', ...period, key_id: key.keyId, signature: sign(null, periodPayload(period), key.privateKey).toString('base64url') }));
  } finally {
    out.end();
    await once(out, 'close');
  }
  return { records };
}

/**
 * `written`: a line not exactly as the export writes it (JSON.stringify): a key given twice (JSON.parse keeps the last, so the hash
 * holds while a reader sees the first), or the line reformatted. `batch-order`: a batch given twice or out of order. `place`: a
 * record after the batches. `period-last`: a line after the period (a second period among them).
 */
export type ExportProblem =
  | ChainProblem
  | { sequence: number; problem: 'unreadable' | 'field' | 'period' | 'period-start' | 'period-end' | 'batch-order' | 'place' | 'period-last' }
  | { sequence: number; problem: 'written'; line: 'header' | 'record' | 'batch' | 'period' };
/** `unsignedPeriod`: a file from before the signed period, whose ends cannot be checked. */
export type ExportVerification = { records: number; unsignedPeriod?: boolean; problem?: ExportProblem };

/**
 * What is wrong with a JWK Set of log keys given to check an export against, or undefined: the
 * log keys are Ed25519, so only Ed25519 public keys (kty OKP, crv Ed25519), none with a private
 * part, each with its own kid (as scripts/verify-exchange-log.mjs checks them).
 */
export function logKeySetProblem(keys: readonly unknown[]): string | undefined {
  const seen = new Set<string>();
  for (const jwk of keys) {
    if (jwk === null || typeof jwk !== 'object' || Array.isArray(jwk)) return 'holds something that is not a key';
    const { kty, crv, kid } = jwk as Record<string, unknown>;
    if ('d' in jwk) return 'holds a private key: give only the public keys';
    if (kty !== 'OKP' || crv !== 'Ed25519') return 'holds a key that is not an Ed25519 public key (the log keys are Ed25519)';
    if (typeof kid !== 'string' || kid === '') return 'holds a key without a kid';
    if (seen.has(kid)) return `names the key ${kid} twice`;
    seen.add(kid);
    try {
      createPublicKey({ key: jwk as never, format: 'jwk' });
    } catch {
      return 'holds a key that is not a public key';
    }
  }
  return undefined;
}

/** A v3 export's signed period against the records in the file: the first, the last and how many. */
function findPeriodProblem(header: Partial<ExportHeader>, period: ExportPeriod | undefined, records: readonly MessageLogRow[], keys: readonly JWK[]): ExportProblem | undefined {
  const jwk = period && keys.find((one) => one.kid === period.key_id);
  let signed = false;
  try {
    signed = jwk !== undefined && verify(null, periodPayload(period!), createPublicKey({ key: jwk as never, format: 'jwk' }), Buffer.from(String(period!.signature), 'base64url'));
  } catch {
    signed = false;
  }
  if (!period || !signed || period.instance !== header.instance || period.from !== header.from || period.to !== header.to) return { sequence: 0, problem: 'period' };
  const first = records[0];
  const last = records.at(-1);
  if (records.length === 0 && period.count === 0 && period.first_sequence === null && period.last_sequence === null) return undefined;
  if (!first || Number(first.sequence) !== period.first_sequence || first.previous_hash !== period.previous_hash) return { sequence: first ? Number(first.sequence) : 0, problem: 'period-start' };
  if (!last || Number(last.sequence) !== period.last_sequence || last.record_hash !== period.last_hash || records.length !== period.count) return { sequence: Number(last?.sequence ?? 0), problem: 'period-end' };
  return undefined;
}

/**
 * Checks an exported file: each record's hash, its link to the one before, its signature, and
 * that none is missing between them, against `publicKeys`: the log keys as the auditor got them
 * from Civitas, never the keys in the file's own header (a forger who rewrote the whole file
 * would have put their own there).
 */
export function verifyExportedLog(file: string, publicKeys: { keys: JWK[] }): ExportVerification {
  const lines = readFileSync(file, 'utf8').split('\n').filter((line) => line.trim() !== '');
  const header = JSON.parse(lines[0] ?? '{}') as Partial<ExportHeader>;
  const fields = FIELDS_OF[String(header.format)];
  if (!fields) return { records: 0, problem: { sequence: 0, problem: 'unreadable' } };
  // Each line exactly as the export wrote it, JSON.stringify's: a key given twice would otherwise
  // show a reader one value while JSON.parse, and the hash, keep the other.
  // The header too, with only the fields the export writes, in its order (`exported_at` and
  // `public_keys` are not signed: they inform, and nothing here trusts them).
  if (JSON.stringify(header) !== lines[0] || Object.keys(header).join() !== HEADER_FIELDS) return { records: 0, problem: { sequence: 0, problem: 'written', line: 'header' } };
  const { keys } = publicKeys;
  const records: MessageLogRow[] = [];
  const batches: MessageLogBatchRow[] = [];
  const periods: ExportPeriod[] = [];
  for (const line of lines.slice(1)) {
    const next = Number(records.at(-1)?.sequence ?? 0) + 1;
    let parsed;
    try {
      parsed = JSON.parse(line) as (MessageLogRow & { kind?: undefined }) | (MessageLogBatchRow & { kind: 'batch' }) | ExportPeriod;
    } catch {
      return { records: records.length, problem: { sequence: next, problem: 'unreadable' } };
    }
    if (parsed === null || typeof parsed !== 'object') return { records: records.length, problem: { sequence: next, problem: 'unreadable' } };
    const asWritten = JSON.stringify(parsed) === line;
    // The export writes the records, then their batches in order, then the period, last.
    if (periods.length > 0) return { records: records.length, problem: { sequence: 0, problem: 'period-last' } };
    if (parsed.kind === 'period' && header.format === EXPORT_FORMAT) {
      if (!asWritten) return { records: records.length, problem: { sequence: 0, problem: 'written', line: 'period' } };
      periods.push(parsed);
    } else if (parsed.kind === 'batch') {
      const first = Number(parsed.first_sequence);
      if (!asWritten) return { records: records.length, problem: { sequence: first, problem: 'written', line: 'batch' } };
      if (!Object.keys(parsed).every((name) => BATCH_FIELDS.has(name))) return { records: records.length, problem: { sequence: first, problem: 'field' } };
      const before = batches.at(-1);
      if (before && !(first > Number(before.last_sequence))) return { records: records.length, problem: { sequence: first, problem: 'batch-order' } };
      batches.push(parsed);
    } else {
      const sequence = Number((parsed as MessageLogRow).sequence ?? next);
      if (!asWritten) return { records: records.length, problem: { sequence, problem: 'written', line: 'record' } };
      if (!Object.keys(parsed).every((name) => fields.has(name))) return { records: records.length, problem: { sequence, problem: 'field' } };
      if (batches.length > 0) return { records: records.length, problem: { sequence, problem: 'place' } };
      records.push(parsed as MessageLogRow);
    }
  }
  const problem = records[0] ? findChainProblem(records, batches, keys, records[0].previous_hash) : undefined;
  if (problem) return { records: records.length, problem };
  if (header.format !== EXPORT_FORMAT) return { records: records.length, unsignedPeriod: true };
  const periodProblem = periods.length === 1 ? findPeriodProblem(header, periods[0], records, keys) : { sequence: 0, problem: 'period' as const };
  return { records: records.length, ...(periodProblem ? { problem: periodProblem } : {}) };
}
