import type { Executor } from '../../../platform/db/database.ts';
import { isUniqueViolation } from '../../../platform/db/unique-violation.ts';

type Tables = { exchange_replay_guard: { key: string; expires_at: string } };

/** What a call has used once, kept until a replay of it would be refused as too old anyway. */
export function createReplayGuardStore(db: Executor) {
  const tables = db.withTables<Tables>();
  return {
    /** False when any of the keys was claimed before and has not expired. */
    async claim(keys: readonly string[], expiresAt: string): Promise<boolean> {
      try {
        await tables
          .insertInto('exchange_replay_guard')
          .values(keys.map((key) => ({ key, expires_at: expiresAt })))
          .execute();
        return true;
      } catch (error) {
        if (isUniqueViolation(error)) return false;
        throw error;
      }
    },
    async deleteExpired(now: string): Promise<void> {
      await tables.deleteFrom('exchange_replay_guard').where('expires_at', '<', now).execute();
    },
  };
}
