import { clientAddressKey } from '../../../platform/http/client-address.ts';
import { THROTTLE_RULES, type Throttle } from './throttle.ts';

/**
 * Why a text message is sent, and for whom. A sign-in code goes to the account's own number;
 * a verification code goes to a number someone is proving they hold, at the request of an
 * account or of a journey creating one.
 */
export type TextReason =
  | { kind: 'sign-in'; accountId: string }
  | { kind: 'verify-number'; requestedBy: string; phoneNumber: string };

/**
 * Limits on the text messages Civitas sends, kept apart so that one budget cannot be spent to
 * empty another: anyone may ask for verification codes to be sent to any number, so if they
 * shared the number's budget with sign-in codes, a stranger could keep the number's owner from
 * signing in. Sign-in codes are counted per account; verification codes per requester and per
 * number; every text from one client address (IPv6 by /64) is counted too.
 */
export function createTextBudget(throttle: Throttle) {
  function keysFor(reason: TextReason, clientIp: string): string[] {
    const fromAddress = `texts-from:${clientAddressKey(clientIp)}`;
    if (reason.kind === 'sign-in') return [`sign-in-texts:${reason.accountId}`, fromAddress];
    return [`verify-texts-by:${reason.requestedBy}`, `verify-texts-to:${reason.phoneNumber}`, fromAddress];
  }

  return {
    /** Spends one text from every budget the reason draws on, unless one is spent already; returns its lock if so. */
    async spend(reason: TextReason, clientIp: string): Promise<{ locked: true; until: Date } | undefined> {
      const entries = keysFor(reason, clientIp).map((key) => ({
        key,
        rule: key.startsWith('texts-from:') ? THROTTLE_RULES.textsFromAddress : THROTTLE_RULES.codeSending,
      }));
      const attempt = await throttle.attemptEach(entries);
      return attempt.allowed ? undefined : { locked: true, until: attempt.until };
    },
  };
}

export type TextBudget = ReturnType<typeof createTextBudget>;
