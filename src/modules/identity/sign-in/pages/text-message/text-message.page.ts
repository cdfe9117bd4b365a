import { lastDigits, securityCodeLinks, signInMethodsOf } from '../../security-code-ways.ts';
import { codeField, codeRecipient, definePage, minutesUntil, type PageStep } from '../../sign-in-page.ts';

type TextStep = PageStep<'sign-in:password-proved'>;

/**
 * Texts a sign-in code to the account's phone, within the account's own budget of sign-in texts
 * (verification codes that strangers send to the number cannot spend it). Returns the lock if
 * the budget is spent.
 */
export async function textSignInCode(step: TextStep, phoneNumber: string) {
  const { journey, request, dependencies } = step;
  const { accountId } = journey.state;
  const locked = await dependencies.textBudget.spend({ kind: 'sign-in', accountId }, request.ip);
  if (locked) return locked;
  const code = await dependencies.codes.issue('sign-in-sms', codeRecipient(journey, accountId));
  await dependencies.messages.sendSmsCode({ to: phoneNumber, code, locale: request.locale });
  return undefined;
}

/**
 * Sign in with a text message: texts a code to the account's phone the first time the page is
 * shown in this state, then asks for it. Showing it again (a reload, the back button, a browser
 * that fetches pages ahead) texts nothing; a new code is asked for with a button.
 */
export const textMessagePage = definePage({
  path: '/text-message',
  states: ['sign-in:password-proved'],
  back: (state) => (state.method ? '/security-code-method' : '/email'),
  async get(step) {
    const { t, journey, reply, href, dependencies } = step;
    const { kinds, phoneNumber } = signInMethodsOf(await dependencies.accounts.listMethods(journey.state.accountId));
    if (!phoneNumber) return reply.redirect(href('/security-code'), 303);
    const locked = journey.state.textedTo === phoneNumber ? undefined : await textSignInCode(step, phoneNumber);
    await step.update({ ...journey.state, method: 'sms', textedTo: locked ? undefined : phoneNumber });
    return step.renderQuestion({
      pageTitle: t('identity.securityCode.title'),
      intro: [t('identity.checkPhone.sent', { digits: lastDigits(phoneNumber) }), t('identity.checkEmail.expiry')],
      field: codeField(t, t('identity.securityCode.label')),
      action: href('/security-code'),
      ...(locked ? { fieldError: t('identity.checkEmail.tooManySent', { minutes: minutesUntil(locked.until, dependencies.clock()) }) } : {}),
      links: securityCodeLinks(step, { method: 'sms', kinds }),
    });
  },
});
