import type { Executor } from '../../../platform/db/database.ts';
import { selectNewestPage } from '../payments/newest-page.store.ts';

export type RefundStatus = 'submitted' | 'success' | 'error';

export type RefundRow = {
  id: string;
  payment_id: string;
  account_id: string;
  live: number;
  amount: number;
  status: RefundStatus;
  provider_id: string | null;
  /** `api`, or `team:KEY_ID` for a refund made on the team pages. */
  requested_by: string;
  created_at: string;
  updated_at: string;
  settled_at: string | null;
};

export type RefundSearchFilter = {
  accountId: string;
  live: boolean;
  fromDate?: string;
  toDate?: string;
  fromSettledDate?: string;
  toSettledDate?: string;
};

type RefundTables = { pay_refund: RefundRow };

export function createRefundStore() {
  const tables = (executor: Executor) => executor.withTables<RefundTables>();

  return {
    async insert(executor: Executor, row: RefundRow): Promise<void> {
      await tables(executor).insertInto('pay_refund').values(row).execute();
    },

    async find(executor: Executor, id: string): Promise<RefundRow | undefined> {
      return tables(executor).selectFrom('pay_refund').selectAll().where('id', '=', id).executeTakeFirst();
    },

    async listForPayment(executor: Executor, paymentId: string): Promise<RefundRow[]> {
      return tables(executor)
        .selectFrom('pay_refund')
        .selectAll()
        .where('payment_id', '=', paymentId)
        .orderBy('created_at')
        .orderBy('id')
        .execute();
    },

    /** Settles a submitted refund once: only the first caller gets the row back. */
    async finish(
      executor: Executor,
      change: { id: string; status: 'success' | 'error'; providerId: string | null; at: string; settledAt: string | null },
    ): Promise<RefundRow | undefined> {
      return tables(executor)
        .updateTable('pay_refund')
        .set({ status: change.status, provider_id: change.providerId, updated_at: change.at, settled_at: change.settledAt })
        .where('id', '=', change.id)
        .where('status', '=', 'submitted')
        .returningAll()
        .executeTakeFirst();
    },

    async search(
      executor: Executor,
      filter: RefundSearchFilter,
      page: { offset: number; limit: number },
    ): Promise<{ total: number; rows: RefundRow[] }> {
      const build = () => {
        let query = tables(executor)
          .selectFrom('pay_refund')
          .where('account_id', '=', filter.accountId)
          .where('live', '=', filter.live ? 1 : 0);
        if (filter.fromDate !== undefined) query = query.where('created_at', '>=', filter.fromDate);
        if (filter.toDate !== undefined) query = query.where('created_at', '<', filter.toDate);
        if (filter.fromSettledDate !== undefined) query = query.where('settled_at', '>=', filter.fromSettledDate);
        if (filter.toSettledDate !== undefined) query = query.where('settled_at', '<', filter.toSettledDate);
        return query;
      };
      return selectNewestPage<RefundRow>(build, page);
    },
  };
}

export type RefundStore = ReturnType<typeof createRefundStore>;
