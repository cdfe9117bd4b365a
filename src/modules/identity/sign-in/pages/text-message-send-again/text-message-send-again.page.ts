import { lastDigits, signInMethodsOf } from '../../security-code-ways.ts';
import { definePage, minutesUntil, type PageStep } from '../../sign-in-page.ts';
import { textSignInCode } from '../text-message/text-message.page.ts';

function renderSendAgain(step: PageStep<'sign-in:password-proved'>, input: { phoneNumber: string; error?: string }) {
  const { t, href } = step;
  return step.renderMessage({
    pageTitle: t('identity.textAgain.title'),
    paragraphs: [t('identity.textAgain.explain', { digits: lastDigits(input.phoneNumber) })],
    error: input.error ? { text: input.error, href: '#send-code' } : undefined,
    form: { action: href('/text-message/send-again'), button: t('identity.textAgain.send'), id: 'send-code' },
  });
}

/** Sign in with a text message: a new code, asked for with a button (never by showing a page). */
export const textMessageSendAgainPage = definePage({
  path: '/text-message/send-again',
  states: ['sign-in:password-proved'],
  back: '/text-message',
  async get(step) {
    const { phoneNumber } = signInMethodsOf(await step.dependencies.accounts.listMethods(step.journey.state.accountId));
    if (!phoneNumber) return step.reply.redirect(step.href('/security-code'), 303);
    return renderSendAgain(step, { phoneNumber });
  },
  async post(step) {
    const { t, journey, reply, href, dependencies } = step;
    const { phoneNumber } = signInMethodsOf(await dependencies.accounts.listMethods(journey.state.accountId));
    if (!phoneNumber) return reply.redirect(href('/security-code'), 303);
    const locked = await textSignInCode(step, phoneNumber);
    if (locked) return renderSendAgain(step, { phoneNumber, error: t('identity.checkEmail.tooManySent', { minutes: minutesUntil(locked.until, dependencies.clock()) }) });
    return step.moveTo({ ...journey.state, method: 'sms', textedTo: phoneNumber });
  },
});
