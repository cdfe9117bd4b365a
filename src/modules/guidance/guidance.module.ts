import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { readMessageCatalogues } from '../../platform/http/i18n.ts';
import type { CivitasModule } from '../../platform/module.ts';
import { registerAssistantApi } from './assistant/assistant.routes.ts';
import { openAssistant } from './assistant/open-assistant.ts';
import { createAnswerTickets } from './assistant/feedback/answer-tickets.ts';
import { registerAskPages } from './assistant/pages/ask.routes.ts';
import { registerTransparencyPage } from './assistant/pages/transparency.routes.ts';
import { registerAuthoringPages } from './authoring/authoring.routes.ts';
import { createAssistantRateLimit } from './assistant/rate-limit/assistant-rate-limit.ts';
import { guidanceCommands } from './guidance.cli.ts';
import { openGuidanceLibrary } from './guidance.contract.ts';
import { guidanceMigrations } from './migrations/guidance.migrations.ts';
import { registerGuidancePages } from './pages/guidance.routes.ts';
import { registerSearchPage } from './pages/search/search.routes.ts';
import { createGuidanceSearch } from './search/search-index.ts';

/** Guidance and step-by-step pages, the search over them, and the assistant that answers from them. */
export const guidanceModule: CivitasModule = {
  name: 'guidance',
  messages: readMessageCatalogues(join(import.meta.dirname, 'locales')),
  migrations: guidanceMigrations,
  commands: guidanceCommands,
  homeLink: { component: 'assistant', href: '/ask' },
  async plugin(app: FastifyInstance) {
    const library = openGuidanceLibrary({ db: app.db, audit: app.audit });
    registerGuidancePages(app, library);
    registerSearchPage(app, createGuidanceSearch(library));
    await registerAuthoringPages(app, { library });
    const { assistant, retriever } = openAssistant({ db: app.db, library, config: app.config, translations: app.translations, logger: app.log as Logger, metrics: app.metrics, serviceEvents: app.serviceEvents });
    const rateLimit = createAssistantRateLimit({ db: app.db });
    registerAssistantApi(app, { assistant, rateLimit });
    registerAskPages(app, { assistant, retriever, rateLimit, tickets: createAnswerTickets({ secret: app.config.COOKIE_SECRET }) });
    registerTransparencyPage(app, { config: app.config, retriever, questionsPerMinute: rateLimit.perMinute });
  },
};
