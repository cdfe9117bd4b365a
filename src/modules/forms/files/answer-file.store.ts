import type { Executor } from '../../../platform/db/database.ts';

/** A file given as an answer; `content` is base64. */
export type AnswerFileRow = {
  id: string;
  form_id: string;
  submission_id: string | null;
  filename: string;
  media_type: string;
  size: number;
  content: string;
  created_at: string;
  expires_at: string;
};

type Tables = { forms_file: AnswerFileRow };

export function createAnswerFileStore(db: Executor) {
  const tables = db.withTables<Tables>();
  return {
    async insert(row: AnswerFileRow): Promise<void> {
      await tables.insertInto('forms_file').values(row).execute();
    },
    find: (id: string) => tables.selectFrom('forms_file').selectAll().where('id', '=', id).executeTakeFirst(),
    listOfSubmission: (submissionId: string) =>
      tables.selectFrom('forms_file').select(['id', 'filename', 'media_type', 'size']).where('submission_id', '=', submissionId).orderBy('created_at').orderBy('id').execute(),

    /** Removes a file not yet submitted (one the person replaced). */
    async removeUnsubmitted(id: string): Promise<void> {
      await tables.deleteFrom('forms_file').where('id', '=', id).where('submission_id', 'is', null).execute();
    },

    /** Keeps these files (still unsubmitted, of this form) with the submission, until `expiresAt`. */
    async attachToSubmission(input: { ids: string[]; formId: string; submissionId: string; expiresAt: string }): Promise<number> {
      if (input.ids.length === 0) return 0;
      const result = await tables
        .updateTable('forms_file')
        .set({ submission_id: input.submissionId, expires_at: input.expiresAt })
        .where('id', 'in', input.ids)
        .where('form_id', '=', input.formId)
        .where('submission_id', 'is', null)
        .executeTakeFirst();
      return Number(result.numUpdatedRows);
    },

    async removeExpired(now: string): Promise<number> {
      const result = await tables.deleteFrom('forms_file').where('expires_at', '<=', now).executeTakeFirst();
      return Number(result.numDeletedRows);
    },
  };
}
