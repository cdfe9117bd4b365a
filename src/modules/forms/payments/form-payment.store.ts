import type { Executor } from '../../../platform/db/database.ts';

/** A try at paying: `outcome` is set once Pay has said how it ended (`success`, or `failed` for failed, cancelled and expired). */
export type FormPaymentRow = {
  token_hash: string;
  session_hash: string;
  form_id: string;
  pay_account_id: string;
  pay_payment_id: string;
  reference: string;
  amount: number;
  outcome: 'success' | 'failed' | null;
  created_at: string;
  expires_at: string;
};

type Tables = { forms_payment: FormPaymentRow };

export function createFormPaymentStore(db: Executor) {
  const tables = db.withTables<Tables>();
  return {
    async insert(row: FormPaymentRow): Promise<void> {
      await tables.insertInto('forms_payment').values(row).execute();
    },
    findByTokenHash: (tokenHash: string) => tables.selectFrom('forms_payment').selectAll().where('token_hash', '=', tokenHash).executeTakeFirst(),
    /** Records how a try ended, once: false when it was recorded already. */
    async recordOutcome(tokenHash: string, outcome: 'success' | 'failed'): Promise<boolean> {
      const result = await tables.updateTable('forms_payment').set({ outcome }).where('token_hash', '=', tokenHash).where('outcome', 'is', null).executeTakeFirst();
      return Number(result.numUpdatedRows) > 0;
    },
    /** A payment of this session Pay said succeeded, not yet used by a submission (the person's answers were not complete on their return). */
    findSucceeded: (sessionHash: string) =>
      tables.selectFrom('forms_payment').selectAll().where('session_hash', '=', sessionHash).where('outcome', '=', 'success').executeTakeFirst(),
    /** This session's latest tries Pay has not told us the end of. */
    listUnsettled: (sessionHash: string, limit: number) =>
      tables.selectFrom('forms_payment').selectAll().where('session_hash', '=', sessionHash).where('outcome', 'is', null).orderBy('created_at', 'desc').limit(limit).execute(),
    /** Tries at paying end with their session: a submission keeps what it needs of its payment. */
    async removeExpired(now: string): Promise<void> {
      await tables.deleteFrom('forms_payment').where('expires_at', '<=', now).execute();
    },
  };
}
