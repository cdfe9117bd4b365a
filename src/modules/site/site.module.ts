import type { FastifyInstance } from 'fastify';
import type { CivitasModule } from '../../platform/module.ts';
import { join } from 'node:path';
import { readMessageCatalogues } from '../../platform/http/i18n.ts';
import { registerContentPages } from './pages/content-pages.route.ts';
import { COMPONENTS, registerHomePage } from './pages/home/home.route.ts';

export type ComponentLink = NonNullable<CivitasModule['homeLink']>;

/**
 * The pages every Civitas has: the home page, which explains the platform and links to each
 * module's pages, and the pages the footer links to.
 */
export function createSiteModule(moduleLinks: readonly ComponentLink[]): CivitasModule {
  const links = new Map(moduleLinks.map((link) => [link.component, link.href]));
  for (const component of links.keys()) {
    if (!COMPONENTS.includes(component as (typeof COMPONENTS)[number])) {
      throw new Error(`The home page has no component called ${component}`);
    }
  }
  return {
    name: 'site',
    messages: readMessageCatalogues(join(import.meta.dirname, 'locales')),
    async plugin(app: FastifyInstance) {
      registerHomePage(app, links);
      registerContentPages(app);
    },
  };
}
