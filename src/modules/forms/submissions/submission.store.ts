import { sql } from 'kysely';
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
  /** When a member of the team marked it done, and who (the audit trail's pseudonym); null: new. */
  done_at: string | null;
  done_by: string | null;
  /** The answers as the team reads them, in lower case, for the console's search. */
  search_text: string;
};

type Tables = { forms_submission: SubmissionRow };

/** What the team's search asks: text in the reference or the answers, and new or done; a page of it. */
export type SubmissionSearch = { formId: string; text?: string; status?: 'new' | 'done'; offset: number; limit: number };

/** `%`, `_` and `\` match themselves; the text is matched anywhere, in lower case (as search_text is kept). */
function containsPattern(text: string): string {
  return `%${text.toLowerCase().replace(/[\\%_]/g, (character) => `\\${character}`)}%`;
}

export function createSubmissionStore(db: Executor) {
  const tables = db.withTables<Tables>();

  function searched(search: Omit<SubmissionSearch, 'offset' | 'limit'>) {
    let query = tables.selectFrom('forms_submission').where('form_id', '=', search.formId);
    if (search.status === 'new') query = query.where('done_at', 'is', null);
    if (search.status === 'done') query = query.where('done_at', 'is not', null);
    const text = search.text;
    if (text) {
      const pattern = sql<string>`${containsPattern(text)} escape '\\'`;
      // References are upper case letters and digits: matched as typed in any case.
      query = query.where((where) => where.or([where('reference', 'like', sql<string>`${containsPattern(text).toUpperCase()} escape '\\'`), where('search_text', 'like', pattern)]));
    }
    return query;
  }

  return {
    async insert(row: SubmissionRow): Promise<void> {
      await tables.insertInto('forms_submission').values(row).execute();
    },
    find: (id: string) => tables.selectFrom('forms_submission').selectAll().where('id', '=', id).executeTakeFirst(),
    findBySession: (sessionHash: string) => tables.selectFrom('forms_submission').selectAll().where('session_hash', '=', sessionHash).executeTakeFirst(),
    listForForm: (formId: string) => tables.selectFrom('forms_submission').selectAll().where('form_id', '=', formId).orderBy('created_at').orderBy('id').execute(),

    /** A page of a form's submissions that match, newest first, and how many match in all. */
    async search(search: SubmissionSearch) {
      const rows = await searched(search).selectAll().orderBy('created_at', 'desc').orderBy('id', 'desc').offset(search.offset).limit(search.limit).execute();
      const counted = await searched(search).select((eb) => eb.fn.countAll().as('total')).executeTakeFirst();
      return { rows, total: Number(counted?.total ?? 0) };
    },

    /** Up to `limit` of the submissions that match, oldest first, after the one named (keyset: a submission arriving meanwhile moves nothing). */
    listMatchingAfter(search: Omit<SubmissionSearch, 'offset'> & { after: { createdAt: string; id: string } | undefined }) {
      let query = searched(search).selectAll();
      const after = search.after;
      if (after) query = query.where((where) => where.or([where('created_at', '>', after.createdAt), where.and([where('created_at', '=', after.createdAt), where('id', '>', after.id)])]));
      return query.orderBy('created_at').orderBy('id').limit(search.limit).execute();
    },

    async markDone(input: { id: string; formId: string; done: boolean; at: string; by: string }): Promise<boolean> {
      const result = await tables
        .updateTable('forms_submission')
        .set(input.done ? { done_at: input.at, done_by: input.by } : { done_at: null, done_by: null })
        .where('id', '=', input.id)
        .where('form_id', '=', input.formId)
        .where('done_at', input.done ? 'is' : 'is not', null)
        .executeTakeFirst();
      return Number(result.numUpdatedRows) > 0;
    },

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
