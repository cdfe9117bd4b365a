import { createHash, sign, verify, createPublicKey } from 'node:crypto';
import type { JWK } from 'jose';
import type { Database } from '../../../platform/db/database.ts';
import type { GroupCommit } from '../../../platform/db/group-commit.ts';
import type { ExchangeKeys } from '../gateway/exchange-keys.ts';
import { createMessageLogStore, type MessageLogRow } from './message-log.store.ts';

/**
 * The message log: one record per call, allowed or refused, with identifiers, hashes and
 * outcome but never a body. Each record's hash covers the record before it (so editing,
 * removing or reordering one breaks the chain from there on), and the log key signs each hash
 * (so the chain cannot be rebuilt by whoever can write the database but lacks the key).
 */

export type MessageLogEntry = Omit<MessageLogRow, 'sequence' | 'recorded_at' | 'previous_hash' | 'record_hash' | 'key_id' | 'signature'>;

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

/** SHA-256 over the previous hash and the record's fields as a JSON array, hex. */
export function hashRecord(record: Pick<MessageLogRow, (typeof HASHED_FIELDS)[number] | 'previous_hash'>): string {
  const fields = HASHED_FIELDS.map((field) => record[field]);
  return createHash('sha256').update(`${record.previous_hash}\n${JSON.stringify(fields)}`).digest('hex');
}

/** `writes`: records that arrive together are chained and committed in one transaction. */
export function createMessageLog(dependencies: { db: Database; keys: ExchangeKeys; writes?: GroupCommit; clock?: () => Date }) {
  const { db, keys } = dependencies;
  const writes = dependencies.writes ?? { run: (work) => db.transaction().execute(work) };
  const clock = dependencies.clock ?? (() => new Date());
  return {
    async append(entry: MessageLogEntry): Promise<MessageLogRow> {
      const key = await keys.current('message-log');
      return writes.run(async (transaction) => {
        const store = createMessageLogStore(transaction);
        await store.lockChain();
        const last = await store.findLast();
        const unsigned = { ...entry, sequence: (last?.sequence ?? 0) + 1, recorded_at: clock().toISOString(), previous_hash: last?.record_hash ?? GENESIS_HASH };
        const recordHash = hashRecord(unsigned);
        const row: MessageLogRow = {
          ...unsigned,
          record_hash: recordHash,
          key_id: key.keyId,
          signature: sign(null, Buffer.from(recordHash, 'hex'), key.privateKey).toString('base64url'),
        };
        await store.insert(row);
        return row;
      });
    },
  };
}

export type MessageLog = ReturnType<typeof createMessageLog>;

export type ChainProblem = { sequence: number; problem: 'hash' | 'chain' | 'signature' | 'order' };

/**
 * Checks records in order against the log keys' public JWKs: each hash, each link to the record
 * before (from `previousHash`), each signature. Returns the first problem, or undefined.
 */
export function findChainProblem(records: readonly MessageLogRow[], publicKeys: readonly JWK[], previousHash: string, previousSequence?: number): ChainProblem | undefined {
  const byId = new Map(publicKeys.map((jwk) => [jwk.kid, createPublicKey({ key: jwk as never, format: 'jwk' })]));
  let expectedPrevious = previousHash;
  let lastSequence = previousSequence;
  for (const record of records) {
    if (lastSequence !== undefined && record.sequence !== lastSequence + 1) return { sequence: record.sequence, problem: 'order' };
    if (record.previous_hash !== expectedPrevious) return { sequence: record.sequence, problem: 'chain' };
    if (hashRecord(record) !== record.record_hash) return { sequence: record.sequence, problem: 'hash' };
    const publicKey = byId.get(record.key_id);
    if (!publicKey || !verify(null, Buffer.from(record.record_hash, 'hex'), publicKey, Buffer.from(record.signature, 'base64url'))) {
      return { sequence: record.sequence, problem: 'signature' };
    }
    expectedPrevious = record.record_hash;
    lastSequence = record.sequence;
  }
  return undefined;
}
