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
    async deleteExpired(now: string): Promise<void> {
      await tables.deleteFrom('exchange_replay_guard').where('expires_at', '<', now).execute();
    },
  };
}
