import { THROTTLE_RULES } from '../../../security/throttle.ts';
import { checkTypedCode, codeRecipient, definePage, emailCodeGuessesKey, type PageStep, sentCode } from '../../sign-in-page.ts';
import { checkEmailQuestion } from '../reset-password-check-email/reset-password-check-email.page.ts';

const question = (step: PageStep<'create:code-sent'>, fieldError?: string) => ({
  ...checkEmailQuestion(step, step.journey.state.email, fieldError),
  links: [{ href: step.href('/create/email'), text: step.t('identity.checkEmail.sendAgain') }],
});

/** Create an account: the code sent to the journey's email address, in this journey. */
export const createCheckEmailPage = definePage({
  path: '/create/check-email',
  states: ['create:code-sent'],
  back: '/create/email',
  async get(step) {
    return step.renderQuestion(question(step));
  },
  async post(step) {
    const { journey } = step;
    const { email } = journey.state;
    const problem = await checkTypedCode(step, {
      verify: sentCode(step, 'verify-email', codeRecipient(journey, email)),
      throttleKey: emailCodeGuessesKey(journey),
      rule: THROTTLE_RULES.emailCode,
    });
    if (problem) return step.renderQuestion(question(step, problem));
    return step.moveTo({ name: 'create:email-proved', email });
  },
});
