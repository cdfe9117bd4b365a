import { checkTypedCode, codeField, codeRecipient, definePage, emailCodeGuessesKey, type PageStep, sentCode } from '../../sign-in-page.ts';

type CheckStep = PageStep<'sign-in:password-check-code-sent'>;

function renderCheckPage(step: CheckStep, fieldError?: string) {
  const { t, href, journey } = step;
  return step.renderQuestion({
    pageTitle: t('identity.checkEmail.title'),
    intro: [t('identity.passwordCheck.explain'), t('identity.passwordCheck.sentIfRight', { email: journey.state.email }), t('identity.checkEmail.expiry')],
    field: codeField(t, t('identity.checkEmail.label')),
    links: [{ href: href('/email'), text: t('identity.passwordCheck.startAgain') }],
    fieldError,
  });
}

/**
 * Sign in, after many wrong passwords for the account from anywhere: a code emailed to the
 * account's address if the password given was right, proved before the password is taken.
 */
export const passwordCheckEmailPage = definePage({
  path: '/password/check-email',
  states: ['sign-in:password-check-code-sent'],
  back: '/email',
  async get(step) {
    return renderCheckPage(step);
  },
  async post(step) {
    const { journey } = step;
    const { email, accountId } = journey.state;
    const problem = await checkTypedCode(step, {
      verify: sentCode(step, 'sign-in-email', codeRecipient(journey, accountId)),
      throttleKey: emailCodeGuessesKey(journey),
    });
    if (problem) return renderCheckPage(step, problem);
    return step.moveTo({ name: 'sign-in:email-entered', email, emailProvedForPassword: true });
  },
});
