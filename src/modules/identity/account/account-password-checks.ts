import type { AuditService } from '../../../platform/audit/audit.service.ts';
import type { AccountService } from '../accounts/account.service.ts';
import { clientAddressKey } from '../../../platform/http/client-address.ts';
import { firstLock, passwordAcrossAddressesKey, THROTTLE_RULES, type Throttle } from '../security/throttle.ts';

/** The account pages that ask for the password, as named in the audit trail. */
export type PasswordPage = 'confirm-password' | 'change-password' | 'delete-account';

export type PasswordCheckOutcome = { outcome: 'right' } | { outcome: 'wrong' } | { outcome: 'locked'; until: Date };

/**
 * Every account page that asks for the password checks it here, so they share one lock: a few
 * wrong passwords for the account, or many from one client address (IPv6 by /64), and no page
 * checks it for a while; each also counts towards the account's ceiling of wrong passwords at
 * sign-in. Each wrong password goes to the audit trail, and to the person's activity history.
 */
export function createAccountPasswordChecks(dependencies: { accounts: AccountService; throttle: Throttle; audit: AuditService }) {
  const { accounts, throttle, audit } = dependencies;

  return {
    async check(input: { accountId: string; email: string; password: string; clientIp: string; requestId: string; page: PasswordPage }): Promise<PasswordCheckOutcome> {
      const { accountId } = input;
      const accountKey = `password:${accountId}`;
      const addressKey = `password-from:${clientAddressKey(input.clientIp)}`;
      // Each try counts before the password is checked, so tries sent all at once are counted too.
      const attempt = await throttle.attemptEach([
        { key: accountKey, rule: THROTTLE_RULES.password },
        { key: addressKey, rule: THROTTLE_RULES.passwordFromAddress },
      ]);
      if (!attempt.allowed) return { outcome: 'locked', until: attempt.until };
      const account = await accounts.checkPassword(input.email, input.password);
      if (account?.id === accountId) {
        await throttle.clear(accountKey);
        await throttle.refund(addressKey, THROTTLE_RULES.passwordFromAddress);
        return { outcome: 'right' };
      }
      // A wrong password here is one more towards the ceiling for the account at sign-in too.
      await throttle.attempt(passwordAcrossAddressesKey(accountId), THROTTLE_RULES.passwordAcrossAddresses);
      const locked = firstLock(attempt.after);
      await audit.record({
        actor: `account:${accountId}`,
        action: 'identity.sign-in.password-wrong',
        subject: `account:${accountId}`,
        outcome: 'failure',
        requestId: input.requestId,
        details: { page: input.page, locked: locked !== undefined },
      });
      return locked ? { outcome: 'locked', until: locked.until } : { outcome: 'wrong' };
    },
  };
}

export type AccountPasswordChecks = ReturnType<typeof createAccountPasswordChecks>;
