import type { AuditService } from '../../../platform/audit/audit.service.ts';
import type { AccountService } from '../accounts/account.service.ts';
import { clientAddressKey } from '../security/client-address.ts';
import { THROTTLE_RULES, type Throttle, type ThrottleStatus } from '../security/throttle.ts';

/** The account pages that ask for the password, as named in the audit trail. */
export type PasswordPage = 'confirm-password' | 'change-password' | 'delete-account';

export type PasswordCheckOutcome = { outcome: 'right' } | { outcome: 'wrong' } | { outcome: 'locked'; until: Date };

/**
 * Every account page that asks for the password checks it here, so they share one lock: a few
 * wrong passwords for the account, or many from one client address (IPv6 by /64), and no page
 * checks it for a while. Each wrong password goes to the audit trail, and to the person's
 * activity history.
 */
export function createAccountPasswordChecks(dependencies: { accounts: AccountService; throttle: Throttle; audit: AuditService }) {
  const { accounts, throttle, audit } = dependencies;

  return {
    async check(input: { accountId: string; email: string; password: string; clientIp: string; requestId: string; page: PasswordPage }): Promise<PasswordCheckOutcome> {
      const { accountId } = input;
      const accountKey = `password:${accountId}`;
      const addressKey = `password-from:${clientAddressKey(input.clientIp)}`;
      const [accountStatus, addressStatus] = await throttle.statusOfEach([accountKey, addressKey]);
      for (const status of [accountStatus, addressStatus]) {
        if (status?.locked) return { outcome: 'locked', until: status.until };
      }
      const account = await accounts.checkPassword(input.email, input.password);
      if (account?.id === accountId) {
        if (accountStatus?.counted) await throttle.clear(accountKey);
        return { outcome: 'right' };
      }
      const after = await throttle.recordFailure(accountKey, THROTTLE_RULES.password);
      const fromAddress = await throttle.recordFailure(addressKey, THROTTLE_RULES.passwordFromAddress);
      const locked = [after, fromAddress].find((status): status is Extract<ThrottleStatus, { locked: true }> => status.locked);
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
