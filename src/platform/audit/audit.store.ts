import { sql } from 'kysely';
import type { Executor } from '../db/database.ts';
import { lockUntilTransactionEnds } from '../db/transaction-lock.ts';

export type AuditEventRow = {
  sequence: number;
  id: string;
  occurred_at: string;
  actor: string;
  action: string;
  subject: string;
  outcome: string;
  request_id: string | null;
  details: string;
  previous_hash: string;
  /** The event's HMAC under the key `key_id` names; SHA-256 for the unkeyed events of an old trail. */
  hash: string;
  /** Null only for events recorded before the trail was keyed. */
  key_id: string | null;
};

type AuditTables = { audit_event: AuditEventRow };

// Any constant works; it only has to differ from other advisory locks Civitas takes.
const AUDIT_CHAIN_LOCK = 7_414_001;

export function createAuditStore() {
  const tables = (executor: Executor) => executor.withTables<AuditTables>();

  return {
    /** Serialises appends to the chain until the transaction ends. */
    async lockChain(transaction: Executor): Promise<void> {
      await lockUntilTransactionEnds(transaction, AUDIT_CHAIN_LOCK);
    },

    async findLast(executor: Executor): Promise<Pick<AuditEventRow, 'sequence' | 'hash'> | undefined> {
      return tables(executor)
        .selectFrom('audit_event')
        .select(['sequence', 'hash'])
        .orderBy('sequence', 'desc')
        .limit(1)
        .executeTakeFirst();
    },

    /** The newest event, and the id of the first, which names the trail in its checkpoints. */
    async findHead(executor: Executor): Promise<{ firstId: string; newest: AuditEventRow } | undefined> {
      const first = await tables(executor)
        .selectFrom('audit_event')
        .select('id')
        .orderBy('sequence', 'asc')
        .limit(1)
        .executeTakeFirst();
      const newest = await tables(executor)
        .selectFrom('audit_event')
        .selectAll()
        .orderBy('sequence', 'desc')
        .limit(1)
        .executeTakeFirst();
      return first && newest ? { firstId: first.id, newest } : undefined;
    },

    async insert(executor: Executor, row: AuditEventRow): Promise<void> {
      await tables(executor).insertInto('audit_event').values(row).execute();
    },

    /**
     * Events in chain order after `sequence` (from the very first row when undefined), a page at
     * a time, so verifying a long trail stays in bounded memory.
     */
    async listAfter(executor: Executor, sequence: number | undefined, limit: number): Promise<AuditEventRow[]> {
      let query = tables(executor).selectFrom('audit_event').selectAll();
      if (sequence !== undefined) query = query.where('sequence', '>', sequence);
      return query.orderBy('sequence', 'asc').limit(limit).execute();
    },

    async listRecent(
      executor: Executor,
      filter: { subject?: string; limit: number },
    ): Promise<AuditEventRow[]> {
      let query = tables(executor).selectFrom('audit_event').selectAll();
      if (filter.subject !== undefined) query = query.where('subject', '=', filter.subject);
      return query.orderBy('sequence', 'desc').limit(filter.limit).execute();
    },

    /**
     * A page of events, newest first, matching every filter given: `action` is an action or the
     * start of one (`console` finds `console.member.removed`); `from` and `to` are ISO times.
     * Pages follow the sequence: `before` the last of this page, or `after` the first.
     */
    async search(executor: Executor, filter: AuditSearch): Promise<AuditEventRow[]> {
      let query = tables(executor).selectFrom('audit_event').selectAll();
      if (filter.actor !== undefined) query = query.where('actor', '=', filter.actor);
      if (filter.action !== undefined) {
        const prefix = `${filter.action}.`;
        // substr, not LIKE: no wildcard in what was typed, and the same case-sensitive test in SQLite and PostgreSQL.
        query = query.where((where) => where.or([where('action', '=', filter.action as string), sql<boolean>`substr(action, 1, ${sql.lit(prefix.length)}) = ${prefix}`]));
      }
      if (filter.from !== undefined) query = query.where('occurred_at', '>=', filter.from);
      if (filter.to !== undefined) query = query.where('occurred_at', '<', filter.to);
      if (filter.after !== undefined) {
        const rows = await query.where('sequence', '>', filter.after).orderBy('sequence', 'asc').limit(filter.limit).execute();
        return rows.reverse();
      }
      if (filter.before !== undefined) query = query.where('sequence', '<', filter.before);
      return query.orderBy('sequence', 'desc').limit(filter.limit).execute();
    },
  };
}

export type AuditSearch = { actor?: string; action?: string; from?: string; to?: string; before?: number; after?: number; limit: number };

export type AuditStore = ReturnType<typeof createAuditStore>;
