import type { Database } from '../../../../platform/db/database.ts';
import { clientAddressKey } from '../../../../platform/http/client-address.ts';
import type { AssistantRateStore } from './assistant-rate.store.ts';

/** Questions one client address may ask a minute, through the API and the /ask pages together: far more than a person types. */
export const QUESTIONS_PER_MINUTE = 20;
const WINDOW_MS = 60_000;

export type RateDecision = { allowed: true } | { allowed: false; retryAfterSeconds: number };

/**
 * The assistant's rate limit: so many questions a minute from each client address (IPv6 by its
 * /64), counted in the database so every process shares the count. Each minute is a window of
 * its own; the first question a process sees in a new minute deletes the windows before the last.
 */
export function createAssistantRateLimit(dependencies: { db: Database; store: AssistantRateStore; clock?: () => Date; perMinute?: number }) {
  const { db, store } = dependencies;
  const clock = dependencies.clock ?? (() => new Date());
  const limit = dependencies.perMinute ?? QUESTIONS_PER_MINUTE;
  let lastWindow = 0;
  return {
    async attempt(clientIp: string): Promise<RateDecision> {
      const now = clock().getTime();
      const window = Math.floor(now / WINDOW_MS) * WINDOW_MS;
      if (window !== lastWindow) {
        lastWindow = window;
        await store.deleteBefore(db, new Date(window - WINDOW_MS).toISOString());
      }
      const windowStart = new Date(window).toISOString();
      const counted = await store.take(db, { bucket: `${clientAddressKey(clientIp)}@${windowStart}`, windowStart, limit });
      return counted ? { allowed: true } : { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil((window + WINDOW_MS - now) / 1000)) };
    },
  };
}

export type AssistantRateLimit = ReturnType<typeof createAssistantRateLimit>;
