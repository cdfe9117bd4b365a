import type { Executor } from '../../../platform/db/database.ts';

export type JourneyRow = { id: string; state: string; created_at: string; expires_at: string };

type Tables = { identity_journey: JourneyRow };

export function createJourneyStore(db: Executor) {
  const tables = db.withTables<Tables>();
  return {
    async find(id: string, now: string): Promise<JourneyRow | undefined> {
      return tables
        .selectFrom('identity_journey')
        .selectAll()
        .where('id', '=', id)
        .where('expires_at', '>', now)
        .executeTakeFirst();
    },
    async save(row: JourneyRow): Promise<void> {
      await tables
        .insertInto('identity_journey')
        .values(row)
        .onConflict((conflict) => conflict.column('id').doUpdateSet({ state: row.state, expires_at: row.expires_at }))
        .execute();
    },
    async remove(id: string): Promise<void> {
      await tables.deleteFrom('identity_journey').where('id', '=', id).execute();
    },
    async deleteExpired(now: string): Promise<void> {
      await tables.deleteFrom('identity_journey').where('expires_at', '<=', now).execute();
    },
  };
}
