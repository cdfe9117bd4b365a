import type { FastifyRequest } from 'fastify';
import { isPasswordTooLong } from '../../../accounts/passwords.ts';
import { clientAddressKey } from '../../../../../platform/http/client-address.ts';
import { firstLock, passwordAcrossAddressesKey, passwordCheckedByMailboxKey, THROTTLE_RULES } from '../../../security/throttle.ts';
import { codeRecipient, definePage, minutesUntil, sendSpentEmailCode, spendEmailCode, type PageStep } from '../../sign-in-page.ts';

export const passwordField = (t: FastifyRequest['t'], autocomplete: string, hint?: string) => ({
  name: 'password',
  kind: 'password',
  autocomplete,
  hint,
  label: t('identity.password.label'),
});

type PasswordStep = PageStep<'sign-in:email-entered' | 'reset:code-sent'>;

async function recordWrongPassword(step: PasswordStep, accountId: string | undefined, locked: boolean) {
  await step.request.server.audit.record({
    actor: 'anonymous',
    action: 'identity.sign-in.password-wrong',
    subject: accountId ? `account:${accountId}` : 'account:unknown',
    outcome: 'failure',
    requestId: step.request.id,
    details: { locked },
  });
}

function renderPasswordPage(step: PasswordStep, fieldError?: string) {
  const { t, href } = step;
  const pageTitle = t('identity.password.signInTitle');
  return step.renderQuestion({
    pageTitle,
    field: { ...passwordField(t, 'current-password'), label: pageTitle },
    links: [{ href: href('/reset-password'), text: t('identity.resetPassword.link') }],
    fieldError,
  });
}

/**
 * Sign in: the password, for the account with the journey's email address. Someone who asked for
 * a reset code and then remembered their password may still give it here.
 */
export const passwordPage = definePage({
  path: '/password',
  states: ['sign-in:email-entered', 'reset:code-sent'],
  back: '/email',
  async get(step) {
    return renderPasswordPage(step);
  },
  async post(step) {
    const { t, request, journey, dependencies } = step;
    const { accounts, throttle, clock } = dependencies;
    const { email } = journey.state;
    const password = request.body?.password ?? '';
    if (!password) return renderPasswordPage(step, t('identity.password.missing'));
    if (isPasswordTooLong(password)) return renderPasswordPage(step, t('identity.password.problem.tooLong'));

    const passwordCheck = await accounts.passwordCheckFor(email);
    const account = passwordCheck.account;
    const address = clientAddressKey(request.ip);
    const accountKey = `password:${account?.id ?? email}:${address}`;
    const addressKey = `password-from:${address}`;
    const lockedMessage = (until: Date) => t('identity.password.locked', { minutes: minutesUntil(until, clock()) });

    // Each try counts before the password is checked, so tries sent all at once are counted too.
    const attempt = await throttle.attemptEach([
      { key: accountKey, rule: THROTTLE_RULES.password },
      { key: addressKey, rule: THROTTLE_RULES.passwordFromAddress },
    ]);
    if (!attempt.allowed) return renderPasswordPage(step, lockedMessage(attempt.until));
    const emailProved = journey.state.name === 'sign-in:email-entered' && journey.state.emailProvedForPassword === true;
    const acrossKey = account && !emailProved ? passwordAcrossAddressesKey(account.id) : undefined;
    if (account && acrossKey && !(await throttle.attempt(acrossKey, THROTTLE_RULES.passwordAcrossAddresses)).allowed) {
      // Too many wrong passwords for the account from everywhere. The password is still checked,
      // but whether it was right is told only to whoever holds the mailbox: a code is sent only
      // when it was, and the page is the same either way. Strangers guessing learn nothing, and
      // spend only their own budgets, never one the owner needs.
      const problem = await spendEmailCode(step, { email, journeyId: journey.id, chargeMailbox: false });
      if (problem) return renderPasswordPage(step, problem);
      // The mailbox learns which guess was right, so whoever reads it gets only a few for the day;
      // past them nothing is checked. Nothing the guesser could see changes with the outcome.
      const checkedKey = passwordCheckedByMailboxKey(account.id);
      const guess = await throttle.attempt(checkedKey, THROTTLE_RULES.passwordCheckedByMailbox);
      // Past them, the same answer for a right password and a wrong one, pointing to the way in
      // no stranger can lock: a reset (the mailbox, a new password, then the second factor).
      if (!guess.allowed) return renderPasswordPage(step, t('identity.password.lockedResetToSignIn'));
      if (await passwordCheck.verify(password)) {
        await throttle.refund(checkedKey, THROTTLE_RULES.passwordCheckedByMailbox);
        await sendSpentEmailCode(step, { purpose: 'sign-in-email', email, recipient: codeRecipient(journey, account.id) });
      } else {
        await recordWrongPassword(step, account.id, true);
      }
      return step.moveTo({ name: 'sign-in:password-check-code-sent', email, accountId: account.id });
    }

    if (!(await passwordCheck.verify(password))) {
      const lock = firstLock(attempt.after);
      await recordWrongPassword(step, account?.id, lock !== undefined);
      return renderPasswordPage(step, lock ? lockedMessage(lock.until) : t('identity.password.wrong'));
    }
    const verified = account as NonNullable<typeof account>;
    await throttle.clear(accountKey);
    await throttle.refund(addressKey, THROTTLE_RULES.passwordFromAddress);
    if (acrossKey) await throttle.refund(acrossKey, THROTTLE_RULES.passwordAcrossAddresses);
    // A password set by a reset is only the mailbox's word until a second factor confirms it:
    // until then even a password-only service gets the second factor asked for.
    if (step.level() === 'Cl' && !(await accounts.passwordSetByEmailOnly(verified.id))) return step.finish(verified.id, 'Cl');
    return step.moveTo({ name: 'sign-in:password-proved', email, accountId: verified.id, passwordProvedBy: 'password', passwordProvedAt: clock().toISOString() });
  },
});
