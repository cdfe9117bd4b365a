import type { FastifyRequest } from 'fastify';
import { checkNewPassword } from '../../../accounts/passwords.ts';
import { clientAddressKey } from '../../../../../platform/http/client-address.ts';
import { passwordAcrossAddressesKey, passwordCheckedByMailboxKey } from '../../../security/throttle.ts';
import { stillAtProvedAddress } from '../../journey/account-binding.ts';
import { definePage } from '../../sign-in-page.ts';
import { passwordField } from '../password/password.page.ts';

export const newPasswordQuestion = (t: FastifyRequest['t'], fieldError?: string) => ({
  pageTitle: t('identity.password.createTitle'),
  field: { ...passwordField(t, 'new-password', t('identity.password.createHint')), label: t('identity.password.createTitle') },
  fieldError,
});

/**
 * Forgotten password: the new password, for the account whose email address this journey
 * proved. The second factor is still asked for afterwards, at every level.
 */
export const resetPasswordNewPage = definePage({
  path: '/reset-password/new',
  states: ['reset:email-proved'],
  back: '/email',
  async get(step) {
    return step.renderQuestion(newPasswordQuestion(step.t));
  },
  async post(step) {
    const { t, request, journey, dependencies } = step;
    const { email, accountId } = journey.state;
    const password = request.body?.password ?? '';
    const problem = checkNewPassword(password);
    if (problem) return step.renderQuestion(newPasswordQuestion(t, t(`identity.password.problem.${problem}`)));
    // The owner moved the account to another address since this journey proved the old one.
    if (!(await stillAtProvedAddress(step, { accountId, email }))) {
      await step.restart();
      return step.reply.redirect(step.href('/email'), 303);
    }
    await request.server.db.transaction().execute(async (transaction) => {
      await dependencies.accounts.changePassword(accountId, password, transaction, { provedBy: 'email' });
      await request.server.audit.record(
        { actor: `account:${accountId}`, action: 'identity.password.changed', subject: `account:${accountId}`, outcome: 'success', requestId: request.id, details: { provedBy: 'email' } },
        transaction,
      );
    });
    // The password guessed at is gone: its counters count for nothing now.
    for (const key of [`password:${accountId}:${clientAddressKey(request.ip)}`, passwordAcrossAddressesKey(accountId), passwordCheckedByMailboxKey(accountId)]) {
      await dependencies.throttle.clear(key);
    }
    await dependencies.messages.sendSecurityNotice({ to: email, locale: request.locale, notice: 'passwordChanged' });
    // Whatever level the service asked for, the second factor follows: a reset proves only the
    // mailbox, and the mailbox alone never signs anyone in (not even to a password-only service).
    return step.moveTo({ name: 'sign-in:password-proved', email, accountId, passwordProvedBy: 'email', passwordProvedAt: dependencies.clock().toISOString() });
  },
});
