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

type FileTables = { notify_file: FileRow };

export function createFileStore() {
  const tables = (executor: Executor) => executor.withTables<FileTables>();
  return {
    async insert(executor: Executor, row: FileRow): Promise<void> {
      await tables(executor).insertInto('notify_file').values(row).execute();
    },
    async find(executor: Executor, id: string): Promise<FileRow | undefined> {
      return tables(executor).selectFrom('notify_file').selectAll().where('id', '=', id).executeTakeFirst();
    },
    async deleteExpired(executor: Executor, now: string): Promise<number> {
      const result = await tables(executor).deleteFrom('notify_file').where('expires_at', '<=', now).executeTakeFirst();
      return Number(result.numDeletedRows);
    },
  };
}

export type FileStore = ReturnType<typeof createFileStore>;
