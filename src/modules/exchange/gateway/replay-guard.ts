import type { Database } from '../../../platform/db/database.ts';
import type { GroupCommit } from '../../../platform/db/group-commit.ts';
import { isUniqueViolation } from '../../../platform/db/unique-violation.ts';
import { createReplayClaimWriter, createReplayGuardStore } from './replay-guard.store.ts';
import { CLOCK_TOLERANCE_SECONDS, SIGNATURE_MAX_AGE_SECONDS } from './request-signature.ts';

/** Expired claims are swept at most this often by each process; until then they only take room. */
const SWEEP_INTERVAL_MS = 1_000;
/**
 * Claims are kept this long after the second they were signed in: past the oldest signature a
 * call may carry, and a minute more for processes whose clocks differ.
 */
export const CLAIMS_KEPT_SECONDS = SIGNATURE_MAX_AGE_SECONDS + CLOCK_TOLERANCE_SECONDS + 60;
/**
 * Seconds of claims one sweep deletes at most: a range of the key each time, so a sweep after a
 * pause (a process stopped for an hour) does not hold the database for all of them at once.
 */
export const SWEEP_SECONDS = 2;

/**
 * Remembers what calls have used once (what their signatures signed) until a replay would be
 * refused as too old anyway. Each claim is kept under the second its signature was made in (its
 * `created`): a replay carries the same second, so it meets the first use there. Claims that
 * arrive together commit together; the sweep of expired seconds runs beside the calls, never in
 * their way. While the previous release's table still holds claims that have not expired (a
 * rolling upgrade), a claim is checked against them too.
 */
export function createReplayGuard(dependencies: { db: Database; writes: GroupCommit }) {
  const { db, writes } = dependencies;
  const store = createReplayGuardStore(db);
  const claims = createReplayClaimWriter();
  let lastSweep = 0;
  let sweeping = false;
  let latest: Promise<number> = Promise.resolve(0);
  /** Until when (ISO) the previous release's table holds a claim; checked again at each sweep. */
  let legacyLiveUntil: string | undefined;
  let legacyChecked = false;

  /** Up to SWEEP_SECONDS of expired claims; returns how many went. */
  async function sweepExpired(now: Date): Promise<number> {
    legacyLiveUntil = await store.findLegacyLatestExpiry();
    legacyChecked = true;
    const before = Math.floor(now.getTime() / 1000) - CLAIMS_KEPT_SECONDS;
    const oldest = await store.findOldestSecond();
    if (oldest === undefined || oldest >= before) return 0;
    const until = Math.min(before, oldest + SWEEP_SECONDS);
    const deleted = await store.deleteBefore(until);
    // Behind: the next claim sweeps again rather than waiting for the interval.
    if (until < before) lastSweep = 0;
    return deleted;
  }

  function startSweep(now: Date): void {
    lastSweep = now.getTime();
    sweeping = true;
    // A failed sweep only leaves claims for the next one: a claim does not depend on it.
    latest = sweepExpired(now)
      .catch(() => 0)
      .finally(() => (sweeping = false));
  }

  return {
    /**
     * False when any of the keys was claimed before, under the same second, and has not expired.
     * `created`: the second (since 1970) the call's signature says it was made.
     */
    async claim(keys: readonly string[], created: number, now: Date): Promise<boolean> {
      if (!sweeping && now.getTime() - lastSweep > SWEEP_INTERVAL_MS) startSweep(now);
      // The first claim of this process waits to learn whether the previous release's claims are still live.
      if (!legacyChecked) await latest;
      const nowIso = now.toISOString();
      if (legacyLiveUntil !== undefined && legacyLiveUntil > nowIso && (await store.hasLegacyClaim(keys, nowIso))) return false;
      try {
        await writes.run((transaction) => claims.insert(transaction, keys, created));
        return true;
      } catch (error) {
        if (isUniqueViolation(error)) return false;
        throw error;
      }
    },
    /** How many claims the latest sweep deleted, once it is done (for tests and orderly shutdown). */
    latestSweep(): Promise<number> {
      return latest;
    },
  };
}

export type ReplayGuard = ReturnType<typeof createReplayGuard>;
