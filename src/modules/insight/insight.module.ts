import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { readMessageCatalogues } from '../../platform/http/i18n.ts';
import type { CivitasModule } from '../../platform/module.ts';
import { createAddressRateLimit, createKeyedRateLimit } from '../../platform/rate-limit/rate-limit.ts';
import { insightCommands } from './insight.cli.ts';
import { createInsight } from './insight.ts';
import { insightMigrations } from './migrations/insight.migrations.ts';
import { registerFeedbackPages } from './pages/feedback.routes.ts';
import { registerPerformancePages } from './pages/performance.routes.ts';
import { registerInsightTeamPages } from './pages/team.pages.ts';
import { createRoadmapTracker } from './roadmap/roadmap.ts';
import { createAlertsJob } from './alerts/alerts.job.ts';
import { createInsightAlerts } from './alerts/alerts.ts';
import { registerRoadmapPages } from './roadmap/roadmap.routes.ts';

/** Answers a person may send from one address in 10 minutes: plenty for a household, little for a script. */
const FEEDBACK_PER_TEN_MINUTES = 10;
/** Answers about one service from one address in a UTC day (a household or an office shares one). */
export const FEEDBACK_PER_SERVICE_A_DAY = 20;
export const FEEDBACK_DAILY_LIMIT_NAME = 'insight-feedback-service-day';

/** Service performance: the four KPIs per service from the platform's event counts, public where a service publishes, and satisfaction feedback. */
export const insightModule: CivitasModule = {
  name: 'insight',
  homeLink: { component: 'insight', href: '/performance' },
  messages: readMessageCatalogues(join(import.meta.dirname, 'locales')),
  migrations: insightMigrations,
  commands: insightCommands,
  createJobHandlers(kernel) {
    const job = createAlertsJob(kernel);
    return { [job.type]: job.handler };
  },
  async plugin(app: FastifyInstance) {
    await createAlertsJob({ db: app.db, jobs: app.jobs, audit: app.audit, serviceEvents: app.serviceEvents, config: app.config, logger: app.log }).ensureScheduled();
    const insight = createInsight({ db: app.db, audit: app.audit, serviceEvents: app.serviceEvents });
    registerRoadmapPages(app, createRoadmapTracker({ db: app.db, audit: app.audit }));
    registerPerformancePages(app, insight);
    registerInsightTeamPages(app, { insight, alerts: createInsightAlerts({ db: app.db, audit: app.audit, serviceEvents: app.serviceEvents, notify: app }) });
    registerFeedbackPages(app, {
      insight,
      rateLimit: createAddressRateLimit({ db: app.db, name: 'insight-feedback', perWindow: FEEDBACK_PER_TEN_MINUTES, windowSeconds: 600 }),
      dailyLimit: createKeyedRateLimit({ db: app.db, name: FEEDBACK_DAILY_LIMIT_NAME, perWindow: FEEDBACK_PER_SERVICE_A_DAY, windowSeconds: 86_400 }),
    });
  },
};
