import type { Database } from '../../../platform/db/database.ts';
import type { LimitsStore } from './limits.store.ts';

/** A process takes at most this share of a limit at once... */
const LEASE_SHARE = 20;
/** ...and never more than this many sends' worth. */
const LEASE_MAX = 100;
/** Rate-limit tokens a process leased and did not spend within this long are dropped. */
const TOKEN_LEASE_LIFETIME_MS = 1000;

/** What this process holds of one limit: sends it may let through without asking the database. */
type Lease = { remaining: number; expiresAtMs: number; refusedUntilMs: number; taking?: Promise<void> };

function leaseSize(limit: number): number {
  return Math.max(1, Math.min(LEASE_MAX, Math.floor(limit / LEASE_SHARE)));
}

/**
 * Notify's two limits on sending: a token bucket per service and key type (shared by every
 * process through the database) and today's sends per service and type (UTC days).
 *
 * To spare the database a write per notification, a process takes a small lease of each limit at
 * once (1/20th of it, at most 100, and 1 for limits under 40) in one atomic statement and spends
 * it locally; requests arriving together wait for one lease instead of each taking their own.
 * Leases are taken atomically against the shared count, so all processes together never take
 * more than the limit; what a process leased and did not spend is lost, which only makes the
 * limit stricter. Sends reserved against today's limit and unspent are given back when the
 * service's limit changes and when the process stops (`releaseUnspent`); a process killed, or
 * the day ending, leaves them counted as sent that day.
 *
 * A leased token is spent at most TOKEN_LEASE_LIFETIME_MS after it left the bucket, so over any
 * window the bucket lets through at most what it would over a window that much longer (and at
 * most one lease more).
 *
 * Leases are taken on `db`, outside the notification's transaction: a lease serves many
 * notifications, so one notification's failure must not roll it back, and the group commit must
 * not wait on it. A notification that fails after passing the limits has used its allowance.
 */
export function createNotifyLimiter(dependencies: { db: Database; store: LimitsStore; clock: () => Date }) {
  const { db, store, clock } = dependencies;
  const buckets = new Map<string, Lease>();
  let dailyLeases = new Map<string, Lease>();
  let leaseDay = '';

  function leaseFor(leases: Map<string, Lease>, key: string): Lease {
    let lease = leases.get(key);
    if (!lease) {
      lease = { remaining: 0, expiresAtMs: 0, refusedUntilMs: 0 };
      leases.set(key, lease);
    }
    return lease;
  }

  async function spend(lease: Lease, takeLease: (nowMs: number) => Promise<void>): Promise<boolean> {
    for (;;) {
      const nowMs = clock().getTime();
      if (lease.remaining > 0 && nowMs < lease.expiresAtMs) {
        lease.remaining -= 1;
        return true;
      }
      if (nowMs < lease.refusedUntilMs) return false;
      if (!lease.taking) {
        lease.taking = takeLease(nowMs).finally(() => {
          lease.taking = undefined;
        });
      }
      await lease.taking;
    }
  }

  return {
    /** Takes a token from the service's bucket for the key type; false when it is empty. */
    takeToken(take: { serviceId: string; keyType: string; capacity: number; intervalMs: number }): Promise<boolean> {
      // A changed rate limit starts a new lease; the bucket in the database is the same.
      const bucket = `${take.serviceId}:${take.keyType}`;
      const lease = leaseFor(buckets, `${bucket}:${take.capacity}:${take.intervalMs}`);
      return spend(lease, async (nowMs) => {
        const size = leaseSize(take.capacity);
        for (const tokens of size > 1 ? [size, 1] : [1]) {
          if (await store.takeTokens(db, { bucket, capacity: take.capacity, intervalMs: take.intervalMs, nowMs, tokens })) {
            lease.remaining = tokens;
            lease.expiresAtMs = nowMs + TOKEN_LEASE_LIFETIME_MS;
            return;
          }
        }
        // Empty: no token comes back before one token's refill time has passed.
        lease.refusedUntilMs = nowMs + take.intervalMs / take.capacity;
      });
    },

    /** Counts one send against today's limit for the service and type; false when the limit is reached. */
    async countDailySend(count: { serviceId: string; type: string; limit: number }): Promise<boolean> {
      const day = clock().toISOString().slice(0, 10);
      if (day !== leaseDay) {
        dailyLeases = new Map();
        leaseDay = day;
      }
      // A changed daily limit starts a new lease against the same count, and gives back what the
      // leases under the old limit had left (a limit lowered below them refused every send).
      const owner = `${count.serviceId}:${count.type}:`;
      const key = `${owner}${count.limit}`;
      if (!dailyLeases.has(key)) await releaseDailyLeases(([other]) => other.startsWith(owner));
      const lease = leaseFor(dailyLeases, key);
      return spend(lease, async () => {
        const size = leaseSize(count.limit);
        for (const sends of size > 1 ? [size, 1] : [1]) {
          if (await store.reserveDailySends(db, { serviceId: count.serviceId, day, type: count.type, sends, limit: count.limit })) {
            lease.remaining += sends;
            lease.expiresAtMs = Number.POSITIVE_INFINITY;
            return;
          }
        }
        // Within a day, counts grow but for what a lease gives back: once reached, the limit stays reached.
        lease.refusedUntilMs = Number.POSITIVE_INFINITY;
      });
    },

    /** Gives back today's sends this process reserved and did not spend (as it stops). */
    releaseUnspent(): Promise<void> {
      return releaseDailyLeases(() => true);
    },
  };

  async function releaseDailyLeases(chosen: (entry: [string, Lease]) => boolean): Promise<void> {
    for (const [key, lease] of [...dailyLeases].filter(chosen)) {
      const sends = lease.remaining;
      dailyLeases.delete(key);
      if (sends <= 0) continue;
      lease.remaining = 0;
      const [serviceId, type] = key.split(':') as [string, string];
      await store.releaseDailySends(db, { serviceId, day: leaseDay, type, sends });
    }
  }
}

export type NotifyLimiter = ReturnType<typeof createNotifyLimiter>;
