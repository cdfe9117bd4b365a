import type { Executor } from '../../../platform/db/database.ts';

export type WebSessionRow = {
  id: string;
  account_id: string;
  level: string;
  authenticated_at: string;
  last_seen_at: string;
  expires_at: string;
  /** The challenge of the passkey this browser was last asked to create, until it is used. */
  passkey_challenge: string | null;
  passkey_challenge_expires_at: string | null;
  /** The ID token's subject and the provider's session id (sid) it was signed in with, which logout tokens name. */
  subject: string | null;
  sid: string | null;
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
    async setPasskeyChallenge(id: string, challenge: { value: string; expiresAt: string }): Promise<void> {
      await tables
        .updateTable('identity_web_session')
        .set({ passkey_challenge: challenge.value, passkey_challenge_expires_at: challenge.expiresAt })
        .where('id', '=', id)
        .execute();
    },
    /** Removes the challenge if it is still `value`: true for the one caller that removed it. */
    async removePasskeyChallenge(id: string, value: string): Promise<boolean> {
      const result = await tables
        .updateTable('identity_web_session')
        .set({ passkey_challenge: null, passkey_challenge_expires_at: null })
        .where('id', '=', id)
        .where('passkey_challenge', '=', value)
        .executeTakeFirst();
      return Number(result.numUpdatedRows) > 0;
    },
    async remove(id: string): Promise<void> {
      await tables.deleteFrom('identity_web_session').where('id', '=', id).execute();
    },
    async removeAllFor(accountId: string): Promise<number> {
      const result = await tables.deleteFrom('identity_web_session').where('account_id', '=', accountId).executeTakeFirst();
      return Number(result.numDeletedRows);
    },
    /** Removes the sessions signed in as `subject`, only those of provider session `sid` when given. */
    async removeFor(subject: string, sid?: string): Promise<number> {
      let query = tables.deleteFrom('identity_web_session').where('subject', '=', subject);
      if (sid !== undefined) query = query.where('sid', '=', sid);
      return Number((await query.executeTakeFirst()).numDeletedRows);
    },
    async removeExpired(now: string): Promise<number> {
      const result = await tables.deleteFrom('identity_web_session').where('expires_at', '<=', now).executeTakeFirst();
      return Number(result.numDeletedRows);
    },
  };
}
