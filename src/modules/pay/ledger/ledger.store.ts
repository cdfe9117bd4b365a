import { sql } from 'kysely';
import type { Executor } from '../../../platform/db/database.ts';
import { createCompiledQueryCache } from '../payments/compiled-query.store.ts';

export type LedgerEntryRow = {
  payment_id: string;
  /** 1 for a payment's first entry, then 2, 3...: the order of its changes. */
  sequence: number;
  refund_id: string | null;
  account_id: string;
  live: number;
  /** What happened, such as `created`, `captured` or `refund_succeeded`. */
  event_type: string;
  /** The payment's API status after this entry, for entries that change it; else null. */
  status: string | null;
  code: string | null;
  /** Money that moved, in pence: + when a payment is captured, - when a refund succeeds, else 0. */
  amount: number;
  occurred_at: string;
};

export type LedgerReportRow = {
  event_type: string;
  payment_id: string;
  refund_id: string | null;
  live: number;
  amount: number;
  occurred_at: string;
  reference: string;
  payment_amount: number;
  refund_amount: number | null;
  refund_status: string | null;
};

type LedgerTables = {
  pay_ledger_entry: LedgerEntryRow;
  pay_payment: { id: string; reference: string; amount: number };
  pay_refund: { id: string; amount: number; status: string };
};

export function createLedgerStore() {
  const tables = (executor: Executor) => executor.withTables<LedgerTables>();
  const compiled = createCompiledQueryCache();

  return {
    /**
     * Appends an entry, numbered after the payment's last one. Callers change the payment's row
     * first in the same transaction, which holds it locked, so two entries never get one number
     * (and a unique index makes sure).
     */
    async insert(executor: Executor, row: Omit<LedgerEntryRow, 'sequence'> & { sequence?: number }): Promise<void> {
      if (row.sequence !== undefined) {
        const values = { ...row, sequence: row.sequence };
        const columns = Object.keys(values) as Array<keyof LedgerEntryRow>;
        await compiled.run(executor, {
          key: `insert:${columns.join(',')}`,
          parameters: columns.map((column) => values[column]),
          build: () => tables(executor).insertInto('pay_ledger_entry').values(values),
        });
        return;
      }
      await tables(executor)
        .insertInto('pay_ledger_entry')
        .values((values) => ({
          ...row,
          sequence: values
            .selectFrom('pay_ledger_entry')
            .select(sql<number>`coalesce(max(sequence), 0) + 1`.as('next'))
            .where('payment_id', '=', row.payment_id),
        }))
        .execute();
    },

    async listForPayment(executor: Executor, paymentId: string): Promise<LedgerEntryRow[]> {
      return tables(executor)
        .selectFrom('pay_ledger_entry')
        .selectAll()
        .where('payment_id', '=', paymentId)
        .orderBy('sequence')
        .execute();
    },

    /** The entries that moved money for an account in [from, to), with their payment and refund. */
    async listMoneyMovements(
      executor: Executor,
      query: { accountId: string; from: string; to: string },
    ): Promise<LedgerReportRow[]> {
      return tables(executor)
        .selectFrom('pay_ledger_entry')
        .innerJoin('pay_payment', 'pay_payment.id', 'pay_ledger_entry.payment_id')
        .leftJoin('pay_refund', 'pay_refund.id', 'pay_ledger_entry.refund_id')
        .select([
          'pay_ledger_entry.event_type',
          'pay_ledger_entry.payment_id',
          'pay_ledger_entry.refund_id',
          'pay_ledger_entry.live',
          'pay_ledger_entry.amount',
          'pay_ledger_entry.occurred_at',
          'pay_payment.reference',
          'pay_payment.amount as payment_amount',
          'pay_refund.amount as refund_amount',
          'pay_refund.status as refund_status',
        ])
        .where('pay_ledger_entry.account_id', '=', query.accountId)
        .where('pay_ledger_entry.occurred_at', '>=', query.from)
        .where('pay_ledger_entry.occurred_at', '<', query.to)
        .where('pay_ledger_entry.amount', '<>', 0)
        .orderBy('pay_ledger_entry.occurred_at')
        .orderBy('pay_ledger_entry.payment_id')
        .orderBy('pay_ledger_entry.sequence')
        .execute();
    },

    /** The sum of every entry's money for an account in [from, to), by mode. */
    async sumMoney(
      executor: Executor,
      query: { accountId: string; from: string; to: string },
    ): Promise<Array<{ live: number; total: number }>> {
      const rows = await tables(executor)
        .selectFrom('pay_ledger_entry')
        .select((select) => ['live', select.fn.sum<number>('amount').as('total')])
        .where('account_id', '=', query.accountId)
        .where('occurred_at', '>=', query.from)
        .where('occurred_at', '<', query.to)
        .groupBy('live')
        .execute();
      return rows.map((row) => ({ live: Number(row.live), total: Number(row.total ?? 0) }));
    },
  };
}

export type LedgerStore = ReturnType<typeof createLedgerStore>;
