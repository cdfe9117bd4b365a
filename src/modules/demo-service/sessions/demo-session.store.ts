import type { Executor } from '../../../platform/db/database.ts';

/** `id_hash` is the SHA-256 of the session cookie's value; the cookie's value is not kept. */
export type DemoSessionRow = {
  id_hash: string;
  subject: string;
  sid: string | null;
  email: string;
  phone_number: string | null;
  level: string;
  id_token: string;
  created_at: string;
  expires_at: string;
};

type Tables = { demo_service_session: DemoSessionRow };

export function createDemoSessionStore(db: Executor) {
  const tables = db.withTables<Tables>();
  return {
    async insert(row: DemoSessionRow): Promise<void> {
      await tables.insertInto('demo_service_session').values(row).execute();
    },

    async findLive(idHash: string, now: string): Promise<DemoSessionRow | undefined> {
      return tables
        .selectFrom('demo_service_session')
        .selectAll()
        .where('id_hash', '=', idHash)
        .where('expires_at', '>', now)
        .executeTakeFirst();
    },

    async remove(idHash: string): Promise<void> {
      await tables.deleteFrom('demo_service_session').where('id_hash', '=', idHash).execute();
    },

    /** Removes the subject's sessions, or only those of one provider session (`sid`); how many. */
    async removeFor(subject: string, sid?: string): Promise<number> {
      let query = tables.deleteFrom('demo_service_session').where('subject', '=', subject);
      if (sid !== undefined) query = query.where('sid', '=', sid);
      return Number((await query.executeTakeFirst()).numDeletedRows);
    },

    async removeExpired(now: string): Promise<void> {
      await tables.deleteFrom('demo_service_session').where('expires_at', '<=', now).execute();
    },
  };
}

export type DemoSessionStore = ReturnType<typeof createDemoSessionStore>;
