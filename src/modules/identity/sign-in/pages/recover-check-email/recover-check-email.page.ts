import { checkTypedCode, codeRecipient, definePage, sentCode } from '../../sign-in-page.ts';
import { checkEmailQuestion } from '../reset-password-check-email/reset-password-check-email.page.ts';

/** Lost every way to get a security code: the code emailed for the account, in this journey. */
export const recoverCheckEmailPage = definePage({
  path: '/recover/check-email',
  states: ['recover:code-sent'],
  back: '/recover',
  async get(step) {
    return step.renderQuestion(checkEmailQuestion(step, step.journey.state.email));
  },
  async post(step) {
    const { journey } = step;
    const { email, accountId } = journey.state;
    const problem = await checkTypedCode(step, {
      verify: sentCode(step, 'recover-security-method', codeRecipient(journey, accountId)),
      throttleKey: `security-code:${accountId}`,
    });
    if (problem) return step.renderQuestion(checkEmailQuestion(step, email, problem));
    return step.moveTo({ name: 'recover:email-proved', email, accountId });
  },
});
