import type { Executor } from '../../../platform/db/database.ts';

export type SubmissionRow = {
  id: string;
  reference: string;
  form_id: string;
  version_id: string;
  session_hash: string;
  answers: string;
  created_at: string;
  delivered_at: string | null;
  /** When the answers are deleted: the form's retention period after submitting. */
  expires_at: string;
  /** For a form that charges: the payment's reference, Pay's id for it (unique) and its amount in pence. */
  payment_reference: string | null;
  pay_payment_id: string | null;
  payment_amount: number | null;
};

type Tables = { forms_submission: SubmissionRow };

export function createSubmissionStore(db: Executor) {
  const tables = db.withTables<Tables>();
  return {
    async insert(row: SubmissionRow): Promise<void> {
      await tables.insertInto('forms_submission').values(row).execute();
    },
    find: (id: string) => tables.selectFrom('forms_submission').selectAll().where('id', '=', id).executeTakeFirst(),
    findBySession: (sessionHash: string) => tables.selectFrom('forms_submission').selectAll().where('session_hash', '=', sessionHash).executeTakeFirst(),
    listForForm: (formId: string) => tables.selectFrom('forms_submission').selectAll().where('form_id', '=', formId).orderBy('created_at').orderBy('id').execute(),
    /** Deletes up to `limit` submissions past their retention period; how many went. */
    async removeExpired(now: string, limit: number): Promise<number> {
      const due = tables.selectFrom('forms_submission').select('id').where('expires_at', '<=', now).limit(limit);
      const result = await tables.deleteFrom('forms_submission').where('id', 'in', due).executeTakeFirst();
      return Number(result.numDeletedRows);
    },
    async markDelivered(id: string, at: string): Promise<void> {
      await tables.updateTable('forms_submission').set({ delivered_at: at }).where('id', '=', id).where('delivered_at', 'is', null).execute();
    },
  };
}
