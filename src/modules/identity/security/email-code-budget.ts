import { clientAddressKey } from './client-address.ts';
import { THROTTLE_RULES, type Throttle, type ThrottleEntry } from './throttle.ts';

/**
 * Who is asking for a code to be emailed. Anyone who knows an address may ask for a code to be
 * sent to it (to create an account, reset a password, or prove it after many wrong passwords);
 * someone who has given the account's password may ask for one to recover a way to get
 * security codes.
 */
export type EmailCodeRequest =
  | { kind: 'address-unproved'; journeyId: string; email: string }
  | { kind: 'password-proved'; journeyId: string; accountId: string };

/**
 * Limits on the codes emailed from the sign-in journey, in budgets kept apart so that strangers
 * cannot spend the one its owner needs: each journey may ask for a few (as GOV.UK One Login
 * allows), each client address (IPv6 by /64) for more across every journey, and a mailbox
 * receives at most THROTTLE_RULES.emailsToMailbox from people who have proved nothing. That
 * last one is larger than one address's budget, so nobody starves a mailbox from one address;
 * codes asked for after the account's password was given do not draw on it at all.
 */
export function createEmailCodeBudget(throttle: Throttle) {
  function entriesFor(request: EmailCodeRequest, clientIp: string): ThrottleEntry[] {
    const entries: ThrottleEntry[] = [
      { key: `email-codes-in:${request.journeyId}`, rule: THROTTLE_RULES.codeSending },
      { key: `emails-from:${clientAddressKey(clientIp)}`, rule: THROTTLE_RULES.emailsFromAddress },
    ];
    if (request.kind === 'address-unproved') entries.push({ key: `email-codes-to:${request.email}`, rule: THROTTLE_RULES.emailsToMailbox });
    return entries;
  }

  return {
    /** Spends one emailed code from every budget the request draws on, unless one is spent already; returns its lock if so. */
    async spend(request: EmailCodeRequest, clientIp: string): Promise<{ locked: true; until: Date } | undefined> {
      const attempt = await throttle.attemptEach(entriesFor(request, clientIp));
      return attempt.allowed ? undefined : { locked: true, until: attempt.until };
    },
  };
}

export type EmailCodeBudget = ReturnType<typeof createEmailCodeBudget>;
