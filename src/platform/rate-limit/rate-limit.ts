import type { Database } from '../db/database.ts';
import { clientAddressKey } from '../http/client-address.ts';
import { createRateLimitStore } from './rate-limit.store.ts';

export type RateLimitDecision = { allowed: true } | { allowed: false; retryAfterSeconds: number };

/** Far more addresses than one process sees past a limit in a window; past it, it forgets and asks the database again. */
const MAX_REMEMBERED = 10_000;

/**
 * So many events a window for each client address (IPv6 by its /64), counted in the database so
 * every process shares the count: fixed windows, one row per address and window, each counted in
 * one statement that stops at the limit. An address found past its limit is remembered in this
 * process until its window ends, so a flood costs the database nothing more; another process
 * learns it at its own next event. The first event a process sees in a new window deletes this
 * limit's windows before the last. `name` keeps one limit's counts apart from another's.
 */
export function createAddressRateLimit(dependencies: { db: Database; name: string; perWindow: number; windowSeconds: number; clock?: () => Date }) {
  const limit = createKeyedRateLimit(dependencies);
  return {
    /** Counts one event from the address: allowed while the address is within its limit. */
    take: (clientIp: string): Promise<RateLimitDecision> => limit.take(clientAddressKey(clientIp)),
  };
}

/**
 * The same limit for any key the caller chooses (a signed-in person, say; the caller keeps
 * secrets and personal identifiers out of it by hashing): `take` counts one event, `check` says
 * whether one more would be allowed without counting it.
 */
export function createKeyedRateLimit(dependencies: { db: Database; name: string; perWindow: number; windowSeconds: number; clock?: () => Date }) {
  const { name, perWindow } = dependencies;
  const store = createRateLimitStore(dependencies.db);
  const clock = dependencies.clock ?? (() => new Date());
  const windowMs = dependencies.windowSeconds * 1000;
  const full = new Map<string, number>();
  let lastWindow = 0;

  const refusal = (windowEnds: number, now: number): RateLimitDecision => ({ allowed: false, retryAfterSeconds: Math.max(1, Math.ceil((windowEnds - now) / 1000)) });

  return {
    /** Counts one event for the key: allowed while the key is within its limit. */
    async take(key: string): Promise<RateLimitDecision> {
      const now = clock().getTime();
      const window = Math.floor(now / windowMs) * windowMs;
      const knownFullUntil = full.get(key);
      if (knownFullUntil !== undefined && knownFullUntil > now) return refusal(knownFullUntil, now);
      if (window !== lastWindow) {
        lastWindow = window;
        for (const [address, until] of full) if (until <= now) full.delete(address);
        await store.deleteBefore(new Date(window - windowMs).toISOString(), `${name}:`);
      }
      const windowStart = new Date(window).toISOString();
      if (await store.take({ bucket: `${name}:${key}@${windowStart}`, windowStart, limit: perWindow })) return { allowed: true };
      if (full.size >= MAX_REMEMBERED) full.clear();
      full.set(key, window + windowMs);
      return refusal(window + windowMs, now);
    },
    /** Whether one more event for the key would be allowed, counting nothing. */
    async check(key: string): Promise<RateLimitDecision> {
      const now = clock().getTime();
      const window = Math.floor(now / windowMs) * windowMs;
      const knownFullUntil = full.get(key);
      if (knownFullUntil !== undefined && knownFullUntil > now) return refusal(knownFullUntil, now);
      const counted = await store.count(`${name}:${key}@${new Date(window).toISOString()}`);
      return counted < perWindow ? { allowed: true } : refusal(window + windowMs, now);
    },
  };
}

export type KeyedRateLimit = ReturnType<typeof createKeyedRateLimit>;

export type AddressRateLimit = ReturnType<typeof createAddressRateLimit>;
