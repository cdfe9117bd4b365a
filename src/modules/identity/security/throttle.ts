import type { Database, Executor } from '../../../platform/db/database.ts';
import { createThrottleStore, type ThrottleRow } from './throttle.store.ts';

export type ThrottleRule = {
  /** Failures allowed within the window before the key is locked. */
  maxFailures: number;
  windowSeconds: number;
  lockSeconds: number;
};

/**
 * Separate rules for separate risks. Wrong passwords are counted per account *and* client
 * address, so someone guessing from elsewhere cannot lock the owner out; wrong codes are counted
 * per account, since only someone who already knows the password reaches the code step. Every
 * lock ends by itself.
 */
export const THROTTLE_RULES = {
  password: { maxFailures: 5, windowSeconds: 15 * 60, lockSeconds: 15 * 60 },
  passwordFromAddress: { maxFailures: 30, windowSeconds: 15 * 60, lockSeconds: 15 * 60 },
  /**
   * Wrong passwords for one account from every address together. Past it, the password is not
   * checked until the person proves their email address with a code: guessing from many
   * addresses stops, and the owner is slowed, never locked out.
   */
  passwordAcrossAddresses: { maxFailures: 10, windowSeconds: 60 * 60, lockSeconds: 24 * 60 * 60 },
  securityCode: { maxFailures: 5, windowSeconds: 15 * 60, lockSeconds: 15 * 60 },
  emailCode: { maxFailures: 5, windowSeconds: 15 * 60, lockSeconds: 15 * 60 },
  codeSending: { maxFailures: 5, windowSeconds: 15 * 60, lockSeconds: 15 * 60 },
  /** Every text message sent at the request of one client address, whatever it is for. */
  textsFromAddress: { maxFailures: 20, windowSeconds: 60 * 60, lockSeconds: 60 * 60 },
  /** Every form a client address submits on the sign-in and account pages, whatever its outcome. */
  formsFromAddress: { maxFailures: 120, windowSeconds: 60, lockSeconds: 60 },
} as const satisfies Record<string, ThrottleRule>;

export type ThrottleStatus = { locked: false } | { locked: true; until: Date };
/** A status, and whether any failure is counted against the key (so `clear` has something to do). */
export type CountedStatus = ThrottleStatus & { counted: boolean };

export function createThrottle(dependencies: { db: Database; clock?: () => Date }) {
  const { db } = dependencies;
  const clock = dependencies.clock ?? (() => new Date());
  const store = createThrottleStore(db);

  function statusOf(row: ThrottleRow | undefined, now: Date): ThrottleStatus {
    if (row?.locked_until && Date.parse(row.locked_until) > now.getTime()) {
      return { locked: true, until: new Date(row.locked_until) };
    }
    return { locked: false };
  }

  async function status(key: string): Promise<ThrottleStatus> {
    return statusOf(await store.find(key), clock());
  }

  async function recordFailure(key: string, rule: ThrottleRule, options: { unlessLocked?: boolean } = {}): Promise<ThrottleStatus> {
    return db.transaction().execute(async (transaction) => {
      const transactionStore = createThrottleStore(transaction);
      const now = clock();
      const row = await transactionStore.claim(key, now.toISOString());
      const before = statusOf(row, now);
      if (options.unlessLocked && before.locked) return before;
      const windowOpen = now.getTime() - Date.parse(row.window_started_at) < rule.windowSeconds * 1000;
      const failures = windowOpen ? row.failures + 1 : 1;
      const lockedUntil =
        failures >= rule.maxFailures ? new Date(now.getTime() + rule.lockSeconds * 1000) : undefined;
      await transactionStore.save({
        key,
        // A lock starts a fresh window, so the next failure after it ends counts from one.
        failures: lockedUntil ? 0 : failures,
        window_started_at: windowOpen && !lockedUntil ? row.window_started_at : now.toISOString(),
        locked_until: lockedUntil?.toISOString() ?? null,
      });
      return lockedUntil ? { locked: true, until: lockedUntil } : { locked: false };
    });
  }

  return {
    status,

    /** The status of each key, in the order given, read together. */
    async statusOfEach(keys: readonly string[]): Promise<CountedStatus[]> {
      const rows = new Map((await store.findEach(keys)).map((row) => [row.key, row]));
      const now = clock();
      return keys.map((key) => ({ ...statusOf(rows.get(key), now), counted: rows.has(key) }));
    },

    /** Counts a failure; returns the status after it (locked once the rule's limit is reached). */
    recordFailure: (key: string, rule: ThrottleRule) => recordFailure(key, rule),

    /**
     * Counts an attempt unless the key is locked already, in one transaction; returns the status
     * after it. For limits that count every attempt, such as forms submitted from one address.
     */
    recordUnlessLocked: (key: string, rule: ThrottleRule) => recordFailure(key, rule, { unlessLocked: true }),

    async clear(key: string): Promise<void> {
      await store.clear(key);
    },
  };
}

export type Throttle = ReturnType<typeof createThrottle>;

/**
 * How long a counter is kept after its window started, when it is not locked: past the longest
 * window of any rule it counts for nothing, and a day is well past that.
 */
const STALE_AFTER_SECONDS = Math.max(24 * 60 * 60, ...Object.values(THROTTLE_RULES).map((rule: ThrottleRule) => rule.windowSeconds));

/** Removes the counters that no longer count for anything (each names an account, address or number); how many it removed. */
export function removeStaleThrottleCounters(db: Executor, now: Date): Promise<number> {
  return createThrottleStore(db).removeStale({
    windowStartedBefore: new Date(now.getTime() - STALE_AFTER_SECONDS * 1000).toISOString(),
    now: now.toISOString(),
  });
}
