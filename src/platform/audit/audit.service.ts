import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import type { Database, Executor } from '../db/database.ts';
import type { AuditCheckpoint } from './audit-checkpoint.ts';
import { createAuditCheckpointer, type AuditCheckpointer } from './audit-checkpointer.ts';
import { computeAuditEventMac, GENESIS_HASH } from './audit-event-mac.ts';
import type { AuditKeyRing } from './audit-keys.ts';
import { verifyAuditTrail, type AuditVerification } from './audit-verify.ts';
import type { AuditEventRow, AuditSearch, AuditStore } from './audit.store.ts';

export type { AuditVerification } from './audit-verify.ts';

export type AuditOutcome = 'success' | 'failure' | 'denied';

export type AuditEvent = {
  /** Who acted: `user:ID`, `service:ID`, `operator:NAME`, `system`, or `anonymous`. */
  actor: string;
  /** What was done, as `module.thing.verb`, such as `identity.password.changed`. */
  action: string;
  /** What it was done to, such as `user:ID` or `notification:ID`. */
  subject: string;
  outcome: AuditOutcome;
  requestId?: string;
  /** Facts that explain the event. Never secrets, codes, passwords or card numbers. */
  details?: Record<string, string | number | boolean | null>;
};

export type RecordedAuditEvent = AuditEvent & { id: string; sequence: number; occurredAt: string };

const VERIFY_PAGE_SIZE = 1000;

function toRecordedEvent(row: AuditEventRow): RecordedAuditEvent {
  return {
    id: row.id,
    sequence: row.sequence,
    occurredAt: row.occurred_at,
    actor: row.actor,
    action: row.action,
    subject: row.subject,
    outcome: row.outcome as AuditOutcome,
    ...(row.request_id === null ? {} : { requestId: row.request_id }),
    details: JSON.parse(row.details) as RecordedAuditEvent['details'],
  };
}

/**
 * The append-only audit trail. Each event carries an HMAC, under a key kept out of the
 * database, of itself and the MAC of the event before it: so editing, deleting, reordering or
 * adding any event breaks the chain from that point on, and whoever can only write the database
 * cannot mend it. Signed checkpoints of the newest event, written outside the database, show
 * the newest events deleted. `verify` says where the trail breaks.
 */
export function createAuditService(dependencies: {
  db: Database;
  store: AuditStore;
  keys: AuditKeyRing;
  clock?: () => Date;
  /** Where checkpoints go: the log, and the file unless it is empty. None without this. */
  checkpoints?: { logger: Logger; file: string; intervalMs?: number };
  /** How many events `verify` reads at a time. */
  verifyPageSize?: number;
  /**
   * Told of each event once it is written (for the metrics). In a caller's transaction that is
   * before it commits, so an event rolled back afterwards has been told too.
   */
  onRecorded?(event: AuditEvent): void;
}) {
  const { db, store, keys } = dependencies;
  const clock = dependencies.clock ?? (() => new Date());
  const verifyPageSize = dependencies.verifyPageSize ?? VERIFY_PAGE_SIZE;
  const checkpointFile = dependencies.checkpoints?.file ?? '';
  const checkpointer: AuditCheckpointer | undefined =
    dependencies.checkpoints &&
    createAuditCheckpointer({ db, store, keys, clock, ...dependencies.checkpoints });

  async function append(transaction: Executor, event: AuditEvent): Promise<RecordedAuditEvent> {
    await store.lockChain(transaction);
    const last = await store.findLast(transaction);
    const unsigned = {
      sequence: (last?.sequence ?? 0) + 1,
      id: randomUUID(),
      occurred_at: clock().toISOString(),
      actor: event.actor,
      action: event.action,
      subject: event.subject,
      outcome: event.outcome,
      request_id: event.requestId ?? null,
      details: JSON.stringify(event.details ?? {}),
      previous_hash: last?.hash ?? GENESIS_HASH,
    };
    const row = { ...unsigned, key_id: keys.current.id, hash: computeAuditEventMac(unsigned, keys.current) };
    await store.insert(transaction, row);
    checkpointer?.noteRecorded();
    dependencies.onRecorded?.(event);
    return toRecordedEvent(row);
  }

  return {
    /**
     * Records an event. Pass the caller's transaction so the event is kept if, and only if,
     * the action it describes is. On PostgreSQL the chain stays locked until that transaction
     * ends, so record late in it; and keep it READ COMMITTED (the default): an older snapshot
     * would not see the event recorded just before, and the insert would fail.
     */
    async record(event: AuditEvent, executor: Executor = db): Promise<RecordedAuditEvent> {
      if (executor.isTransaction) return append(executor, event);
      return executor.transaction().execute((transaction) => append(transaction, event));
    },

    async listRecent(filter: { subject?: string; limit?: number } = {}): Promise<RecordedAuditEvent[]> {
      const rows = await store.listRecent(db, { subject: filter.subject, limit: filter.limit ?? 50 });
      return rows.map(toRecordedEvent);
    },

    /** A page of events matching the filters, newest first (see AuditStore's `search`). */
    async search(filter: Omit<AuditSearch, 'limit'> & { limit?: number }): Promise<RecordedAuditEvent[]> {
      const rows = await store.search(db, { ...filter, limit: filter.limit ?? 50 });
      return rows.map(toRecordedEvent);
    },

    /**
     * Checks the whole trail, and every checkpoint in AUDIT_CHECKPOINT_FILE and in
     * `checkpointFiles` (more checkpoint files, or log files), and names the first problem.
     */
    async verify(options: { checkpointFiles?: readonly string[] } = {}): Promise<AuditVerification> {
      const checkpointFiles = [...(checkpointFile === '' ? [] : [checkpointFile]), ...(options.checkpointFiles ?? [])];
      return verifyAuditTrail({ db, store, keys, checkpointFiles, pageSize: verifyPageSize });
    },

    /** Writes a checkpoint of the newest event now, if it moved since this process wrote one. */
    async checkpoint(): Promise<AuditCheckpoint | undefined> {
      return checkpointer?.checkpoint();
    },

    /** Stops the checkpoint timer, and checkpoints what this process recorded since the last one. */
    async close(): Promise<void> {
      await checkpointer?.close();
    },
  };
}

export type AuditService = ReturnType<typeof createAuditService>;
