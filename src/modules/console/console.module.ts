import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { readMessageCatalogues } from '../../platform/http/i18n.ts';
import type { CivitasModule } from '../../platform/module.ts';
import { secretBoxesOf } from '../../platform/secrets/secret-box.ts';
import { createInternalRelyingParty, createInternalSignIn, createServiceClients } from '../identity/identity.contract.ts';
import { createServiceNotify } from '../notify/notify.contract.ts';
import { createServicePay } from '../pay/pay.contract.ts';
import { createConsoleCommands } from './console.cli.ts';
import * as createConsoleTables from './migrations/0001-create-console.ts';
import * as linkServiceComponents from './migrations/0002-link-service-components.ts';
import * as recordSignInMethods from './migrations/0003-record-sign-in-methods.ts';
import { createOnboarding } from './onboarding/onboarding.ts';
import { createOrganisations } from './organisations/organisations.ts';
import { BACKCHANNEL_LOGOUT_PATH, registerConsolePages } from './pages/console.routes.ts';
import { createConsoleSessions } from './sessions/console-sessions.ts';
import { createConsoleTeamAccess } from './teams/console-team-access.ts';

/**
 * The console at /console: one sign-in (through Civitas One Login, at Cl.Cm) for service teams
 * and operators; organisations, their services and members, invitations and roles.
 * `clock` is for tests: sessions, re-authentication and invitations read the time from it.
 */
export function createConsoleModule(options: { clock?: () => Date } = {}): CivitasModule {
  const { clock } = options;
  return {
    name: 'console',
    homeLink: { component: 'console', href: '/console' },
    messages: readMessageCatalogues(join(import.meta.dirname, 'locales')),
    migrations: {
      owner: 'console',
      migrations: [
        { id: '0001-create-console', migration: createConsoleTables },
        { id: '0002-link-service-components', migration: linkServiceComponents },
        { id: '0003-record-sign-in-methods', migration: recordSignInMethods },
      ],
    },
    commands: createConsoleCommands((kernel) =>
      createOrganisations({ db: kernel.db, audit: kernel.audit, platform: kernel, baseUrl: kernel.config.BASE_URL, ...(clock ? { clock } : {}) }),
    ),
    async plugin(app: FastifyInstance) {
      const relyingParty = createInternalRelyingParty(
        app.db,
        {
          name: 'console',
          displayName: 'Civitas console',
          welshDisplayName: 'Consol Civitas',
          baseUrl: app.config.BASE_URL,
          callbackPath: '/console/callback',
          signedOutPath: '/console/signed-out',
          backchannelLogoutPath: BACKCHANNEL_LOGOUT_PATH,
        },
        secretBoxesOf(app.config),
      );
      const admitOperator = await registerConsolePages(app, {
        signIn: createInternalSignIn(relyingParty),
        sessions: createConsoleSessions({ db: app.db, ...(clock ? { clock } : {}) }),
        organisations: createOrganisations({ db: app.db, audit: app.audit, platform: app, baseUrl: app.config.BASE_URL, ...(clock ? { clock } : {}) }),
        onboarding: createOnboarding({
          db: app.db,
          audit: app.audit,
          clients: createServiceClients(app.db),
          notify: createServiceNotify(app),
          pay: createServicePay({ db: app.db, config: app.config, audit: app.audit }),
          secrets: secretBoxesOf(app.config).forPurpose('console-one-time-secret'),
          ...(clock ? { clock } : {}),
        }),
        operatorAccess: { relyingParty, ...(clock ? { clock } : {}) },
      });
      // Other modules' team pages ask the console who is signed in and with what role; their operator pages, whether an operator is let in.
      app.teamAccess.provide(createConsoleTeamAccess({ db: app.db, sessions: createConsoleSessions({ db: app.db, ...(clock ? { clock } : {}) }), admitOperator }));
    },
  };
}

export const consoleModule: CivitasModule = createConsoleModule();
