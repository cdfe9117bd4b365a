import { createHash, sign, verify, createPublicKey } from 'node:crypto';
import type { JWK } from 'jose';
import type { Database, Executor } from '../../../platform/db/database.ts';
import type { GroupCommit } from '../../../platform/db/group-commit.ts';
import type { ExchangeKeys } from '../gateway/exchange-keys.ts';
import { createMessageLogStore, type MessageLogBatchRow, type MessageLogRow } from './message-log.store.ts';

/**
 * The message log: one record per call, allowed or refused, with identifiers, hashes and
 * outcome but never a body (those a member asked to keep are kept apart, sealed: ../payloads/).
 * Each record's hash covers the record before it (so editing,
 * removing or reordering one breaks the chain from there on), and the log key signs the hashes of
 * each batch of records written together (so the chain cannot be rebuilt by whoever can write the
 * database but lacks the key).
 */

/** `client_proved` (1 or 0): whether the client's signature verified; the gateway always says. */
export type MessageLogEntry = Omit<MessageLogRow, 'sequence' | 'recorded_at' | 'previous_hash' | 'record_hash' | 'key_id' | 'signature' | 'client_proved'> & { client_proved?: 0 | 1 };

/** The hash of the record before the first. */
export const GENESIS_HASH = '0'.repeat(64);

/** The fields a record's hash covers, in a fixed order: changing the order would break every export. */
const HASHED_FIELDS = [
  'sequence',
  'x_road_id',
  'client',
  'service',
  'endpoint',
  'user_id',
  'issue',
  'request_hash',
  'response_hash',
  'status_code',
  'error_type',
  'agreement_id',
  'consent_id',
  'started_at',
  'recorded_at',
] as const;

/**
 * SHA-256 over the previous hash and the record's fields as a JSON array, hex. `client_proved`
 * comes last, when the record has it (records from before it hash as they always did).
 */
export function hashRecord(record: Pick<MessageLogRow, (typeof HASHED_FIELDS)[number] | 'previous_hash'> & { client_proved?: number | null }): string {
  const fields: unknown[] = HASHED_FIELDS.map((field) => record[field]);
  if (record.client_proved !== undefined && record.client_proved !== null) fields.push(record.client_proved);
  return createHash('sha256').update(`${record.previous_hash}\n${JSON.stringify(fields)}`).digest('hex');
}

/** A batch's signed text names its format, its sequences and each record's hash in order. */
export function batchPayload(batch: Pick<MessageLogBatchRow, 'first_sequence' | 'last_sequence' | 'record_hashes'>): Buffer {
  return Buffer.from(`${BATCH_FORMAT}\n${batch.first_sequence}\n${batch.last_sequence}\n${batch.record_hashes}`);
}

const BATCH_FORMAT = 'civitas-exchange-log-batch/1';
/** Records chained and signed together at most; more wait for the next batch. */
const MAX_BATCH = 500;

/** A write that belongs with a record (its kept payloads), made in the transaction that writes the record. */
export type AlongsideRecord = (transaction: Executor, record: MessageLogRow) => Promise<void>;

type Waiting = { entry: MessageLogEntry; alongside: AlongsideRecord | undefined; resolve(row: MessageLogRow): void; reject(error: unknown): void };

/**
 * Records that arrive together (in one turn of the event loop) are chained, signed once as a
 * batch and committed in one transaction (with `writes`, alongside other writes of that moment).
 * Each caller's promise settles once its record is committed.
 */
export function createMessageLog(dependencies: { db: Database; keys: ExchangeKeys; writes?: GroupCommit; clock?: () => Date }) {
  const { db, keys } = dependencies;
  const writes = dependencies.writes ?? { run: (work) => db.transaction().execute(work) };
  const clock = dependencies.clock ?? (() => new Date());
  let waiting: Waiting[] = [];
  let scheduled = false;

  async function writeBatch(batch: Waiting[]): Promise<MessageLogRow[]> {
    const key = await keys.current('message-log');
    return writes.run(async (transaction) => {
      const store = createMessageLogStore(transaction);
      await store.lockChain();
      const last = await store.findLast();
      let sequence = Number(last?.sequence ?? 0);
      let previousHash = last?.record_hash ?? GENESIS_HASH;
      const recordedAt = clock().toISOString();
      const rows = batch.map(({ entry }): MessageLogRow => {
        sequence += 1;
        const unsigned = { ...entry, client_proved: entry.client_proved ?? null, sequence, recorded_at: recordedAt, previous_hash: previousHash };
        previousHash = hashRecord(unsigned);
        return { ...unsigned, record_hash: previousHash, key_id: '', signature: '' };
      });
      const signed = { first_sequence: rows[0]?.sequence ?? 0, last_sequence: sequence, record_hashes: rows.map((row) => row.record_hash).join(',') };
      await store.insert(rows);
      for (const [index, item] of batch.entries()) await item.alongside?.(transaction, rows[index] as MessageLogRow);
      await store.insertBatch({ ...signed, key_id: key.keyId, signature: sign(null, batchPayload(signed), key.privateKey).toString('base64url'), signed_at: recordedAt });
      return rows;
    });
  }

  async function flush(): Promise<void> {
    while (waiting.length > 0) {
      const batch = waiting.slice(0, MAX_BATCH);
      waiting = waiting.slice(batch.length);
      try {
        const rows = await writeBatch(batch);
        batch.forEach((item, index) => item.resolve(rows[index] as MessageLogRow));
      } catch (error) {
        for (const item of batch) item.reject(error);
      }
    }
    scheduled = false;
  }

  return {
    /** `alongside`: written with the record, in its transaction, knowing its sequence. */
    append(entry: MessageLogEntry, alongside?: AlongsideRecord): Promise<MessageLogRow> {
      return new Promise<MessageLogRow>((resolve, reject) => {
        waiting.push({ entry, alongside, resolve, reject });
        if (!scheduled) {
          scheduled = true;
          setImmediate(() => void flush());
        }
      });
    },
  };
}

export type MessageLog = ReturnType<typeof createMessageLog>;

export type ChainProblem = { sequence: number; problem: 'hash' | 'chain' | 'signature' | 'order' };

/**
 * Which records a good signature covers: those of a batch whose signature verifies, with the hash
 * the batch signed for them (a record rewritten later, even with the chain rebuilt after it, no
 * longer has it); a record from before batches, by its own signature of its hash.
 */
function signatureChecker(batches: readonly MessageLogBatchRow[], publicKeys: readonly JWK[]): (record: MessageLogRow) => boolean {
  const byId = new Map(publicKeys.map((jwk) => [jwk.kid, createPublicKey({ key: jwk as never, format: 'jwk' })]));
  const signedHashes = new Map<number, string>();
  const badBatches: Array<{ first: number; last: number }> = [];
  for (const batch of batches) {
    const publicKey = byId.get(batch.key_id);
    const first = Number(batch.first_sequence);
    const last = Number(batch.last_sequence);
    const hashes = batch.record_hashes.split(',');
    if (!publicKey || hashes.length !== last - first + 1 || !verify(null, batchPayload(batch), publicKey, Buffer.from(batch.signature, 'base64url'))) {
      badBatches.push({ first, last });
      continue;
    }
    hashes.forEach((hash, index) => signedHashes.set(first + index, hash));
  }
  return (record) => {
    const sequence = Number(record.sequence);
    if (record.signature !== '') {
      const publicKey = byId.get(record.key_id);
      return publicKey !== undefined && verify(null, Buffer.from(record.record_hash, 'hex'), publicKey, Buffer.from(record.signature, 'base64url'));
    }
    return !badBatches.some((batch) => sequence >= batch.first && sequence <= batch.last) && signedHashes.get(sequence) === record.record_hash;
  };
}

/**
 * Checks records in order, with the batches that sign them, against the log keys' public JWKs:
 * each record's place, its link to the record before (from `previousHash`), its hash, its
 * signature. Returns the first problem, or undefined.
 */
export function findChainProblem(records: readonly MessageLogRow[], batches: readonly MessageLogBatchRow[], publicKeys: readonly JWK[], previousHash: string): ChainProblem | undefined {
  const isSigned = signatureChecker(batches, publicKeys);
  let expectedPrevious = previousHash;
  let lastSequence: number | undefined;
  for (const record of records) {
    const sequence = Number(record.sequence);
    if (lastSequence !== undefined && sequence !== lastSequence + 1) return { sequence, problem: 'order' };
    if (record.previous_hash !== expectedPrevious) return { sequence, problem: 'chain' };
    if (hashRecord(record) !== record.record_hash) return { sequence, problem: 'hash' };
    if (!isSigned(record)) return { sequence, problem: 'signature' };
    expectedPrevious = record.record_hash;
    lastSequence = sequence;
  }
  return undefined;
}
