import type { Executor } from '../../../platform/db/database.ts';

export type OneTimeCodeRow = {
  id: string;
  purpose: string;
  recipient: string;
  code_hash: string;
  expires_at: string;
  used_at: string | null;
  created_at: string;
};

type Tables = { identity_one_time_code: OneTimeCodeRow };

export function createOneTimeCodeStore(db: Executor) {
  const tables = db.withTables<Tables>();
  return {
    async replace(row: OneTimeCodeRow): Promise<void> {
      await tables
        .deleteFrom('identity_one_time_code')
        .where('purpose', '=', row.purpose)
        .where('recipient', '=', row.recipient)
        .execute();
      await tables.insertInto('identity_one_time_code').values(row).execute();
    },
    async findUsable(purpose: string, recipient: string, now: string): Promise<OneTimeCodeRow | undefined> {
      return tables
        .selectFrom('identity_one_time_code')
        .selectAll()
        .where('purpose', '=', purpose)
        .where('recipient', '=', recipient)
        .where('used_at', 'is', null)
        .where('expires_at', '>', now)
        .executeTakeFirst();
    },
    async removeExpired(now: string): Promise<number> {
      const result = await tables.deleteFrom('identity_one_time_code').where('expires_at', '<=', now).executeTakeFirst();
      return Number(result.numDeletedRows);
    },
    async markUsed(id: string, now: string): Promise<boolean> {
      const result = await tables
        .updateTable('identity_one_time_code')
        .set({ used_at: now })
        .where('id', '=', id)
        .where('used_at', 'is', null)
        .executeTakeFirst();
      return Number(result.numUpdatedRows) > 0;
    },
  };
}
