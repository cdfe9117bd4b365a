import type { Database } from '../../../platform/db/database.ts';
import type { GroupCommit } from '../../../platform/db/group-commit.ts';
import { isUniqueViolation } from '../../../platform/db/unique-violation.ts';
import { createReplayGuardStore } from './replay-guard.store.ts';

/** Expired entries are swept at most this often by each process; until then they only take room. */
const SWEEP_INTERVAL_MS = 1_000;
/**
 * Entries deleted by one sweep at most. A sweep of all that expired in a minute at 800 calls a
 * second (96,000 entries) held SQLite, and with it every request of the process, for 2.3 s on
 * the shared bench machine; a chunk takes some 10 ms there, and a full one lets the next call
 * start the next chunk at once, so the sweep keeps up with any rate.
 */
export const SWEEP_CHUNK = 250;

/**
 * Remembers what calls have used once (their signatures, their client's X-Road-Ids) until a
 * replay would be refused as too old anyway. Claims that arrive together commit together; the
 * sweep of expired entries runs beside the calls, never in their way.
 */
export function createReplayGuard(dependencies: { db: Database; writes: GroupCommit }) {
  const { db, writes } = dependencies;
  const store = createReplayGuardStore(db);
  let lastSweep = 0;
  let sweeping = false;
  let latest: Promise<number> = Promise.resolve(0);

  /** One chunk of expired entries; returns how many went. */
  async function sweepExpired(now: Date): Promise<number> {
    const deleted = await store.deleteExpired(now.toISOString(), SWEEP_CHUNK);
    // Behind (a full chunk): the next claim sweeps again rather than waiting for the interval.
    if (deleted >= SWEEP_CHUNK) lastSweep = 0;
    return deleted;
  }

  return {
    /** False when any of the keys was claimed before and has not expired. */
    async claim(keys: readonly string[], now: Date, expiresAt: Date): Promise<boolean> {
      if (!sweeping && now.getTime() - lastSweep > SWEEP_INTERVAL_MS) {
        lastSweep = now.getTime();
        // A failed sweep only leaves entries for the next one: the claim below does not depend on it.
        sweeping = true;
        latest = sweepExpired(now)
          .catch(() => 0)
          .finally(() => (sweeping = false));
      }
      try {
        await writes.run((transaction) => createReplayGuardStore(transaction).insert(keys, expiresAt.toISOString()));
        return true;
      } catch (error) {
        if (isUniqueViolation(error)) return false;
        throw error;
      }
    },
    /** How many entries the latest sweep deleted, once it is done (for tests and orderly shutdown). */
    latestSweep(): Promise<number> {
      return latest;
    },
  };
}

export type ReplayGuard = ReturnType<typeof createReplayGuard>;
