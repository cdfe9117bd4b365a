import { createHash, randomUUID } from 'node:crypto';
import type { Database, Executor } from '../db/database.ts';
import type { AuditEventRow, AuditStore } from './audit.store.ts';

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

export type AuditVerification =
  | { intact: true; eventCount: number }
  | { intact: false; eventCount: number; sequence: number; id: string; reason: string };

/** The `previous_hash` of the first event, which has no event before it. */
const GENESIS_HASH = '0'.repeat(64);
const VERIFY_PAGE_SIZE = 1000;

/**
 * The hash an event carries: SHA-256 over every other column, the previous event's hash
 * included. Anyone can compute it (there is no key), so it proves order and integrity only
 * together with the chain: see `verify`.
 */
export function computeAuditEventHash(row: Omit<AuditEventRow, 'hash'>): string {
  // An array fixes the field order, so the hash never depends on how an object was built.
  const canonical = JSON.stringify([
    row.sequence,
    row.id,
    row.occurred_at,
    row.actor,
    row.action,
    row.subject,
    row.outcome,
    row.request_id,
    row.details,
    row.previous_hash,
  ]);
  return createHash('sha256').update(canonical).digest('hex');
}

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
 * The append-only audit trail. Each event carries the hash of the one before it, so editing,
 * deleting or reordering any event breaks the chain from that point on, and `verify` says where.
 */
export function createAuditService(dependencies: {
  db: Database;
  store: AuditStore;
  clock?: () => Date;
  /** How many events `verify` reads at a time. */
  verifyPageSize?: number;
}) {
  const { db, store } = dependencies;
  const clock = dependencies.clock ?? (() => new Date());
  const verifyPageSize = dependencies.verifyPageSize ?? VERIFY_PAGE_SIZE;

  async function append(transaction: Executor, event: AuditEvent): Promise<RecordedAuditEvent> {
    await store.lockChain(transaction);
    const last = await store.findLast(transaction);
    const unhashed = {
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
    const row = { ...unhashed, hash: computeAuditEventHash(unhashed) };
    await store.insert(transaction, row);
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

    /**
     * Walks the whole trail, oldest first, and names the first event that breaks the chain.
     * It cannot see the newest events being deleted: nothing after them is left to break.
     */
    async verify(): Promise<AuditVerification> {
      let previous = { sequence: 0, hash: GENESIS_HASH };
      let eventCount = 0;
      // The first page has no lower bound, so an event slipped in before the first one is seen.
      let after: number | undefined;
      for (;;) {
        const page = await store.listAfter(db, after, verifyPageSize);
        for (const row of page) {
          const broken = (reason: string): AuditVerification => ({
            intact: false,
            eventCount,
            sequence: row.sequence,
            id: row.id,
            reason,
          });
          const expected = previous.sequence + 1;
          if (row.sequence < expected) {
            return broken(`its sequence number ${row.sequence} comes before the first event`);
          }
          if (row.sequence > expected) {
            return broken(
              row.sequence === expected + 1
                ? `event ${expected} is missing before it`
                : `events ${expected} to ${row.sequence - 1} are missing before it`,
            );
          }
          if (row.previous_hash !== previous.hash) {
            return broken('it does not follow the event before it');
          }
          const { hash, ...unhashed } = row;
          if (computeAuditEventHash(unhashed) !== hash) return broken('its contents were changed');
          previous = { sequence: row.sequence, hash };
          eventCount += 1;
        }
        if (page.length < verifyPageSize) return { intact: true, eventCount };
        after = previous.sequence;
      }
    },
  };
}

export type AuditService = ReturnType<typeof createAuditService>;
