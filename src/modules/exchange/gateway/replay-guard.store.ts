import type { Executor } from '../../../platform/db/database.ts';

type Tables = { exchange_replay_guard: { key: string; expires_at: string } };

/** What calls have used once (see replay-guard.ts). */
export function createReplayGuardStore(db: Executor) {
  const tables = db.withTables<Tables>();
  return {
    /** Throws a unique violation when any of the keys is there already. */
    async insert(keys: readonly string[], expiresAt: string): Promise<void> {
      await tables
        .insertInto('exchange_replay_guard')
        .values(keys.map((key) => ({ key, expires_at: expiresAt })))
        .execute();
    },
    /** Deletes up to `limit` entries expired before `now`; returns how many it deleted. */
    async deleteExpired(now: string, limit: number): Promise<number> {
      const [result] = await tables
        .deleteFrom('exchange_replay_guard')
        .where('key', 'in', (eb) => eb.selectFrom('exchange_replay_guard').select('key').where('expires_at', '<', now).limit(limit))
        .execute();
      return Number(result?.numDeletedRows ?? 0);
    },
    async count(): Promise<number> {
      const row = await tables.selectFrom('exchange_replay_guard').select((eb) => eb.fn.countAll<number | string>().as('count')).executeTakeFirst();
      return Number(row?.count ?? 0);
    },
  };
}
