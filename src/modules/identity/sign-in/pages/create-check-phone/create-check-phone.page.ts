import { lastDigits } from '../../security-code-ways.ts';
import { createAccountAndSignIn, NO_METHOD_FIELDS } from '../../new-account.ts';
import { checkTypedCode, codeField, codeRecipient, definePage, sentCode, type PageStep } from '../../sign-in-page.ts';

const question = (step: PageStep<'create:password-chosen'>, phoneNumber: string, fieldError?: string) => ({
  pageTitle: step.t('identity.checkPhone.title'),
  intro: [step.t('identity.checkPhone.sent', { digits: lastDigits(phoneNumber) }), step.t('identity.checkEmail.expiry')],
  field: codeField(step.t, step.t('identity.checkEmail.label')),
  links: [{ href: step.href('/create/phone'), text: step.t('identity.checkPhone.sendAgain') }],
  fieldError,
});

/** Create an account with text messages: the code texted to the number, in this journey. */
export const createCheckPhonePage = definePage({
  path: '/create/check-phone',
  states: ['create:password-chosen'],
  back: '/create/phone',
  async get(step) {
    const { phoneNumber } = step.journey.state;
    if (!phoneNumber) return step.reply.redirect(step.href('/create/phone'), 303);
    return step.renderQuestion(question(step, phoneNumber));
  },
  async post(step) {
    const { journey } = step;
    const { phoneNumber } = journey.state;
    if (!phoneNumber) return step.reply.redirect(step.href('/create/phone'), 303);
    const problem = await checkTypedCode(step, {
      verify: sentCode(step, 'verify-phone', codeRecipient(journey, phoneNumber)),
      throttleKey: `phone-code-guesses:${journey.id}`,
    });
    if (problem) return step.renderQuestion(question(step, phoneNumber, problem));
    return createAccountAndSignIn(step, { ...NO_METHOD_FIELDS, kind: 'sms', phone_number: phoneNumber });
  },
});
