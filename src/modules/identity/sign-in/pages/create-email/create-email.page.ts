import { normaliseEmail } from '../../../accounts/account.service.ts';
import { startJourney } from '../../journey/journeys.ts';
import { codeRecipient, definePage, emailCode } from '../../sign-in-page.ts';
import { emailField, emailProblem } from '../email/email.page.ts';

/**
 * Create an account: the email address. A code is sent to it for a new journey about it; nothing
 * the journey proved before (for another address) comes along.
 */
export const createEmailPage = definePage({
  path: '/create/email',
  states: 'any',
  back: '',
  startsJourney: true,
  async get({ t, journey, renderQuestion }) {
    const email = 'email' in journey.state ? journey.state.email : undefined;
    return renderQuestion({ pageTitle: t('identity.email.createTitle'), field: emailField(t, email) });
  },
  async post(step) {
    const { t, dependencies, href, renderQuestion } = step;
    const pageTitle = t('identity.email.createTitle');
    const given = step.field('email');
    const problem = emailProblem(t, given);
    if (problem) return renderQuestion({ pageTitle, field: emailField(t, given), fieldError: problem });
    if (await dependencies.accounts.findByEmail(given)) {
      await step.restart();
      return renderQuestion({
        pageTitle,
        field: emailField(t, given),
        fieldError: t('identity.email.alreadyExists'),
        links: [{ href: href('/email'), text: t('identity.email.signInInstead') }],
      });
    }
    const email = normaliseEmail(given);
    const next = startJourney({ name: 'create:code-sent', email });
    const sendingProblem = await emailCode(step, { purpose: 'verify-email', email, journeyId: next.id, recipient: codeRecipient(next, email) });
    if (sendingProblem) return renderQuestion({ pageTitle, field: emailField(t, given), fieldError: sendingProblem });
    return step.begin(next);
  },
});
