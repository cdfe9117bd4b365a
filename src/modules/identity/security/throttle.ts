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
  /**
   * Wrong passwords for one account once it is past passwordAcrossAddresses, when a code goes to
   * the mailbox only for a right one: the mailbox would tell whoever reads it which guess was
   * right, so these are capped for the day. Past it no password is checked (and no code sent)
   * until the lock ends or the password is reset.
   */
  passwordCheckedByMailbox: { maxFailures: 10, windowSeconds: 24 * 60 * 60, lockSeconds: 24 * 60 * 60 },
  securityCode: { maxFailures: 5, windowSeconds: 15 * 60, lockSeconds: 15 * 60 },
  emailCode: { maxFailures: 5, windowSeconds: 15 * 60, lockSeconds: 15 * 60 },
  codeSending: { maxFailures: 5, windowSeconds: 15 * 60, lockSeconds: 15 * 60 },
  /** Every code emailed at the request of one client address, whatever it is for. */
  emailsFromAddress: { maxFailures: 20, windowSeconds: 60 * 60, lockSeconds: 60 * 60 },
  /**
   * Codes emailed to one address at the request of people who have proved nothing: more than one
   * client address may ask for, so nobody keeps the owner's codes away from one address.
   */
  emailsToMailbox: { maxFailures: 30, windowSeconds: 60 * 60, lockSeconds: 60 * 60 },
  /** Every text message sent at the request of one client address, whatever it is for. */
  textsFromAddress: { maxFailures: 20, windowSeconds: 60 * 60, lockSeconds: 60 * 60 },
  /** Every form a client address submits on the sign-in and account pages, whatever its outcome. */
  formsFromAddress: { maxFailures: 120, windowSeconds: 60, lockSeconds: 60 },
} as const satisfies Record<string, ThrottleRule>;

/** Wrong passwords for this account from every address; past THROTTLE_RULES.passwordAcrossAddresses the email is proved first. */
export const passwordAcrossAddressesKey = (accountId: string) => `password-across:${accountId}`;
/** Wrong passwords for this account while each is checked by the mailbox (see THROTTLE_RULES.passwordCheckedByMailbox). */
export const passwordCheckedByMailboxKey = (accountId: string) => `password-checked-by-mailbox:${accountId}`;

export type ThrottleStatus = { locked: false } | { locked: true; until: Date };
/** A status, and whether any failure is counted against the key (so `clear` has something to do). */
export type CountedStatus = ThrottleStatus & { counted: boolean };
/**
 * An attempt taken against one or more counters: refused, counting nothing, while any of them is
 * locked; otherwise counted against each, with each one's status after it in the order given.
 */
export type Attempt = { allowed: false; until: Date } | { allowed: true; after: ThrottleStatus[] };
export type ThrottleEntry = { key: string; rule: ThrottleRule };

/** The first lock among `statuses`, if any. */
export function firstLock(statuses: readonly ThrottleStatus[]): Extract<ThrottleStatus, { locked: true }> | undefined {
  return statuses.find((status): status is Extract<ThrottleStatus, { locked: true }> => status.locked);
}

/**
 * Counters of attempts: wrong passwords and codes, codes sent, forms posted. An attempt is
 * counted *before* what it tries is checked or done, in the same transaction that reads the
 * counter, so requests sent all at once cannot each find the counter unlocked and slip past the
 * limit; an attempt that turns out right is refunded or clears its counter afterwards.
 */
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

  /** The counter after one more attempt: a lock that is over, or a window that has closed, starts it afresh. */
  function counted(row: ThrottleRow, rule: ThrottleRule, now: Date): ThrottleRow {
    const lockOver = row.locked_until !== null && Date.parse(row.locked_until) <= now.getTime();
    const windowOpen = !lockOver && now.getTime() - Date.parse(row.window_started_at) < rule.windowSeconds * 1000;
    const failures = windowOpen ? row.failures + 1 : 1;
    const lockedUntil = failures >= rule.maxFailures ? new Date(now.getTime() + rule.lockSeconds * 1000).toISOString() : null;
    return { key: row.key, failures, window_started_at: windowOpen ? row.window_started_at : now.toISOString(), locked_until: lockedUntil };
  }

  async function attemptEach(entries: readonly ThrottleEntry[]): Promise<Attempt> {
    return db.transaction().execute(async (transaction) => {
      const transactionStore = createThrottleStore(transaction);
      const now = clock();
      // Claimed in one order everywhere, so two transactions never wait for each other's rows.
      const ordered = [...entries].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
      const rows = new Map<string, ThrottleRow>();
      for (const { key } of ordered) rows.set(key, await transactionStore.claim(key, now.toISOString()));
      const lock = firstLock(entries.map(({ key }) => statusOf(rows.get(key), now)));
      if (lock) return { allowed: false, until: lock.until };
      const after: ThrottleStatus[] = [];
      for (const { key, rule } of entries) {
        const next = counted(rows.get(key) as ThrottleRow, rule, now);
        await transactionStore.save(next);
        after.push(statusOf(next, now));
      }
      return { allowed: true, after };
    });
  }

  return {
    async status(key: string): Promise<ThrottleStatus> {
      return statusOf(await store.find(key), clock());
    },

    /** The status of each key, in the order given, read together. */
    async statusOfEach(keys: readonly string[]): Promise<CountedStatus[]> {
      const rows = new Map((await store.findEach(keys)).map((row) => [row.key, row]));
      const now = clock();
      return keys.map((key) => ({ ...statusOf(rows.get(key), now), counted: rows.has(key) }));
    },

    /** Takes an attempt against one counter (see Attempt). */
    attempt: (key: string, rule: ThrottleRule) => attemptEach([{ key, rule }]),

    /** Takes one attempt against every counter together, or against none if any is locked (see Attempt). */
    attemptEach,

    /**
     * Gives back an attempt that turned out right, for counters of failures only (such as wrong
     * passwords from one address), lifting the lock it may have brought on.
     */
    async refund(key: string, rule: ThrottleRule): Promise<void> {
      await db.transaction().execute(async (transaction) => {
        const transactionStore = createThrottleStore(transaction);
        const row = await transactionStore.claim(key, clock().toISOString());
        const failures = Math.max(0, row.failures - 1);
        await transactionStore.save({ ...row, failures, locked_until: failures < rule.maxFailures ? null : row.locked_until });
      });
    },

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
