import type { FastifyInstance } from 'fastify';
import type { CivitasModule } from '../../platform/module.ts';
import { join } from 'node:path';
import { readMessageCatalogues } from '../../platform/http/i18n.ts';
import * as createProblemReportTables from './migrations/0001-create-problem-report.ts';
import { registerContentPages } from './pages/content-pages.route.ts';
import { COMPONENTS, registerHomePage } from './pages/home/home.route.ts';
import { registerReportAProblemPages } from './pages/report-a-problem/report-a-problem.route.ts';
import { createProblemReports } from './problem-reports/problem-reports.ts';
import { createSiteCommands } from './site.cli.ts';

export type ComponentLink = NonNullable<CivitasModule['homeLink']>;

/**
 * The pages every Civitas has: the home page, which explains the platform and links to each
 * module's pages, the pages the footer links to, and "Report a problem", which the phase banner
 * links to from every page.
 */
export function createSiteModule(moduleLinks: readonly ComponentLink[], options: { clock?: () => Date } = {}): CivitasModule {
  const links = new Map(moduleLinks.map((link) => [link.component, link.href]));
  for (const component of links.keys()) {
    if (!COMPONENTS.includes(component as (typeof COMPONENTS)[number])) {
      throw new Error(`The home page has no component called ${component}`);
    }
  }
  return {
    name: 'site',
    messages: readMessageCatalogues(join(import.meta.dirname, 'locales')),
    migrations: { owner: 'site', migrations: [{ id: '0001-create-problem-report', migration: createProblemReportTables }] },
    commands: createSiteCommands((kernel) => createProblemReports({ db: kernel.db, clock: options.clock })),
    async plugin(app: FastifyInstance) {
      registerHomePage(app, links);
      registerContentPages(app);
      registerReportAProblemPages(app, createProblemReports({ db: app.db, clock: options.clock }));
    },
  };
}
