import type { Account } from '../../accounts/account.service.ts';
import type { PageStep } from '../sign-in-page.ts';

/**
 * Whether the account a journey proved things for still has the email address the journey proved.
 * A code sent to an address proves that mailbox, not the account: once the owner has moved the
 * account to another address, a proof of the old mailbox (perhaps the very mailbox they left
 * because someone else reads it) must not change the account.
 */
export async function stillAtProvedAddress(step: Pick<PageStep<never>, 'dependencies'>, proved: { accountId: string; email: string }): Promise<boolean> {
  const account: Account | undefined = await step.dependencies.accounts.findById(proved.accountId);
  return account !== undefined && account.email === proved.email;
}
