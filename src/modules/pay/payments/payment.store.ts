import { sql, type ExpressionBuilder, type SelectQueryBuilder } from 'kysely';
import type { DatabaseKind, Executor } from '../../../platform/db/database.ts';
import { createCompiledQueryCache } from './compiled-query.store.ts';
import type { PaymentStatus } from './payment-state.ts';

export type PaymentRow = {
  id: string;
  account_id: string;
  live: number;
  provider: string;
  provider_id: string | null;
  amount: number;
  reference: string;
  description: string;
  language: string;
  email: string | null;
  return_url: string;
  delayed_capture: number;
  moto: number;
  /**
   * `web` (the payment pages), `moto_api` (card details sent to `POST /v1/auth`) or `agreement`
   * (authorised without the paying user, with the card an agreement keeps).
   */
  authorisation_mode: 'web' | 'moto_api' | 'agreement';
  /** The agreement this payment sets up (`save_to_agreement` 1) or was authorised with. */
  agreement_id: string | null;
  /** 1 for a payment made with `set_up_agreement`: its card is kept for the agreement once it succeeds. */
  save_to_agreement: number;
  /** `instalment`, `recurring` or `unscheduled` for agreement payments (Pay's default `recurring`). */
  agreement_payment_type: string | null;
  /** For a declined agreement payment: 1 if another may be tried with the agreement, 0 if not. */
  can_retry: number | null;
  /** 1 once a dispute was opened on it: it can no longer be refunded. */
  disputed: number;
  /** JSON object text, or null. */
  metadata: string | null;
  status: PaymentStatus;
  failure_code: string | null;
  cardholder_name: string | null;
  /** JSON text of the billing address, or null. */
  billing_address: string | null;
  card_first_digits: string | null;
  card_last_digits: string | null;
  card_brand: string | null;
  card_type: string | null;
  /** MM/YY */
  card_expiry: string | null;
  three_d_secure_required: number;
  /** Refunds submitted or succeeded: what is no longer available to refund. */
  refund_amount_submitted: number;
  /** Refunds that succeeded. */
  refund_amount_refunded: number;
  capture_submitted_at: string | null;
  captured_at: string | null;
  settled_at: string | null;
  expires_at: string;
  created_at: string;
  updated_at: string;
};

export type PaymentSearchFilter = {
  accountId: string;
  live: boolean;
  reference?: string;
  email?: string;
  statuses?: readonly PaymentStatus[];
  cardBrand?: string;
  /** Created at or after. */
  fromDate?: string;
  /** Created before. */
  toDate?: string;
  cardholderName?: string;
  firstDigits?: string;
  lastDigits?: string;
  fromSettledDate?: string;
  toSettledDate?: string;
  agreementId?: string;
};

type PaymentTables = { pay_payment: PaymentRow };

/** `%` and `_` match themselves; the rest of the text is matched anywhere, ignoring case. */
function containsPattern(text: string): string {
  return `%${text.toLowerCase().replace(/[\\%_]/g, (character) => `\\${character}`)}%`;
}

export function createPaymentStore(kind: DatabaseKind) {
  const tables = (executor: Executor) => executor.withTables<PaymentTables>();
  const compiled = createCompiledQueryCache();

  function applyFilter<O>(
    query: SelectQueryBuilder<PaymentTables, 'pay_payment', O>,
    filter: PaymentSearchFilter,
  ): SelectQueryBuilder<PaymentTables, 'pay_payment', O> {
    let filtered = query.where('account_id', '=', filter.accountId).where('live', '=', filter.live ? 1 : 0);
    if (filter.reference !== undefined) filtered = filtered.where('reference', '=', filter.reference);
    if (filter.statuses !== undefined) filtered = filtered.where('status', 'in', [...filter.statuses]);
    if (filter.cardBrand !== undefined) filtered = filtered.where('card_brand', '=', filter.cardBrand);
    if (filter.fromDate !== undefined) filtered = filtered.where('created_at', '>=', filter.fromDate);
    if (filter.toDate !== undefined) filtered = filtered.where('created_at', '<', filter.toDate);
    if (filter.firstDigits !== undefined) filtered = filtered.where('card_first_digits', '=', filter.firstDigits);
    if (filter.lastDigits !== undefined) filtered = filtered.where('card_last_digits', '=', filter.lastDigits);
    if (filter.fromSettledDate !== undefined) filtered = filtered.where('settled_at', '>=', filter.fromSettledDate);
    if (filter.toSettledDate !== undefined) filtered = filtered.where('settled_at', '<', filter.toSettledDate);
    if (filter.agreementId !== undefined) filtered = filtered.where('agreement_id', '=', filter.agreementId);
    const contains = (column: 'email' | 'cardholder_name', text: string) =>
      (where: ExpressionBuilder<PaymentTables, 'pay_payment'>) =>
        where(sql`lower(${sql.ref(column)})`, 'like', sql`${containsPattern(text)} escape '\\'`);
    if (filter.email !== undefined) filtered = filtered.where(contains('email', filter.email));
    if (filter.cardholderName !== undefined) filtered = filtered.where(contains('cardholder_name', filter.cardholderName));
    return filtered;
  }

  return {
    async insert(executor: Executor, row: PaymentRow): Promise<void> {
      const columns = Object.keys(row) as Array<keyof PaymentRow>;
      await compiled.run(executor, {
        key: `insert:${columns.join(',')}`,
        parameters: columns.map((column) => row[column]),
        build: () => tables(executor).insertInto('pay_payment').values(row),
      });
    },

    async find(executor: Executor, id: string): Promise<PaymentRow | undefined> {
      return tables(executor).selectFrom('pay_payment').selectAll().where('id', '=', id).executeTakeFirst();
    },

    /** Reads a payment and, on PostgreSQL, locks it until the transaction ends. */
    async findForUpdate(executor: Executor, id: string): Promise<PaymentRow | undefined> {
      let query = tables(executor).selectFrom('pay_payment').selectAll().where('id', '=', id);
      if (kind === 'postgres') query = query.forUpdate();
      return query.executeTakeFirst();
    },

    /**
     * Moves a payment on, only if it is still in one of the `from` states: of two requests that
     * race for the same step, exactly one gets the updated row back; the other gets undefined.
     */
    async transition(
      executor: Executor,
      change: { id: string; from: readonly PaymentStatus[]; set: Partial<PaymentRow> & { status: PaymentStatus; updated_at: string } },
    ): Promise<PaymentRow | undefined> {
      return tables(executor)
        .updateTable('pay_payment')
        .set(change.set)
        .where('id', '=', change.id)
        .where('status', 'in', [...change.from])
        .returningAll()
        .executeTakeFirst();
    },

    async update(executor: Executor, change: { id: string; set: Partial<PaymentRow> & { updated_at: string } }): Promise<PaymentRow | undefined> {
      return tables(executor)
        .updateTable('pay_payment')
        .set(change.set)
        .where('id', '=', change.id)
        .returningAll()
        .executeTakeFirst();
    },

    /**
     * Sets `amount` aside for a refund in one statement, only if the payment succeeded and that
     * much is still available (and, when given, exactly `expectedAvailable` is): two refunds
     * racing each other can never take more than the payment's amount.
     */
    async reserveRefund(
      executor: Executor,
      reserve: { id: string; amount: number; expectedAvailable?: number; at: string },
    ): Promise<PaymentRow | undefined> {
      let query = tables(executor)
        .updateTable('pay_payment')
        .set((update) => ({
          refund_amount_submitted: update('refund_amount_submitted', '+', reserve.amount),
          updated_at: reserve.at,
        }))
        .where('id', '=', reserve.id)
        .where('status', '=', 'success')
        .where('disputed', '=', 0)
        .where((where) => where(where('amount', '-', where.ref('refund_amount_submitted')), '>=', reserve.amount));
      if (reserve.expectedAvailable !== undefined) {
        const expected = reserve.expectedAvailable;
        query = query.where((where) => where(where('amount', '-', where.ref('refund_amount_submitted')), '=', expected));
      }
      return query.returningAll().executeTakeFirst();
    },

    /** A refund failed: its amount is available again. */
    async releaseRefund(executor: Executor, release: { id: string; amount: number; at: string }): Promise<void> {
      await tables(executor)
        .updateTable('pay_payment')
        .set((update) => ({
          refund_amount_submitted: update('refund_amount_submitted', '-', release.amount),
          updated_at: release.at,
        }))
        .where('id', '=', release.id)
        .execute();
    },

    /** Records that the provider took the money, once: only the first caller gets the row back. */
    async markCaptured(executor: Executor, capture: { id: string; at: string; settledAt: string | null }): Promise<PaymentRow | undefined> {
      return tables(executor)
        .updateTable('pay_payment')
        .set({ captured_at: capture.at, settled_at: capture.settledAt, updated_at: capture.at })
        .where('id', '=', capture.id)
        .where('status', '=', 'success')
        .where('captured_at', 'is', null)
        .returningAll()
        .executeTakeFirst();
    },

    async markDisputed(executor: Executor, disputed: { id: string; at: string }): Promise<void> {
      await tables(executor).updateTable('pay_payment').set({ disputed: 1, updated_at: disputed.at }).where('id', '=', disputed.id).execute();
    },

    async addRefunded(executor: Executor, refunded: { id: string; amount: number; at: string }): Promise<PaymentRow | undefined> {
      return tables(executor)
        .updateTable('pay_payment')
        .set((update) => ({
          refund_amount_refunded: update('refund_amount_refunded', '+', refunded.amount),
          updated_at: refunded.at,
        }))
        .where('id', '=', refunded.id)
        .returningAll()
        .executeTakeFirst();
    },

    async search(
      executor: Executor,
      filter: PaymentSearchFilter,
      page: { offset: number; limit: number },
    ): Promise<{ total: number; rows: PaymentRow[] }> {
      const db = tables(executor);
      const { total } = await applyFilter(db.selectFrom('pay_payment'), filter)
        .select((select) => select.fn.countAll<number>().as('total'))
        .executeTakeFirstOrThrow();
      const rows =
        Number(total) === 0
          ? []
          : await applyFilter(db.selectFrom('pay_payment').selectAll(), filter)
              .orderBy('created_at', 'desc')
              .orderBy('id', 'desc')
              .offset(page.offset)
              .limit(page.limit)
              .execute();
      return { total: Number(total), rows };
    },

    /** Ids of payments past their expiry time that have not finished. */
    async listExpired(
      executor: Executor,
      query: { statuses: readonly PaymentStatus[]; now: string; limit: number },
    ): Promise<string[]> {
      const rows = await tables(executor)
        .selectFrom('pay_payment')
        .select('id')
        .where('status', 'in', [...query.statuses])
        .where('expires_at', '<=', query.now)
        .orderBy('expires_at')
        .limit(query.limit)
        .execute();
      return rows.map((row) => row.id);
    },
  };
}

export type PaymentStore = ReturnType<typeof createPaymentStore>;
