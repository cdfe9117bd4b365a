import { THROTTLE_RULES } from '../../../security/throttle.ts';
import { codeRecipient, definePage, emailCode, minutesUntil, type PageTools } from '../../sign-in-page.ts';

function renderSendPage(step: PageTools, email: string, error?: string) {
  const { t, href } = step;
  return step.renderMessage({
    pageTitle: t('identity.resetPassword.title'),
    paragraphs: [t('identity.recover.sendTo', { email })],
    error: error ? { text: error, href: '#send-code' } : undefined,
    form: { action: href('/reset-password'), button: t('identity.recover.send'), id: 'send-code' },
  });
}

/**
 * Forgotten password: a code to the journey's email address. The code proves the address for the
 * account that has it now, in this journey only. The page is the same whether or not an account
 * has the address; a code is sent only if one does.
 */
export const resetPasswordPage = definePage({
  path: '/reset-password',
  states: ['sign-in:email-entered', 'reset:code-sent'],
  async get(step) {
    return renderSendPage(step, step.journey.state.email);
  },
  async post(step) {
    const { journey, dependencies } = step;
    const { throttle, accounts, clock } = dependencies;
    const { email } = journey.state;
    const account = await accounts.findByEmail(email);
    if (account) {
      const problem = await emailCode(step, { purpose: 'reset-password', email, recipient: codeRecipient(journey, account.id) });
      if (problem) return renderSendPage(step, email, problem);
    } else {
      const key = `code-sending:${email}`;
      const sending = await throttle.status(key);
      if (sending.locked) return renderSendPage(step, email, step.t('identity.checkEmail.tooManySent', { minutes: minutesUntil(sending.until, clock()) }));
      await throttle.recordFailure(key, THROTTLE_RULES.codeSending);
    }
    return step.moveTo({ name: 'reset:code-sent', email, accountId: account?.id });
  },
});
