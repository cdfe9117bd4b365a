import { sql } from 'kysely';
import type { DatabaseKind, Executor } from '../../../platform/db/database.ts';
import type { SecretBoxes } from '../../../platform/secrets/secret-box.ts';
import { selectNewestPage } from '../payments/newest-page.store.ts';

/** GOV.UK Pay's agreement statuses (pay-java-commons `AgreementStatus`), in its order. */
export const AGREEMENT_STATUSES = ['created', 'active', 'inactive', 'cancelled'] as const;
export type AgreementStatus = (typeof AGREEMENT_STATUSES)[number];

/** A payment instrument's statuses, as Pay's connector keeps them. */
export type PaymentInstrumentStatus = 'created' | 'active' | 'inactive' | 'cancelled';

export type AgreementRow = {
  id: string;
  account_id: string;
  live: number;
  reference: string;
  description: string;
  user_identifier: string | null;
  status: AgreementStatus;
  /** The card the agreement takes payments with: set when it is set up, kept when it ends. */
  payment_instrument_id: string | null;
  created_at: string;
  updated_at: string;
  /** While `cancelled`: when. Cleared when the agreement is set up again, as Pay's ledger does. */
  cancelled_at: string | null;
};

/** The card details a payment instrument keeps: what Pay shows of a card, never its number. */
export type CardColumns = {
  card_first_digits: string | null;
  card_last_digits: string | null;
  card_brand: string | null;
  card_type: string | null;
  card_expiry: string | null;
  cardholder_name: string | null;
  billing_address: string | null;
};

export type PaymentInstrumentRow = CardColumns & {
  id: string;
  agreement_id: string;
  /** The payment that saved the card. */
  payment_id: string;
  status: PaymentInstrumentStatus;
  provider: string;
  /** The provider's token for the card: in clear here, sealed in the database. */
  token: string;
  created_at: string;
  updated_at: string;
};

export type AgreementSearchFilter = {
  accountId: string;
  live: boolean;
  reference?: string;
  status?: AgreementStatus;
};

type AgreementTables = { pay_agreement: AgreementRow; pay_payment_instrument: PaymentInstrumentRow };

/** The purpose of the secret box that seals the providers' card tokens. */
const RECURRING_TOKEN_PURPOSE = 'pay-recurring-token';

export function createAgreementStore(dependencies: { kind: DatabaseKind; secrets: SecretBoxes }) {
  const { kind } = dependencies;
  const tables = (executor: Executor) => executor.withTables<AgreementTables>();
  const box = dependencies.secrets.forPurpose(RECURRING_TOKEN_PURPOSE);
  const openToken = (row: PaymentInstrumentRow): PaymentInstrumentRow => ({ ...row, token: box.open(row.token) });

  return {
    async insertAgreement(executor: Executor, row: AgreementRow): Promise<void> {
      await tables(executor).insertInto('pay_agreement').values(row).execute();
    },

    async findAgreement(executor: Executor, id: string): Promise<AgreementRow | undefined> {
      return tables(executor).selectFrom('pay_agreement').selectAll().where('id', '=', id).executeTakeFirst();
    },

    /**
     * Reads an agreement and, on PostgreSQL, locks it until the transaction ends, so a
     * cancellation and a payment's authorisation never both act on what the other has changed.
     * (SQLite runs one write transaction at a time.)
     */
    async findAgreementForUpdate(executor: Executor, id: string): Promise<AgreementRow | undefined> {
      let query = tables(executor).selectFrom('pay_agreement').selectAll().where('id', '=', id);
      if (kind === 'postgres') query = query.forUpdate();
      return query.executeTakeFirst();
    },

    async searchAgreements(
      executor: Executor,
      filter: AgreementSearchFilter,
      page: { offset: number; limit: number },
    ): Promise<{ total: number; rows: AgreementRow[] }> {
      const build = () => {
        let query = tables(executor)
          .selectFrom('pay_agreement')
          .where('account_id', '=', filter.accountId)
          .where('live', '=', filter.live ? 1 : 0);
        if (filter.status !== undefined) query = query.where('status', '=', filter.status);
        // Pay's ledger matches the reference exactly, ignoring case.
        if (filter.reference !== undefined) {
          const reference = filter.reference;
          query = query.where((where) => where(sql`lower(${sql.ref('reference')})`, '=', reference.toLowerCase()));
        }
        return query;
      };
      return selectNewestPage<AgreementRow>(build, page);
    },

    /** Cancels an active agreement and its card; undefined if it was not active (cancelled, inactive or never set up). */
    async cancelAgreement(executor: Executor, cancel: { id: string; at: string }): Promise<AgreementRow | undefined> {
      const cancelled = await tables(executor)
        .updateTable('pay_agreement')
        .set({ status: 'cancelled', cancelled_at: cancel.at, updated_at: cancel.at })
        .where('id', '=', cancel.id)
        .where('status', '=', 'active')
        .returningAll()
        .executeTakeFirst();
      if (cancelled?.payment_instrument_id) {
        await tables(executor)
          .updateTable('pay_payment_instrument')
          .set({ status: 'cancelled', updated_at: cancel.at })
          .where('id', '=', cancelled.payment_instrument_id)
          .where('status', '=', 'active')
          .execute();
      }
      return cancelled;
    },

    async insertInstrument(executor: Executor, row: PaymentInstrumentRow): Promise<void> {
      await tables(executor)
        .insertInto('pay_payment_instrument')
        .values({ ...row, token: box.seal(row.token) })
        .execute();
    },

    async findInstrument(executor: Executor, id: string): Promise<PaymentInstrumentRow | undefined> {
      const row = await tables(executor).selectFrom('pay_payment_instrument').selectAll().where('id', '=', id).executeTakeFirst();
      return row && openToken(row);
    },

    /** The card details of instruments, by id, without their tokens (for showing agreements). */
    async listInstrumentCards(executor: Executor, ids: readonly string[]): Promise<Map<string, CardColumns & { created_at: string }>> {
      if (ids.length === 0) return new Map();
      const rows = await tables(executor)
        .selectFrom('pay_payment_instrument')
        .select([
          'id',
          'card_first_digits',
          'card_last_digits',
          'card_brand',
          'card_type',
          'card_expiry',
          'cardholder_name',
          'billing_address',
          'created_at',
        ])
        .where('id', 'in', [...ids])
        .execute();
      return new Map(rows.map(({ id, ...card }) => [id, card]));
    },

    /**
     * Sets the agreement up with the card its set-up payment saved: the instrument becomes
     * active, any card the agreement had is cancelled, and the agreement is `active` again
     * whatever it was (Pay lets a cancelled or inactive agreement be set up again). Only an
     * instrument still `created` is used: a second call changes nothing and returns undefined.
     */
    async activateInstrument(executor: Executor, activate: { paymentId: string; at: string }): Promise<AgreementRow | undefined> {
      const instrument = await tables(executor)
        .updateTable('pay_payment_instrument')
        .set({ status: 'active', updated_at: activate.at })
        .where('payment_id', '=', activate.paymentId)
        .where('status', '=', 'created')
        .returning(['id', 'agreement_id'])
        .executeTakeFirst();
      if (!instrument) return undefined;
      await tables(executor)
        .updateTable('pay_payment_instrument')
        .set({ status: 'cancelled', updated_at: activate.at })
        .where('agreement_id', '=', instrument.agreement_id)
        .where('id', '!=', instrument.id)
        .where('status', '=', 'active')
        .execute();
      return tables(executor)
        .updateTable('pay_agreement')
        .set({ status: 'active', payment_instrument_id: instrument.id, cancelled_at: null, updated_at: activate.at })
        .where('id', '=', instrument.agreement_id)
        .returningAll()
        .executeTakeFirst();
    },

    /**
     * A recurring payment was declined for good: its card and, if the agreement still takes
     * payments with that card, the agreement become `inactive`.
     */
    async inactivate(executor: Executor, change: { agreementId: string; instrumentId: string; at: string }): Promise<AgreementRow | undefined> {
      await tables(executor)
        .updateTable('pay_payment_instrument')
        .set({ status: 'inactive', updated_at: change.at })
        .where('id', '=', change.instrumentId)
        .where('status', '=', 'active')
        .execute();
      return tables(executor)
        .updateTable('pay_agreement')
        .set({ status: 'inactive', updated_at: change.at })
        .where('id', '=', change.agreementId)
        .where('payment_instrument_id', '=', change.instrumentId)
        .where('status', '=', 'active')
        .returningAll()
        .executeTakeFirst();
    },
  };
}

export type AgreementStore = ReturnType<typeof createAgreementStore>;
