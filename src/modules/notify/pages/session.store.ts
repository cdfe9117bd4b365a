import type { Executor } from '../../../platform/db/database.ts';

type SessionTables = {
  notify_sign_in_token: { token_hash: string; email_address: string; expires_at: string; used_at: string | null };
  notify_session: { id_hash: string; email_address: string; created_at: string; expires_at: string };
};

export function createSessionStore() {
  const tables = (executor: Executor) => executor.withTables<SessionTables>();
  return {
    async insertSignInToken(executor: Executor, row: { tokenHash: string; emailAddress: string; expiresAt: string }): Promise<void> {
      await tables(executor)
        .insertInto('notify_sign_in_token')
        .values({ token_hash: row.tokenHash, email_address: row.emailAddress, expires_at: row.expiresAt, used_at: null })
        .execute();
    },
    async findUsableSignInToken(executor: Executor, tokenHash: string, now: string): Promise<{ email_address: string } | undefined> {
      return tables(executor)
        .selectFrom('notify_sign_in_token')
        .select('email_address')
        .where('token_hash', '=', tokenHash)
        .where('used_at', 'is', null)
        .where('expires_at', '>', now)
        .executeTakeFirst();
    },
    /** Marks the token used, once: false if it was used, expired or never existed. */
    async useSignInToken(executor: Executor, tokenHash: string, now: string): Promise<string | undefined> {
      const row = await tables(executor)
        .updateTable('notify_sign_in_token')
        .set({ used_at: now })
        .where('token_hash', '=', tokenHash)
        .where('used_at', 'is', null)
        .where('expires_at', '>', now)
        .returning('email_address')
        .executeTakeFirst();
      return row?.email_address;
    },
    async insertSession(executor: Executor, row: { idHash: string; emailAddress: string; createdAt: string; expiresAt: string }): Promise<void> {
      await tables(executor)
        .insertInto('notify_session')
        .values({ id_hash: row.idHash, email_address: row.emailAddress, created_at: row.createdAt, expires_at: row.expiresAt })
        .execute();
    },
    async findSession(executor: Executor, idHash: string, now: string): Promise<{ email_address: string } | undefined> {
      return tables(executor)
        .selectFrom('notify_session')
        .select('email_address')
        .where('id_hash', '=', idHash)
        .where('expires_at', '>', now)
        .executeTakeFirst();
    },
    async deleteSession(executor: Executor, idHash: string): Promise<void> {
      await tables(executor).deleteFrom('notify_session').where('id_hash', '=', idHash).execute();
    },
    async deleteExpired(executor: Executor, now: string): Promise<void> {
      await tables(executor).deleteFrom('notify_session').where('expires_at', '<=', now).execute();
      await tables(executor).deleteFrom('notify_sign_in_token').where('expires_at', '<=', now).execute();
    },
  };
}

export type SessionStore = ReturnType<typeof createSessionStore>;
