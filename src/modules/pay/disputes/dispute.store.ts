import type { Executor } from '../../../platform/db/database.ts';
import { selectNewestPage } from '../payments/newest-page.store.ts';

/** GOV.UK Pay's dispute statuses. */
export const DISPUTE_STATUSES = ['needs_response', 'under_review', 'won', 'lost'] as const;
export type DisputeStatus = (typeof DISPUTE_STATUSES)[number];

export type DisputeRow = {
  id: string;
  payment_id: string;
  account_id: string;
  live: number;
  amount: number;
  /** The provider's dispute fee, known once lost. */
  fee: number | null;
  /** What the service's payout loses: -(amount + fee) once lost. */
  net_amount: number | null;
  reason: string;
  status: DisputeStatus;
  evidence_due_date: string;
  created_at: string;
  updated_at: string;
  settled_at: string | null;
};

export type DisputeSearchFilter = {
  accountId: string;
  live: boolean;
  status?: DisputeStatus;
  fromDate?: string;
  toDate?: string;
  fromSettledDate?: string;
  toSettledDate?: string;
};

type DisputeTables = { pay_dispute: DisputeRow };

export function createDisputeStore() {
  const tables = (executor: Executor) => executor.withTables<DisputeTables>();

  return {
    async insert(executor: Executor, row: DisputeRow): Promise<void> {
      await tables(executor).insertInto('pay_dispute').values(row).execute();
    },

    async find(executor: Executor, id: string): Promise<DisputeRow | undefined> {
      return tables(executor).selectFrom('pay_dispute').selectAll().where('id', '=', id).executeTakeFirst();
    },

    /** Closes an open dispute; undefined when it was already closed (a job run twice). */
    async close(
      executor: Executor,
      change: { id: string; status: 'won' | 'lost'; fee: number | null; netAmount: number | null; at: string; settledAt: string | null },
    ): Promise<DisputeRow | undefined> {
      return tables(executor)
        .updateTable('pay_dispute')
        .set({ status: change.status, fee: change.fee, net_amount: change.netAmount, updated_at: change.at, settled_at: change.settledAt })
        .where('id', '=', change.id)
        .where('status', 'in', ['needs_response', 'under_review'])
        .returningAll()
        .executeTakeFirst();
    },

    async search(
      executor: Executor,
      filter: DisputeSearchFilter,
      page: { offset: number; limit: number },
    ): Promise<{ total: number; rows: DisputeRow[] }> {
      const build = () => {
        let query = tables(executor)
          .selectFrom('pay_dispute')
          .where('account_id', '=', filter.accountId)
          .where('live', '=', filter.live ? 1 : 0);
        if (filter.status !== undefined) query = query.where('status', '=', filter.status);
        if (filter.fromDate !== undefined) query = query.where('created_at', '>=', filter.fromDate);
        if (filter.toDate !== undefined) query = query.where('created_at', '<', filter.toDate);
        if (filter.fromSettledDate !== undefined) query = query.where('settled_at', '>=', filter.fromSettledDate);
        if (filter.toSettledDate !== undefined) query = query.where('settled_at', '<', filter.toSettledDate);
        return query;
      };
      return selectNewestPage<DisputeRow>(build, page);
    },
  };
}

export type DisputeStore = ReturnType<typeof createDisputeStore>;
