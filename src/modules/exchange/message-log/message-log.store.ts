import type { ExpressionBuilder } from 'kysely';
import type { Executor } from '../../../platform/db/database.ts';
import { lockUntilTransactionEnds } from '../../../platform/db/transaction-lock.ts';

export type MessageLogRow = {
  sequence: number;
  x_road_id: string;
  client: string | null;
  /** 1: the client's signature verified (not a replay); 0: `client` is only what the caller claimed; null: recorded before this was kept. */
  client_proved: number | null;
  service: string | null;
  endpoint: string | null;
  user_id: string | null;
  issue: string | null;
  request_hash: string | null;
  response_hash: string | null;
  status_code: number;
  error_type: string | null;
  agreement_id: string | null;
  consent_id: string | null;
  started_at: string;
  recorded_at: string;
  previous_hash: string;
  record_hash: string;
  key_id: string;
  signature: string;
};

/** One signature over the records written together: `record_hashes` are theirs, comma-separated, in order. */
export type MessageLogBatchRow = { first_sequence: number; last_sequence: number; record_hashes: string; key_id: string; signature: string; signed_at: string };

type Tables = { exchange_message_log: MessageLogRow; exchange_message_log_batch: MessageLogBatchRow };

const CHAIN_LOCK = 7_414_401;

/**
 * Calls whose client proved who it was. Anyone can name any client and any person in a call that
 * fails its signature, so such a call says nothing of who asked for a person's data. Records from
 * before `client_proved` was kept count as proved unless refused with a Client.* error.
 */
const byProvedClient = (eb: ExpressionBuilder<Tables, 'exchange_message_log'>) =>
  eb.or([eb('client_proved', '=', 1), eb.and([eb('client_proved', 'is', null), eb.or([eb('error_type', 'is', null), eb('error_type', 'not like', 'Client.%')])])]);

export function createMessageLogStore(db: Executor) {
  const tables = db.withTables<Tables>();
  return {
    /** Until the transaction ends, no other process appends: each record follows the one before. */
    lockChain: () => lockUntilTransactionEnds(db, CHAIN_LOCK),
    findLast: () => tables.selectFrom('exchange_message_log').select(['sequence', 'record_hash']).orderBy('sequence', 'desc').limit(1).executeTakeFirst(),
    async insert(rows: readonly MessageLogRow[]): Promise<void> {
      if (rows.length > 0) await tables.insertInto('exchange_message_log').values([...rows]).execute();
    },
    async insertBatch(row: MessageLogBatchRow): Promise<void> {
      await tables.insertInto('exchange_message_log_batch').values(row).execute();
    },
    /** The batches that sign any record from `first` to `last`, in order, from `afterSequence` on. */
    listBatchesCovering: (range: { first: number; last: number; afterSequence: number; limit: number }) =>
      tables
        .selectFrom('exchange_message_log_batch')
        .selectAll()
        .where('last_sequence', '>=', range.first)
        .where('first_sequence', '<=', range.last)
        .where('last_sequence', '>', range.afterSequence)
        .orderBy('last_sequence')
        .limit(range.limit)
        .execute(),
    /** Records in order of sequence, from `afterSequence` on, recorded in [from, to). */
    listPage: (range: { from: string; to: string; afterSequence: number; limit: number }) =>
      tables
        .selectFrom('exchange_message_log')
        .selectAll()
        .where('recorded_at', '>=', range.from)
        .where('recorded_at', '<', range.to)
        .where('sequence', '>', range.afterSequence)
        .orderBy('sequence')
        .limit(range.limit)
        .execute(),
    /** The newest calls by a proved client that named this person in X-Road-UserId, newest first. */
    listForPerson: (userId: string, limit: number) =>
      tables.selectFrom('exchange_message_log').selectAll().where('user_id', '=', userId).where(byProvedClient).orderBy('recorded_at', 'desc').orderBy('sequence', 'desc').limit(limit).execute(),
    /** A page of the calls by proved clients that named any of these people in X-Road-UserId, newest first. */
    listForPeople: (userIds: readonly string[], page: { limit: number; offset: number }) =>
      userIds.length === 0
        ? Promise.resolve([] as MessageLogRow[])
        : tables.selectFrom('exchange_message_log').selectAll().where('user_id', 'in', userIds).where(byProvedClient).orderBy('recorded_at', 'desc').orderBy('sequence', 'desc').limit(page.limit).offset(page.offset).execute(),
    findBySequence: (sequence: number) => tables.selectFrom('exchange_message_log').selectAll().where('sequence', '=', sequence).executeTakeFirst(),
  };
}
