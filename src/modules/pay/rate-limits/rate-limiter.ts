import type { Database } from '../../../platform/db/database.ts';
import type { RateLimitStore } from './rate-limit.store.ts';

export type RateLimitKind = 'post' | 'other';

/** A process takes at most this share of a second's allowance at once... */
const LEASE_SHARE = 20;
/** ...and never more than this many requests' worth. */
const LEASE_MAX = 100;

/**
 * GOV.UK Pay's rate limit: so many requests a second for each account and mode, counting POSTs
 * apart from everything else. The counts live in the database, so every process behind the
 * load balancer shares them; windows are whole seconds of the clock.
 *
 * To spare the database a write per request, a process takes a small lease of the second's
 * allowance at once (1/20th of the limit, at most 100, and 1 for limits under 40) and spends it
 * locally. Leases are taken atomically against the limit, so all processes together never let
 * more than the limit through; what a process leased and did not use in its second is lost,
 * which can only make the limit stricter, never looser.
 */
export function createRateLimiter(dependencies: { db: Database; store: RateLimitStore; clock: () => Date }) {
  const { db, store, clock } = dependencies;
  /** What this process holds of each bucket (account, mode, kind and second). */
  type Lease = { remaining: number; exhausted: boolean; taking?: Promise<void> };
  let leases = new Map<string, Lease>();
  let leaseSecond = 0;

  return {
    /** Counts the request; false when it is over the limit and must be refused. */
    async allow(request: { accountId: string; live: boolean; kind: RateLimitKind; limit: number }): Promise<boolean> {
      const second = Math.floor(clock().getTime() / 1000);
      if (second !== leaseSecond) {
        leases = new Map();
        leaseSecond = second;
      }
      const bucket = `${request.accountId}:${request.live ? 'live' : 'test'}:${request.kind}:${second}`;
      let lease = leases.get(bucket);
      if (!lease) {
        lease = { remaining: 0, exhausted: false };
        leases.set(bucket, lease);
      }
      const held = lease;
      for (;;) {
        if (held.remaining > 0) {
          held.remaining -= 1;
          return true;
        }
        // Counts only grow within a second: once the limit is reached, it stays reached.
        if (held.exhausted) return false;
        // Requests arriving together wait for one lease instead of each taking their own.
        if (!held.taking) {
          held.taking = takeLease(bucket, second, request.limit, held).finally(() => {
            held.taking = undefined;
          });
        }
        await held.taking;
      }
    },
  };

  async function takeLease(bucket: string, second: number, limit: number, held: Lease): Promise<void> {
    const windowStart = new Date(second * 1000).toISOString();
    const size = Math.max(1, Math.min(LEASE_MAX, Math.floor(limit / LEASE_SHARE)));
    for (const tokens of size > 1 ? [size, 1] : [1]) {
      if (await store.take(db, { bucket, windowStart, tokens, limit })) {
        held.remaining += tokens;
        return;
      }
    }
    held.exhausted = true;
  }
}

export type RateLimiter = ReturnType<typeof createRateLimiter>;
