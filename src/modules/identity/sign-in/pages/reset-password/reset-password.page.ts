import { codeRecipient, definePage, emailCode, spendEmailCode, type PageTools } from '../../sign-in-page.ts';

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
  back: '/password',
  async get(step) {
    return renderSendPage(step, step.journey.state.email);
  },
  async post(step) {
    const { journey, dependencies } = step;
    const { accounts } = dependencies;
    const { email } = journey.state;
    const account = await accounts.findByEmail(email);
    const problem = account
      ? await emailCode(step, { purpose: 'reset-password', email, journeyId: journey.id, recipient: codeRecipient(journey, account.id) })
      : await spendEmailCode(step, { email, journeyId: journey.id });
    if (problem) return renderSendPage(step, email, problem);
    return step.moveTo({ name: 'reset:code-sent', email, accountId: account?.id });
  },
});
