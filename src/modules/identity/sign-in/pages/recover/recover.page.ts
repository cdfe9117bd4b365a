import { pageOf } from '../../journey/journey.ts';
import { codeRecipient, definePage, emailCode, type PageStep } from '../../sign-in-page.ts';

type RecoverStep = PageStep<'sign-in:password-proved' | 'recover:code-sent'>;

/**
 * Whether this journey may replace the account's security method. It may not when the password
 * was proved by an emailed code, in this journey or in an earlier one with no security code
 * proved since: then the mailbox alone would be enough to take the account.
 */
async function mayRecover(step: RecoverStep): Promise<boolean> {
  const { state } = step.journey;
  if (state.name !== 'recover:code-sent' && state.passwordProvedBy !== 'password') return false;
  return !(await step.dependencies.accounts.passwordSetByEmailOnly(state.accountId));
}

async function renderRecoverPage(step: RecoverStep, error?: string) {
  const { t, href, journey } = step;
  if (!(await mayRecover(step))) {
    return step.renderMessage({ pageTitle: t('identity.recover.title'), paragraphs: [t('identity.recover.afterReset')], links: [{ href: href(), text: t('identity.recover.signInAgain') }] });
  }
  return step.renderMessage({
    pageTitle: t('identity.recover.title'),
    paragraphs: [t('identity.recover.explain'), t('identity.recover.sendTo', { email: journey.state.email })],
    error: error ? { text: error, href: '#send-code' } : undefined,
    form: { action: href('/recover'), button: t('identity.recover.send'), id: 'send-code' },
  });
}

/** Lost every way to get a security code: a code to the account's email address, after its password. */
export const recoverPage = definePage({
  path: '/recover',
  states: ['sign-in:password-proved', 'recover:code-sent'],
  back: (state) => (state.name === 'recover:code-sent' ? '/recover/check-email' : pageOf(state)),
  async get(step) {
    return renderRecoverPage(step);
  },
  async post(step) {
    const { journey } = step;
    if (!(await mayRecover(step))) return renderRecoverPage(step);
    const { email, accountId } = journey.state;
    const problem = await emailCode(step, { purpose: 'recover-security-method', email, journeyId: journey.id, recipient: codeRecipient(journey, accountId), chargeMailbox: false });
    if (problem) return renderRecoverPage(step, problem);
    return step.moveTo({ name: 'recover:code-sent', email, accountId });
  },
});
