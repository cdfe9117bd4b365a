import type { Executor } from '../../../platform/db/database.ts';

export type WebSessionRow = {
  id: string;
  account_id: string;
  level: string;
  authenticated_at: string;
  last_seen_at: string;
  expires_at: string;
};

type Tables = { identity_web_session: WebSessionRow };

export function createWebSessionStore(db: Executor) {
  const tables = db.withTables<Tables>();
  return {
    async insert(row: WebSessionRow): Promise<void> {
      await tables.insertInto('identity_web_session').values(row).execute();
    },
    async find(id: string, now: string): Promise<WebSessionRow | undefined> {
      return tables
        .selectFrom('identity_web_session')
        .selectAll()
        .where('id', '=', id)
        .where('expires_at', '>', now)
        .executeTakeFirst();
    },
    async updateAuthenticatedAt(id: string, authenticatedAt: string): Promise<void> {
      await tables.updateTable('identity_web_session').set({ authenticated_at: authenticatedAt }).where('id', '=', id).execute();
    },
    async remove(id: string): Promise<void> {
      await tables.deleteFrom('identity_web_session').where('id', '=', id).execute();
    },
    async removeAllFor(accountId: string): Promise<number> {
      const result = await tables.deleteFrom('identity_web_session').where('account_id', '=', accountId).executeTakeFirst();
      return Number(result.numDeletedRows);
    },
  };
}
