import { createHmac, hkdfSync, randomBytes, timingSafeEqual } from 'node:crypto';

/** How long after an answer is shown its "was this useful?" vote is taken. */
export const TICKET_LIFETIME_MS = 24 * 60 * 60 * 1000;
const TICKET = /^([A-Za-z0-9_-]{22})\.(\d{1,15})\.([A-Za-z0-9_-]{43})$/;

/**
 * A ticket for the one vote an answer may get: given with the answer, it names a random answer id,
 * when the answer was given and (by its MAC) the passages shown, so a vote counts only for an
 * answer the assistant gave, within a day, and (with the vote store) once. It holds nothing of
 * the question. The key comes from COOKIE_SECRET, so every process behind a balancer agrees.
 */
export function createAnswerTickets(dependencies: { secret: string; clock?: () => Date }) {
  const key = Buffer.from(hkdfSync('sha256', dependencies.secret, 'civitas', 'guidance answer votes', 32));
  const clock = dependencies.clock ?? (() => new Date());
  const macOf = (answerId: string, issuedAt: string, passageIds: readonly string[]) =>
    createHmac('sha256', key).update(`${answerId}\u0000${issuedAt}\u0000${passageIds.join('\u0000')}`).digest();

  return {
    issue(passageIds: readonly string[]): string {
      const answerId = randomBytes(16).toString('base64url');
      const issuedAt = String(clock().getTime());
      return `${answerId}.${issuedAt}.${macOf(answerId, issuedAt, passageIds).toString('base64url')}`;
    },
    /** The answer id the ticket was issued for, when it was issued for these passages and has not expired. */
    verify(ticket: string, passageIds: readonly string[]): { answerId: string } | undefined {
      const parts = TICKET.exec(ticket);
      if (!parts) return undefined;
      const [, answerId, issuedAt, mac] = parts as unknown as [string, string, string, string];
      const age = clock().getTime() - Number(issuedAt);
      if (age < 0 || age > TICKET_LIFETIME_MS) return undefined;
      // Compared as text: 43 base64url characters carry two bits more than 32 bytes, which decoding would ignore.
      const expected = Buffer.from(macOf(answerId, issuedAt, passageIds).toString('base64url'));
      const given = Buffer.from(mac);
      return given.length === expected.length && timingSafeEqual(given, expected) ? { answerId } : undefined;
    },
  };
}

export type AnswerTickets = ReturnType<typeof createAnswerTickets>;
