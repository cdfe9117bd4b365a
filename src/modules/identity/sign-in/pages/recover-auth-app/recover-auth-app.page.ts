import { createAuthenticatorSecret } from '../../../accounts/authenticator-app.ts';
import { checkNewAuthenticatorApp, renderAuthenticatorAppQuestion } from '../../authenticator-app-question.ts';
import { stillAtProvedAddress } from '../../journey/account-binding.ts';
import { definePage } from '../../sign-in-page.ts';

/**
 * Lost every way to get a security code: a new authenticator app for the account whose password
 * and email address this journey proved. It replaces the account's app; the owner is told.
 */
export const recoverAuthAppPage = definePage({
  path: '/recover/auth-app',
  states: ['recover:email-proved'],
  back: '/email',
  async get(step) {
    const { journey } = step;
    const secret = journey.state.authAppSecret ?? createAuthenticatorSecret();
    if (!journey.state.authAppSecret) await step.update({ ...journey.state, authAppSecret: secret });
    return renderAuthenticatorAppQuestion(step, { email: journey.state.email, secret });
  },
  async post(step) {
    const { request, journey, dependencies } = step;
    const { accountId, email, authAppSecret } = journey.state;
    if (!authAppSecret) return step.reply.redirect(step.href('/recover/auth-app'), 303);
    // A password reset by email elsewhere since this journey proved the password: the mailbox
    // alone must not also replace the app.
    if (!(await stillAtProvedAddress(step, { accountId, email }))) {
      await step.restart();
      return step.reply.redirect(step.href('/email'), 303);
    }
    if (await dependencies.accounts.passwordSetByEmailOnly(accountId)) {
      return step.renderMessage({ pageTitle: step.t('identity.recover.title'), paragraphs: [step.t('identity.recover.afterReset')] });
    }
    const checked = await checkNewAuthenticatorApp(step, { email, secret: authAppSecret });
    if ('shown' in checked) return checked.shown;
    await request.server.db.transaction().execute(async (transaction) => {
      await dependencies.accounts.replaceAuthenticatorApp(accountId, { secret: authAppSecret, step: checked.timeStep }, transaction);
      await request.server.audit.record(
        { actor: `account:${accountId}`, action: 'identity.security-method.replaced', subject: `account:${accountId}`, outcome: 'success', requestId: request.id, details: { method: 'auth-app', provedBy: 'email' } },
        transaction,
      );
    });
    await dependencies.messages.sendSecurityNotice({ to: email, locale: request.locale, notice: 'authAppReplaced' });
    return step.finish(accountId, 'Cl.Cm', 'email-recovery');
  },
});
