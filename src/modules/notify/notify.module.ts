import type { FastifyInstance } from 'fastify';
import type { CivitasModule } from '../../platform/module.ts';
import { secretBoxesOf } from '../../platform/secrets/secret-box.ts';
import { NOTIFY_OVERSIZED_REQUEST_ANSWER, notifyApiPlugin } from './api/api.plugin.ts';
import { registerSmsGatewayRoutes } from './delivery/sms-gateway.routes.ts';
import { registerFileRoutes } from './files/files.routes.ts';
import { loadNotifyMessages } from './locales/notify-messages.ts';
import { notifyMigrations } from './migrations/notify.migrations.ts';
import { notifyCommands } from './notify.cli.ts';
import { notifyCoreOf } from './notify.core-cache.ts';
import { createNotifyJobHandlers } from './notify.jobs.ts';
import { registerServiceTeamPages } from './pages/service-team.pages.ts';
import { ensureRetentionScheduled } from './retention/retention.job.ts';
import { resealNotifySecrets } from './services/reseal-secrets.ts';
import { createNotifySecretBox } from './services/secret-box.ts';

async function notifyPlugin(app: FastifyInstance): Promise<void> {
  const core = notifyCoreOf({ config: app.config, db: app.db, audit: app.audit, jobs: app.jobs, metrics: app.metrics, serviceEvents: app.serviceEvents });
  // Before any request: values in the legacy format or under a previous key are sealed again.
  const secrets = createNotifySecretBox({ secrets: secretBoxesOf(app.config), cookieSecret: app.config.COOKIE_SECRET });
  await resealNotifySecrets({ db: app.db, store: core.stores.services, secrets });
  await app.register(notifyApiPlugin, { prefix: '/v2', core });
  await app.register(async (gateway) => registerSmsGatewayRoutes(gateway, core));
  await app.register(async (files) => registerFileRoutes(files, core));
  await app.register(async (pages) => registerServiceTeamPages(pages, core));
  await ensureRetentionScheduled(core);
  // Today's sends this process reserved and did not spend go back to the shared count.
  app.addHook('onClose', async () => {
    try {
      await core.limiter.releaseUnspent();
    } catch (error) {
      app.log.warn({ err: error }, 'notify daily send reservations not given back');
    }
  });
}

/**
 * Notify: email, text messages and letters from templates, through GOV.UK Notify's API v2 (the
 * official clients work unchanged), with service-team pages, commands and a contract through
 * which other modules send their own messages (see notify.contract.ts).
 */
export const notifyModule: CivitasModule = {
  name: 'notify',
  plugin: notifyPlugin,
  migrations: notifyMigrations,
  messages: loadNotifyMessages(),
  commands: notifyCommands,
  createJobHandlers: (kernel) => createNotifyJobHandlers(kernel),
  homeLink: { component: 'notify', href: '/notify' },
  oversizedRequestAnswers: [NOTIFY_OVERSIZED_REQUEST_ANSWER],
};
