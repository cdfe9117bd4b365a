import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { readMessageCatalogues } from '../../platform/http/i18n.ts';
import type { CivitasModule } from '../../platform/module.ts';
import { marketplaceCommands } from './marketplace.cli.ts';
import { openCatalogueRecords } from './marketplace.contract.ts';
import { createCatalogue } from './catalogue/catalogue.ts';
import { marketplaceMigrations } from './migrations/marketplace.migrations.ts';
import { registerCataloguePages } from './pages/catalogue.routes.ts';
import { registerRecordEditorPages } from './console/record-editor.pages.ts';
import { createAgreementRequests } from '../exchange/exchange.contract.ts';
import { listAskLinks, registerAccessRequestPages } from './access/access-request.pages.ts';

/** The data catalogue: records in the CDDO metadata model, their search and open metadata. */
export const marketplaceModule: CivitasModule = {
  name: 'marketplace',
  homeLink: { component: 'marketplace', href: '/data' },
  messages: readMessageCatalogues(join(import.meta.dirname, 'locales')),
  migrations: marketplaceMigrations,
  commands: marketplaceCommands,
  async plugin(app: FastifyInstance) {
    const records = openCatalogueRecords({ db: app.db, audit: app.audit, config: app.config });
    const agreementRequests = createAgreementRequests({ db: app.db, audit: app.audit, config: app.config });
    const catalogue = createCatalogue(records);
    await registerCataloguePages(app, catalogue, { askLinksOf: (request, identifier) => listAskLinks({ catalogue, agreementRequests, db: app.db }, request, identifier) });
    await registerRecordEditorPages(app, { records, agreementRequests });
    await registerAccessRequestPages(app, { catalogue, agreementRequests });
  },
};
