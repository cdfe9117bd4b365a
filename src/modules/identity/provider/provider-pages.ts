import type { KoaContextWithOIDC } from 'oidc-provider';
import type { Locale, Translate } from '../../../platform/http/i18n.ts';
import type { RenderPage } from '../../../platform/http/views.ts';
import type { ProviderPages } from './create-provider.ts';
import { pageDetailsOf } from './provider.routes.ts';

const VIEWS = 'modules/identity/sign-in/views';

/** The provider's own pages (errors it cannot send back to a service, and signing out) in GOV.UK style. */
export function createProviderPages(options: { renderPage: RenderPage; translations: Record<Locale, Translate> }): ProviderPages {
  const render = (ctx: KoaContextWithOIDC, template: string, context: (t: Translate) => Record<string, unknown> & { pageTitle: string }) => {
    const details = pageDetailsOf(ctx.req);
    const t = options.translations[details.locale];
    ctx.type = 'html';
    ctx.body = options.renderPage(template, context(t), details);
  };

  return {
    error(ctx, out) {
      // OAuth errors that cannot be sent back to the service, such as an unknown client or a
      // redirect URI it did not register: shown here, never redirected.
      render(ctx, `${VIEWS}/message.njk`, (t) => ({
        pageTitle: t('identity.providerError.title'),
        paragraphs: [t('identity.providerError.explain'), t('identity.providerError.detail', { error: out.error, description: out.error_description ?? '' })],
      }));
    },

    logout(ctx, form, askedByTheService) {
      // The provider's form carries its own CSRF token; take its action and fields, not its HTML.
      const action = /action="([^"]+)"/.exec(form)?.[1] ?? '/logout/confirm';
      const fields = Object.fromEntries(
        [...form.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)"/g)].map((match) => [match[1], match[2]]),
      );
      // A service that sent the ID token it was given for this person has asked for their sign-out:
      // as on GOV.UK One Login, it happens at once (the page submits itself), with no second question.
      render(ctx, `${VIEWS}/message.njk`, (t) => ({
        pageTitle: t('identity.logout.title'),
        paragraphs: [t('identity.logout.explain')],
        form: { action, fields: { ...fields, logout: 'yes' }, button: t('identity.logout.button'), id: 'sign-out', autoSubmit: askedByTheService },
      }));
    },

    logoutSuccess(ctx) {
      render(ctx, `${VIEWS}/message.njk`, (t) => ({
        pageTitle: t('identity.logout.doneTitle'),
        paragraphs: [t('identity.logout.done')],
      }));
    },
  };
}
