import type { FastifyRequest } from 'fastify';
import { clientAddressKey } from '../../../security/client-address.ts';
import { THROTTLE_RULES } from '../../../security/throttle.ts';
import { codeRecipient, definePage, emailCode, minutesUntil, type PageStep } from '../../sign-in-page.ts';

export const passwordField = (t: FastifyRequest['t'], autocomplete: string, hint?: string) => ({
  name: 'password',
  kind: 'password',
  autocomplete,
  hint,
  label: t('identity.password.label'),
});

/** Wrong passwords for this account from every address; past THROTTLE_RULES.passwordAcrossAddresses the email is proved first. */
export const passwordAcrossAddressesKey = (accountId: string) => `password-across:${accountId}`;

type PasswordStep = PageStep<'sign-in:email-entered' | 'reset:code-sent'>;

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
  async get(step) {
    return renderPasswordPage(step);
  },
  async post(step) {
    const { t, request, journey, dependencies } = step;
    const { accounts, throttle, clock } = dependencies;
    const { email } = journey.state;
    const password = request.body?.password ?? '';
    if (!password) return renderPasswordPage(step, t('identity.password.missing'));

    const passwordCheck = await accounts.passwordCheckFor(email);
    const account = passwordCheck.account;
    const address = clientAddressKey(request.ip);
    const accountKey = `password:${account?.id ?? email}:${address}`;
    const addressKey = `password-from:${address}`;
    const acrossKey = passwordAcrossAddressesKey(account?.id ?? email);
    const [accountStatus, addressStatus, acrossStatus] = await throttle.statusOfEach([accountKey, addressKey, acrossKey]);
    for (const status of [accountStatus, addressStatus]) {
      if (status?.locked) return renderPasswordPage(step, t('identity.password.locked', { minutes: minutesUntil(status.until, clock()) }));
    }
    const emailProved = journey.state.name === 'sign-in:email-entered' && journey.state.emailProvedForPassword === true;
    if (account && acrossStatus?.locked && !emailProved) {
      const problem = await emailCode(step, { purpose: 'sign-in-email', email, recipient: codeRecipient(journey, account.id) });
      if (problem) return renderPasswordPage(step, problem);
      return step.moveTo({ name: 'sign-in:password-check-code-sent', email, accountId: account.id });
    }

    if (!(await passwordCheck.verify(password))) {
      const status = await throttle.recordFailure(accountKey, THROTTLE_RULES.password);
      await throttle.recordFailure(addressKey, THROTTLE_RULES.passwordFromAddress);
      if (account) await throttle.recordFailure(acrossKey, THROTTLE_RULES.passwordAcrossAddresses);
      await request.server.audit.record({
        actor: 'anonymous',
        action: 'identity.sign-in.password-wrong',
        subject: account ? `account:${account.id}` : 'account:unknown',
        outcome: 'failure',
        requestId: request.id,
        details: { locked: status.locked },
      });
      return renderPasswordPage(
        step,
        status.locked ? t('identity.password.locked', { minutes: minutesUntil(status.until, clock()) }) : t('identity.password.wrong'),
      );
    }
    const verified = account as NonNullable<typeof account>;
    if (accountStatus?.counted) await throttle.clear(accountKey);
    if (step.level() === 'Cl') return step.finish(verified.id, 'Cl');
    return step.moveTo({ name: 'sign-in:password-proved', email, accountId: verified.id, passwordProvedBy: 'password' });
  },
});
