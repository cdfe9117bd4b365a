import type { Executor } from '../../../platform/db/database.ts';

/** `id_hash` is the SHA-256 of the session cookie's value; the cookie's value is not kept. */
export type RunnerSessionRow = {
  id_hash: string;
  form_id: string;
  version_id: string;
  answers: string;
  submission_id: string | null;
  pending: string | null;
  created_at: string;
  updated_at: string;
  expires_at: string;
  account_subject: string | null;
  account_level: string | null;
  account_email: string | null;
  account_phone: string | null;
};

type Tables = { forms_session: RunnerSessionRow };

export function createRunnerSessionStore(db: Executor) {
  const tables = db.withTables<Tables>();
  return {
    async insert(row: RunnerSessionRow): Promise<void> {
      await tables.insertInto('forms_session').values(row).execute();
    },
    findLive: (idHash: string, now: string) =>
      tables.selectFrom('forms_session').selectAll().where('id_hash', '=', idHash).where('expires_at', '>', now).executeTakeFirst(),

    /** The signed-in person's saved answers to a form: their live session not yet submitted. */
    findSavedOf: (input: { formId: string; subject: string; now: string }) =>
      tables
        .selectFrom('forms_session')
        .selectAll()
        .where('form_id', '=', input.formId)
        .where('account_subject', '=', input.subject)
        .where('submission_id', 'is', null)
        .where('expires_at', '>', input.now)
        .orderBy('created_at', 'desc')
        .executeTakeFirst(),

    /** Gives a saved session to the browser that just signed in: a new token's hash, the account's latest email and phone. */
    async rebind(input: { idHash: string; newIdHash: string; level: string; email: string; phone: string | null; at: string }): Promise<boolean> {
      const result = await tables
        .updateTable('forms_session')
        .set({ id_hash: input.newIdHash, account_level: input.level, account_email: input.email, account_phone: input.phone, updated_at: input.at })
        .where('id_hash', '=', input.idHash)
        .where('submission_id', 'is', null)
        .executeTakeFirst();
      return Number(result.numUpdatedRows) === 1;
    },

    /** Saves the answers of a session not yet submitted, clearing any pending answer; whether it was. */
    async saveAnswers(input: { idHash: string; answers: string; at: string }): Promise<boolean> {
      const result = await tables
        .updateTable('forms_session')
        .set({ answers: input.answers, pending: null, updated_at: input.at })
        .where('id_hash', '=', input.idHash)
        .where('submission_id', 'is', null)
        .where('expires_at', '>', input.at)
        .executeTakeFirst();
      return Number(result.numUpdatedRows) === 1;
    },

    /** Keeps (or, with null, clears) the answer refused with errors, for the page shown after the redirect. */
    async setPending(input: { idHash: string; pending: string | null; at: string }): Promise<void> {
      await tables.updateTable('forms_session').set({ pending: input.pending, updated_at: input.at }).where('id_hash', '=', input.idHash).where('submission_id', 'is', null).execute();
    },

    /** Marks the session submitted, once: false if it was already. */
    async markSubmitted(idHash: string, submissionId: string): Promise<boolean> {
      const result = await tables.updateTable('forms_session').set({ submission_id: submissionId }).where('id_hash', '=', idHash).where('submission_id', 'is', null).executeTakeFirst();
      return Number(result.numUpdatedRows) === 1;
    },

    async removeExpired(now: string): Promise<void> {
      await tables.deleteFrom('forms_session').where('expires_at', '<=', now).execute();
    },
  };
}
