import type { Executor } from '../../../platform/db/database.ts';

/** `id_hash` is the SHA-256 of the session cookie's value; the cookie's value is not kept. */
export type ConsoleSessionRow = {
  id_hash: string;
  person_key: string;
  sid: string | null;
  email: string;
  level: string;
  /** The sign-in's `amr`, space-separated. */
  authentication_methods: string;
  id_token: string;
  authenticated_at: string;
  created_at: string;
  last_seen_at: string;
  expires_at: string;
};

type Tables = { console_session: ConsoleSessionRow };

export function createConsoleSessionStore(db: Executor) {
  const tables = db.withTables<Tables>();
  return {
    async insert(row: ConsoleSessionRow): Promise<void> {
      await tables.insertInto('console_session').values(row).execute();
    },

    /** The session, if it has neither reached its end nor been idle since `idleSince`. */
    async findLive(idHash: string, now: string, idleSince: string): Promise<ConsoleSessionRow | undefined> {
      return tables
        .selectFrom('console_session')
        .selectAll()
        .where('id_hash', '=', idHash)
        .where('expires_at', '>', now)
        .where('last_seen_at', '>', idleSince)
        .executeTakeFirst();
    },

    async touch(idHash: string, now: string): Promise<void> {
      await tables.updateTable('console_session').set({ last_seen_at: now }).where('id_hash', '=', idHash).execute();
    },

    async remove(idHash: string): Promise<void> {
      await tables.deleteFrom('console_session').where('id_hash', '=', idHash).execute();
    },

    /** Removes the person's sessions, or only those of one provider session (`sid`); how many. */
    async removeFor(personKey: string, sid?: string): Promise<number> {
      let query = tables.deleteFrom('console_session').where('person_key', '=', personKey);
      if (sid !== undefined) query = query.where('sid', '=', sid);
      return Number((await query.executeTakeFirst()).numDeletedRows);
    },

    async removeEnded(now: string, idleSince: string): Promise<void> {
      await tables
        .deleteFrom('console_session')
        .where((eb) => eb.or([eb('expires_at', '<=', now), eb('last_seen_at', '<=', idleSince)]))
        .execute();
    },
  };
}
