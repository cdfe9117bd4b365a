import { clientAddressKey } from '../../../platform/http/client-address.ts';
import { THROTTLE_RULES, type Throttle, type ThrottleEntry } from './throttle.ts';

/** Who asks for a code to be emailed, and to which mailbox. */
export type EmailCodeRequest = {
  /** `journey:<id>` for the sign-in journey, `account:<id>` for the account pages. */
  requestedBy: string;
  /**
   * The mailbox the code goes to, when the asker has proved nothing that makes it theirs: anyone
   * who knows an address may ask for a code to create an account, reset a password, or change an
   * account's address to it. Left out when the account's password was given (recovery).
   */
  unprovedMailbox?: string;
};

/**
 * Limits on emailed codes, in budgets kept apart so that strangers cannot spend the one an owner
 * needs: each journey or account may ask for a few (as GOV.UK One Login allows), each client
 * address (IPv6 by /64) for more across all of them, and a mailbox receives at most
 * THROTTLE_RULES.emailsToMailbox from people who have proved nothing, which is more than one
 * address may ask for.
 */
export function createEmailCodeBudget(throttle: Throttle) {
  function entriesFor(request: EmailCodeRequest, clientIp: string): ThrottleEntry[] {
    const entries: ThrottleEntry[] = [
      { key: `email-codes-by:${request.requestedBy}`, rule: THROTTLE_RULES.codeSending },
      { key: `emails-from:${clientAddressKey(clientIp)}`, rule: THROTTLE_RULES.emailsFromAddress },
    ];
    if (request.unprovedMailbox) entries.push({ key: `email-codes-to:${request.unprovedMailbox}`, rule: THROTTLE_RULES.emailsToMailbox });
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
