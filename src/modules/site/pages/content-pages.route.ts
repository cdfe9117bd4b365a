import type { FastifyInstance } from 'fastify';

/** Pages of text with nothing to fill in: each is a template and a title. */
const CONTENT_PAGES = [
  { path: '/accessibility-statement', name: 'accessibility-statement', titleKey: 'site.accessibilityStatement.title' },
  { path: '/cookies', name: 'cookies', titleKey: 'site.cookies.title' },
  { path: '/privacy', name: 'privacy', titleKey: 'site.privacy.title' },
  // Named by One Login's discovery document (op_tos_uri and service_documentation), as GOV.UK One Login's names its own.
  { path: '/terms-and-conditions', name: 'terms-and-conditions', titleKey: 'site.terms.title' },
  { path: '/one-login/documentation', name: 'one-login-documentation', titleKey: 'site.oneLoginDocumentation.title' },
] as const;

export function registerContentPages(app: FastifyInstance): void {
  for (const page of CONTENT_PAGES) {
    app.get(page.path, async (request, reply) =>
      reply.render(`modules/site/pages/${page.name}/${page.name}.njk`, {
        pageTitle: request.t(page.titleKey),
      }),
    );
  }
}
