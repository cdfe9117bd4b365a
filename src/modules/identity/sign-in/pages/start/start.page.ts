import { definePage } from '../../sign-in-page.ts';

/** Where a service's "Sign in" button lands: create an account, or sign in to one. */
export const startPage = definePage({
  path: '',
  states: 'any',
  async get({ request, reply, details, href, render, t }) {
    const wanted = String(details.params.ui_locales ?? '').split(' ')[0];
    const chosen = (request.query as Record<string, unknown>).lang;
    if (wanted === 'cy' && request.locale !== 'cy' && chosen === undefined && !request.cookies.civitas_lang) {
      return reply.redirect(`${href()}?lang=cy`, 303);
    }
    return render('modules/identity/sign-in/pages/start/start.njk', {
      pageTitle: t('identity.start.title'),
      createHref: href('/create/email'),
      signInHref: href('/email'),
    });
  },
});
