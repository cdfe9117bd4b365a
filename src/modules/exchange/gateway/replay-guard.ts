import type { Database } from '../../../platform/db/database.ts';
import type { GroupCommit } from '../../../platform/db/group-commit.ts';
import { isUniqueViolation } from '../../../platform/db/unique-violation.ts';
import { createReplayGuardStore } from './replay-guard.store.ts';

/** Expired entries are swept at most this often by each process; until then they only take room. */
const SWEEP_INTERVAL_MS = 60_000;

/**
 * Remembers what calls have used once (their signatures, their client's X-Road-Ids) until a
 * replay would be refused as too old anyway. Claims that arrive together commit together.
 */
export function createReplayGuard(dependencies: { db: Database; writes: GroupCommit }) {
  const { db, writes } = dependencies;
  let lastSweep = 0;
  return {
    /** False when any of the keys was claimed before and has not expired. */
    async claim(keys: readonly string[], now: Date, expiresAt: Date): Promise<boolean> {
      if (now.getTime() - lastSweep > SWEEP_INTERVAL_MS) {
        lastSweep = now.getTime();
        await createReplayGuardStore(db).deleteExpired(now.toISOString());
      }
      try {
        await writes.run((transaction) => createReplayGuardStore(transaction).insert(keys, expiresAt.toISOString()));
        return true;
      } catch (error) {
        if (isUniqueViolation(error)) return false;
        throw error;
      }
    },
  };
}

export type ReplayGuard = ReturnType<typeof createReplayGuard>;
