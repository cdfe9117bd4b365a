import type { FastifyRequest } from 'fastify';
import { EMAIL_MAX_LENGTH, isPlausibleEmail, normaliseEmail } from '../../../accounts/account.service.ts';
import { startJourney } from '../../journey/journeys.ts';
import { definePage } from '../../sign-in-page.ts';

export const emailField = (t: FastifyRequest['t'], value?: string) => ({
  name: 'email',
  type: 'email',
  autocomplete: 'email',
  value,
  hint: t('identity.email.hint'),
});

/** The problem with an email address as typed, if any. */
export function emailProblem(t: FastifyRequest['t'], email: string): string | undefined {
  if (!email) return t('identity.email.missing');
  if (email.length > EMAIL_MAX_LENGTH) return t('identity.email.tooLong', { max: EMAIL_MAX_LENGTH });
  if (!isPlausibleEmail(email)) return t('identity.email.invalid');
  return undefined;
}

/**
 * Sign in: the email address. Whatever the journey had proved, an address entered here starts a
 * new journey about it.
 */
export const emailPage = definePage({
  path: '/email',
  states: 'any',
  back: '',
  startsJourney: true,
  async get({ t, journey, renderQuestion }) {
    const email = 'email' in journey.state ? journey.state.email : undefined;
    return renderQuestion({ pageTitle: t('identity.email.signInTitle'), field: emailField(t, email) });
  },
  async post(step) {
    const { t, dependencies, href, renderQuestion } = step;
    const email = step.field('email');
    const pageTitle = t('identity.email.signInTitle');
    const problem = emailProblem(t, email);
    if (problem) return renderQuestion({ pageTitle, field: emailField(t, email), fieldError: problem });
    if (!(await dependencies.accounts.findByEmail(email))) {
      await step.restart();
      return renderQuestion({
        pageTitle,
        field: emailField(t, email),
        fieldError: t('identity.email.noAccount'),
        links: [{ href: href('/create/email'), text: t('identity.email.createInstead') }],
      });
    }
    return step.begin(startJourney({ name: 'sign-in:email-entered', email: normaliseEmail(email) }));
  },
});
