import { THROTTLE_RULES } from '../../../security/throttle.ts';
import { checkTypedCode, codeField, codeRecipient, definePage, emailCodeGuessesKey, type PageTools, sentCode } from '../../sign-in-page.ts';

export function checkEmailQuestion(step: PageTools, email: string, fieldError?: string) {
  const { t } = step;
  return {
    pageTitle: t('identity.checkEmail.title'),
    intro: [t('identity.checkEmail.sent', { email }), t('identity.checkEmail.expiry')],
    field: codeField(t, t('identity.checkEmail.label')),
    fieldError,
  };
}

/** Forgotten password: the code emailed for the account, in this journey. */
export const resetPasswordCheckEmailPage = definePage({
  path: '/reset-password/check-email',
  states: ['reset:code-sent'],
  back: '/reset-password',
  async get(step) {
    return step.renderQuestion(checkEmailQuestion(step, step.journey.state.email));
  },
  async post(step) {
    const { journey } = step;
    const { email, accountId } = journey.state;
    const problem = await checkTypedCode(step, {
      verify: accountId ? sentCode(step, 'reset-password', codeRecipient(journey, accountId)) : async () => false,
      throttleKey: emailCodeGuessesKey(journey),
      rule: THROTTLE_RULES.emailCode,
    });
    if (problem || !accountId) return step.renderQuestion(checkEmailQuestion(step, email, problem));
    return step.moveTo({ name: 'reset:email-proved', email, accountId });
  },
});
