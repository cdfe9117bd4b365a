import type { FastifyReply } from 'fastify';
import type { Database } from '../../../platform/db/database.ts';
import { createAddressRateLimit } from '../../../platform/rate-limit/rate-limit.ts';
import { sendXRoadError, XRoadError } from './xroad-error.ts';

/** Calls refused before their client was proved, from one client address, a minute: far more than a misconfigured client makes while someone fixes it. */
export const UNPROVED_REFUSALS_PER_MINUTE = 30;

/**
 * A limit on the calls the gateway refuses before the client is proved (unsigned, a bad or
 * replayed signature, an unknown key, malformed identifiers): each costs lookups, a message log
 * record and a log line, and anyone can send them. Past the limit, such a call from that address
 * is answered `Client.TooManyRequests` (429, Retry-After) with none of those. A call whose client
 * is proved is never counted or limited, so a well-behaved client is not slowed by a flood from
 * its address.
 */
export function createRefusalLimit(dependencies: { db: Database; perMinute?: number; clock?: () => Date }) {
  const limit = createAddressRateLimit({ db: dependencies.db, name: 'exchange-unproved-refusals', perWindow: dependencies.perMinute ?? UNPROVED_REFUSALS_PER_MINUTE, windowSeconds: 60, ...(dependencies.clock ? { clock: dependencies.clock } : {}) });
  return {
    /** Counts one refusal of an unproved call from the address; the answer to give instead once it is past its limit. */
    async count(clientIp: string): Promise<{ error: XRoadError; retryAfterSeconds: number } | undefined> {
      const decision = await limit.take(clientIp);
      if (decision.allowed) return undefined;
      return { error: new XRoadError('Client.TooManyRequests', 'Too many refused calls from this address: try again later'), retryAfterSeconds: decision.retryAfterSeconds };
    },
  };
}

export type RefusalLimit = ReturnType<typeof createRefusalLimit>;

/** The answer past the limit: nothing of the call is read, logged or recorded; a body left unsent ends the connection. */
export function sendTooManyRefusals(reply: FastifyReply, limited: { error: XRoadError; retryAfterSeconds: number }, call: { xRoadId: string; bodyUnread: boolean }): FastifyReply {
  reply.header('retry-after', String(limited.retryAfterSeconds));
  if (call.bodyUnread) reply.header('connection', 'close');
  return sendXRoadError(reply, limited.error, call.xRoadId);
}
