import { definePage } from '../../sign-in-page.ts';

const TEMPLATE = 'modules/identity/sign-in/pages/create-security-method/create-security-method.njk';
const METHOD_SETUP_PAGES: Record<string, string> = { 'auth-app': '/create/auth-app', passkey: '/create/passkey', sms: '/create/phone' };

/** Create an account: how the person wants to get security codes. */
export const createSecurityMethodPage = definePage({
  path: '/create/security-method',
  states: ['create:password-chosen'],
  back: '/create/password',
  async get(step) {
    return step.render(TEMPLATE, { pageTitle: step.t('identity.chooseMethod.title') });
  },
  async post(step) {
    const { t } = step;
    const setupPage = METHOD_SETUP_PAGES[step.field('method')];
    if (setupPage) return step.reply.redirect(step.href(setupPage), 303);
    const fieldError = t('identity.chooseMethod.missing');
    return step.render(TEMPLATE, { pageTitle: t('identity.chooseMethod.title'), fieldError, errors: [{ text: fieldError, href: '#method' }] });
  },
});
