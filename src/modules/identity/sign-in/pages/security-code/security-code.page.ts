import { METHOD_PAGES, methodInUse, securityCodeLinks, signInMethodsOf } from '../../security-code-ways.ts';
import { checkTypedCode, codeField, codeRecipient, definePage, sentCode } from '../../sign-in-page.ts';

/**
 * Sign in: the security code, from the account's authenticator app or from the text message the
 * text-message page sent. Either is checked for the account whose password this journey proved.
 */
export const securityCodePage = definePage({
  path: '/security-code',
  states: ['sign-in:password-proved'],
  back: (state) => (state.method ? '/security-code-method' : '/email'),
  async get(step) {
    const { t, journey, reply, href, dependencies } = step;
    const { kinds } = signInMethodsOf(await dependencies.accounts.listMethods(journey.state.accountId));
    const method = methodInUse(journey.state, kinds);
    if (method === 'sms' || method === 'passkey') return reply.redirect(href(METHOD_PAGES[method]), 303);
    return step.renderQuestion({
      pageTitle: t('identity.securityCode.title'),
      intro: [t('identity.securityCode.authAppIntro')],
      field: codeField(t, t('identity.securityCode.label')),
      links: securityCodeLinks(step, { method: 'auth-app', kinds }),
    });
  },
  async post(step) {
    const { t, request, journey, dependencies } = step;
    const { accountId } = journey.state;
    const { kinds } = signInMethodsOf(await dependencies.accounts.listMethods(accountId));
    const bySms = methodInUse(journey.state, kinds) === 'sms';
    const problem = await checkTypedCode(step, {
      verify: bySms
        ? sentCode(step, 'sign-in-sms', codeRecipient(journey, accountId))
        : (code) => dependencies.accounts.checkAuthenticatorAppCode(accountId, code),
      throttleKey: `security-code:${accountId}`,
      wrongMessage: 'identity.securityCode.wrong',
      onWrong: async (locked) => {
        await request.server.audit.record({
          actor: `account:${accountId}`,
          action: 'identity.sign-in.security-code-wrong',
          subject: `account:${accountId}`,
          outcome: 'failure',
          requestId: request.id,
          details: { locked },
        });
      },
    });
    if (problem) {
      return step.renderQuestion({
        pageTitle: t('identity.securityCode.title'),
        intro: [t(bySms ? 'identity.securityCode.smsIntro' : 'identity.securityCode.authAppIntro')],
        field: codeField(t, t('identity.securityCode.label')),
        links: securityCodeLinks(step, { method: bySms ? 'sms' : 'auth-app', kinds }),
        fieldError: problem,
      });
    }
    await dependencies.accounts.provedSecondFactor(accountId, journey.state.passwordProvedAt);
    return step.finish(accountId, 'Cl.Cm', bySms ? 'sms' : 'auth-app');
  },
});
