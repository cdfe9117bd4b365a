import { sql, type Generated } from 'kysely';
import type { Executor } from '../../../platform/db/database.ts';

export type FileRow = {
  id: string;
  service_id: string;
  notification_id: string;
  /** SHA-256 of the secret in the download link; the link itself is never stored. */
  token_hash: string;
  filename: string | null;
  /** The file, base64. */
  content: string;
  confirm_email: number;
  recipient_email: string;
  expires_at: string;
  created_at: string;
};

/** Answers to the file's email question in the current window, kept on the file so every process counts them. */
type ConfirmationColumns = {
  confirm_answers: Generated<number>;
  confirm_answers_since: string | null;
  confirm_locked_until: string | null;
};

export type StoredFile = FileRow & { confirm_locked_until: string | null };

type FileTables = { notify_file: FileRow & ConfirmationColumns };

export function createFileStore() {
  const tables = (executor: Executor) => executor.withTables<FileTables>();
  return {
    async insert(executor: Executor, row: FileRow): Promise<void> {
      await tables(executor).insertInto('notify_file').values(row).execute();
    },
    async find(executor: Executor, id: string): Promise<StoredFile | undefined> {
      return tables(executor).selectFrom('notify_file').selectAll().where('id', '=', id).executeTakeFirst();
    },
    /**
     * Counts one answer to the file's email question before it is checked, in one atomic
     * statement: answers after `windowStart` add up, an older count starts again at 1, and the
     * `maxAnswers`-th locks the question until `lockUntil`. Returns the count, or nothing while
     * the question is locked (no answer may then be checked). Two processes can never check
     * more answers between them.
     */
    async countConfirmationAnswer(
      executor: Executor,
      answer: { id: string; now: string; windowStart: string; lockUntil: string; maxAnswers: number },
    ): Promise<number | undefined> {
      const freshWindow = sql<boolean>`(confirm_answers_since is null or confirm_answers_since <= ${answer.windowStart})`;
      const counted = sql<number>`(case when ${freshWindow} then 1 else confirm_answers + 1 end)`;
      const row = await tables(executor)
        .updateTable('notify_file')
        .set({
          confirm_answers: counted,
          confirm_answers_since: sql<string>`(case when ${freshWindow} then ${answer.now} else confirm_answers_since end)`,
          confirm_locked_until: sql<string | null>`(case when ${counted} >= ${answer.maxAnswers} then ${answer.lockUntil} else null end)`,
        })
        .where('id', '=', answer.id)
        .where((where) => where.or([where('confirm_locked_until', 'is', null), where('confirm_locked_until', '<=', answer.now)]))
        .returning('confirm_answers')
        .executeTakeFirst();
      return row?.confirm_answers;
    },
    /** After the right answer: the count starts again and any lock ends. */
    async clearConfirmationAnswers(executor: Executor, id: string): Promise<void> {
      await tables(executor)
        .updateTable('notify_file')
        .set({ confirm_answers: 0, confirm_answers_since: null, confirm_locked_until: null })
        .where('id', '=', id)
        .execute();
    },
    async deleteExpired(executor: Executor, now: string): Promise<number> {
      const result = await tables(executor).deleteFrom('notify_file').where('expires_at', '<=', now).executeTakeFirst();
      return Number(result.numDeletedRows);
    },
  };
}

export type FileStore = ReturnType<typeof createFileStore>;
