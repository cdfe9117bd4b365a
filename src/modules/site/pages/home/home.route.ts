import type { FastifyInstance } from 'fastify';

/** The platform's components, in the order the home page explains them. */
export const COMPONENTS = [
  'one-login',
  'notify',
  'pay',
  'console',
  'exchange',
  'marketplace',
  'forms',
  'assistant',
  'insight',
] as const;

export function registerHomePage(app: FastifyInstance, links: ReadonlyMap<string, string>): void {
  app.get('/', async (request, reply) => {
    const { t } = request;
    return reply.render('modules/site/pages/home/home.njk', {
      pageTitle: t('site.home.title'),
      components: COMPONENTS.map((component) => ({
        name: t(`site.components.${component}.name`),
        description: t(`site.components.${component}.description`),
        href: links.get(component),
      })),
    });
  });
}
