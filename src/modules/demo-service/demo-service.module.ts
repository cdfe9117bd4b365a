import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { readMessageCatalogues } from '../../platform/http/i18n.ts';
import type { CivitasModule } from '../../platform/module.ts';
import { ensureDemoRegistration, type DemoRegistration } from './demo-registration.ts';
import * as createDemoRegistration from './migrations/0001-create-demo-registration.ts';
import { registerDemoServicePages } from './pages/demo-service.routes.ts';

/** An example department service at /demo-service, so a newcomer can walk the whole sign-in journey. */
export const demoServiceModule: CivitasModule = {
  name: 'demo-service',
  migrations: {
    owner: 'demo-service',
    migrations: [{ id: '0001-create-demo-registration', migration: createDemoRegistration }],
  },
  messages: readMessageCatalogues(join(import.meta.dirname, 'locales')),
  // Until the account pages land, the demo service is where a newcomer meets One Login.
  homeLink: { component: 'one-login', href: '/demo-service' },
  async plugin(app: FastifyInstance) {
    let registration: Promise<DemoRegistration> | undefined;
    registerDemoServicePages(app, () => {
      registration ??= ensureDemoRegistration(app.db, app.config.BASE_URL).catch((error: unknown) => {
        registration = undefined;
        throw error;
      });
      return registration;
    });
  },
};
