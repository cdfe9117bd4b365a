import type { Database } from '../../../../platform/db/database.ts';
import { createAddressRateLimit, type RateLimitDecision } from '../../../../platform/rate-limit/rate-limit.ts';

/** Questions one client address may ask a minute, through the API and the /ask pages together: far more than a person types. */
export const QUESTIONS_PER_MINUTE = 20;

export type RateDecision = RateLimitDecision;

/**
 * The assistant's rate limit: so many questions a minute from each client address (IPv6 by its
 * /64), on the kernel's address rate limit, so every process shares the count.
 */
export function createAssistantRateLimit(dependencies: { db: Database; clock?: () => Date; perMinute?: number }) {
  const perMinute = dependencies.perMinute ?? QUESTIONS_PER_MINUTE;
  const limit = createAddressRateLimit({ db: dependencies.db, name: 'guidance-assistant', perWindow: perMinute, windowSeconds: 60, ...(dependencies.clock ? { clock: dependencies.clock } : {}) });
  return {
    /** Questions (and feedback) one client address may send a minute. */
    perMinute,
    attempt: (clientIp: string): Promise<RateDecision> => limit.take(clientIp),
  };
}

export type AssistantRateLimit = ReturnType<typeof createAssistantRateLimit>;
