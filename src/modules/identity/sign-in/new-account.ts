import { isUniqueViolation } from '../../../platform/db/unique-violation.ts';
import type { SecurityMethodRow } from '../accounts/account.store.ts';
import type { PageStep } from './sign-in-page.ts';

type NewMethod = Omit<SecurityMethodRow, 'id' | 'account_id' | 'created_at' | 'last_used_at'>;

export const NO_METHOD_FIELDS = { totp_secret: null, totp_last_step: null, phone_number: null, credential_id: null, public_key: null, sign_count: null, transports: null } as const;

/**
 * Creates the account this journey has proved everything for (its email address, its password
 * chosen, and now its first security method), then signs the person in. If the address has
 * found an account meanwhile (made in another journey), nothing is created and the person is
 * sent to start again.
 */
export async function createAccountAndSignIn(step: PageStep<'create:password-chosen'>, method: NewMethod) {
  const { request, journey, dependencies } = step;
  const { email, passwordHash } = journey.state;
  const startAgain = async () => {
    await step.restart();
    return step.reply.redirect(step.href('/create/email'), 303);
  };
  if (await dependencies.accounts.findByEmail(email)) return startAgain();
  let account;
  try {
    account = await request.server.db.transaction().execute(async (transaction) => {
      const created = await dependencies.accounts.createWithPasswordHash({ email, passwordHash, method }, transaction);
      await request.server.audit.record(
        { actor: `account:${created.id}`, action: 'identity.account.created', subject: `account:${created.id}`, outcome: 'success', requestId: request.id, details: { securityMethod: method.kind } },
        transaction,
      );
      return created;
    });
  } catch (error) {
    // Another journey for the same address created it a moment ago: as if it had been found above.
    if (isUniqueViolation(error)) return startAgain();
    throw error;
  }
  await dependencies.messages.sendSecurityNotice({ to: email, locale: request.locale, notice: 'accountCreated' });
  return step.finish(account.id, 'Cl.Cm', method.kind);
}
