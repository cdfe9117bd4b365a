import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { readMessageCatalogues } from '../../platform/http/i18n.ts';
import type { CivitasModule } from '../../platform/module.ts';
import { secretBoxesOf } from '../../platform/secrets/secret-box.ts';
import { createInternalRelyingParty, createInternalSignIn } from '../identity/identity.contract.ts';
import * as createDemoSessionTable from './migrations/0001-create-demo-sessions.ts';
import { BACKCHANNEL_LOGOUT_PATH, registerDemoServicePages } from './pages/demo-service.routes.ts';
import { createDemoSessions } from './sessions/demo-sessions.ts';

/** An example department service at /demo-service, so a newcomer can walk the whole sign-in journey. */
export const demoServiceModule: CivitasModule = {
  name: 'demo-service',
  messages: readMessageCatalogues(join(import.meta.dirname, 'locales')),
  migrations: {
    owner: 'demo-service',
    migrations: [{ id: '0001-create-demo-sessions', migration: createDemoSessionTable }],
  },
  async plugin(app: FastifyInstance) {
    if (!app.config.DEMO_SERVICE) return;
    const relyingParty = createInternalRelyingParty(app.db, {
      name: 'demo-service',
      displayName: 'Demo service',
      welshDisplayName: 'Gwasanaeth demo',
      baseUrl: app.config.BASE_URL,
      callbackPath: '/demo-service/callback',
      signedOutPath: '/demo-service/signed-out',
      backchannelLogoutPath: BACKCHANNEL_LOGOUT_PATH,
    }, secretBoxesOf(app.config));
    registerDemoServicePages(app, { signIn: createInternalSignIn(relyingParty), sessions: createDemoSessions({ db: app.db }) });
  },
};
