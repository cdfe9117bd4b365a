import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import type { JobHandlers } from '../../platform/jobs/job-worker.ts';
import type { Kernel } from '../../platform/kernel.ts';
import type { CivitasModule } from '../../platform/module.ts';
import { secretBoxesOf } from '../../platform/secrets/secret-box.ts';
import { createAccountLifecycle, BACKCHANNEL_LOGOUT_JOB, type BackchannelLogoutPayload } from './account/account-lifecycle.ts';
import { ACCOUNT_BACKCHANNEL_LOGOUT_PATH, registerAccountPages } from './account/account.routes.ts';
import { registerDataSharingPages } from './account/data-sharing-pages.ts';
import { createPageGuards } from './account/signed-in-page.ts';
import { createPersonalDataSharing } from '../exchange/exchange.contract.ts';
import { createWebSessions } from './account/web-sessions.ts';
import { createClientRegistry } from './clients/clients.ts';
import { createInternalRelyingParty, createInternalSignIn, resealInternalClientKeys } from './clients/internal-clients.ts';
import { createProviderRuntime } from './provider/provider-runtime.ts';
import { createPasskeys } from './passkeys/passkeys.ts';
import { createAccountService } from './accounts/account.service.ts';
import { createAccountStore } from './accounts/account.store.ts';
import { HOUSEKEEPING_JOB, createHousekeepingHandler, ensureHousekeepingScheduled } from './accounts/housekeeping.job.ts';
import { createOneTimeCodes } from './codes/one-time-codes.ts';
import { createKnownDevices } from './devices/known-devices.ts';
import { identityCommands } from './identity.cli.ts';
import { readMessageCatalogues } from '../../platform/http/i18n.ts';
import { createIdentityMessages } from './messages/identity-messages.ts';
import * as createAccounts from './migrations/0001-create-accounts.ts';
import * as createProviderStorage from './migrations/0002-create-provider-storage.ts';
import * as createSignInState from './migrations/0003-create-sign-in-state.ts';
import * as createInternalClients from './migrations/0004-create-internal-clients.ts';
import * as hashOidcIdentifiers from './migrations/0005-hash-oidc-identifiers.ts';
import * as keepPasskeyChallengesAndPurgeSchedule from './migrations/0006-keep-passkey-challenges-and-purge-schedule.ts';
import * as unpinClientKeyAlgorithms from './migrations/0007-unpin-client-key-algorithms.ts';
import * as nameProviderSessionOfWebSessions from './migrations/0008-name-provider-session-of-web-sessions.ts';
import * as rememberPasswordsSetByEmail from './migrations/0009-remember-passwords-set-by-email.ts';
import * as rememberSignInDevices from './migrations/0010-remember-sign-in-devices.ts';
import { createProviderPages } from './provider/provider-pages.ts';
import { registerProviderRoutes } from './provider/provider.routes.ts';
import { registerTrustmark } from './provider/trustmark.routes.ts';
import { createThrottle } from './security/throttle.ts';
import { limitFormsByAddress } from './security/address-rate-limit.ts';
import { createJourneys } from './sign-in/journey/journeys.ts';
import { createEmailCodeBudget } from './security/email-code-budget.ts';
import { createTextBudget } from './security/text-budget.ts';
import { registerSignInPages } from './sign-in/sign-in.routes.ts';

type IdentityOptions = {
  /** How often each process looks for keys rotated by another; 30 seconds unless a test says otherwise. */
  keyRefreshMs?: number;
  /** The time, for lockouts and codes; tests move it forward. */
  clock?: () => Date;
  /** The provider's issuer, when a test sets one; otherwise ONE_LOGIN_ISSUER, else BASE_URL. */
  issuer?: string;
};

async function registerIdentity(app: FastifyInstance, options: IdentityOptions): Promise<void> {
  const { db, config } = app;
  const clock = options.clock ?? (() => new Date());
  const secrets = secretBoxesOf(config);
  const accounts = createAccountService({ db, secrets, clock });
  const runtime = createProviderRuntime({
    db,
    config,
    accounts,
    pages: createProviderPages({ renderPage: app.renderPage, translations: app.translations }),
    keyRefreshMs: options.keyRefreshMs,
    issuer: options.issuer,
    signIns: { serviceEvents: app.serviceEvents, onRefused: (error) => app.log.warn({ err: error }, 'sign-in not recorded for Insight') },
  });
  const { providers } = runtime;
  await providers.current();
  // Signing keys are sealed by providers.current(); the other secrets kept in clear or under a
  // previous ENCRYPTION_KEY are sealed here, so none stays so until it happens to be read.
  await createAccountStore(db, secrets).resealTotpSecrets();
  await resealInternalClientKeys(db, secrets);

  await registerProviderRoutes(app, () => providers.current(), config);
  registerTrustmark(app, runtime.issuer);
  const throttle = createThrottle({ db, clock });
  const codes = createOneTimeCodes({ db, secret: config.COOKIE_SECRET, clock });
  const messages = createIdentityMessages(app);
  const knownDevices = createKnownDevices({ db, clock });
  const signIn = {
    providers,
    passkeys: createPasskeys({ baseUrl: config.BASE_URL, siteName: config.SITE_NAME }),
    accounts,
    journeys: createJourneys({ db, secrets, clock }),
    codes,
    throttle,
    textBudget: createTextBudget(throttle),
    emailCodeBudget: createEmailCodeBudget(throttle),
    messages,
    knownDevices,
    clock,
    siteName: config.SITE_NAME,
  };
  const accountPages = {
    accounts,
    codes,
    messages,
    throttle,
    knownDevices,
    clients: createClientRegistry({ db }),
    webSessions: createWebSessions({ db, clock }),
    lifecycle: createAccountLifecycle({ db, runtime, jobs: app.jobs, audit: app.audit }),
    signIn: createInternalSignIn(
      createInternalRelyingParty(db, {
        name: 'account',
        displayName: 'Your One Login',
        welshDisplayName: 'Eich One Login',
        baseUrl: config.BASE_URL,
        callbackPath: '/account/callback',
        signedOutPath: '/account/signed-out',
        backchannelLogoutPath: ACCOUNT_BACKCHANNEL_LOGOUT_PATH,
      }, secrets),
    ),
    clock,
  };
  // The pages people fill in, in a context of their own so the per-address limit covers them
  // and not the provider's endpoints.
  await app.register(async (pages) => {
    limitFormsByAddress(pages, throttle);
    registerSignInPages(pages, signIn);
    registerAccountPages(pages, accountPages);
    registerDataSharingPages(pages, {
      guards: createPageGuards({ accounts, webSessions: accountPages.webSessions }),
      sharing: createPersonalDataSharing({ db, audit: app.audit, secrets, issuer: config.BASE_URL, clock }),
      subjectsFor: (accountId, clientIds) => runtime.subjectsFor(accountId, clientIds),
    });
  });
  await ensureHousekeepingScheduled({ db, jobs: app.jobs });
}

function createJobHandlers(kernel: Kernel): JobHandlers {
  const runtime = createProviderRuntime({ db: kernel.db, config: kernel.config, accounts: createAccountService({ db: kernel.db, secrets: kernel.secrets }) });
  return {
    [BACKCHANNEL_LOGOUT_JOB]: {
      async run(job) {
        const { clientId, subject } = job.payload as BackchannelLogoutPayload;
        await runtime.sendBackchannelLogout(clientId, subject);
      },
    },
    [HOUSEKEEPING_JOB]: createHousekeepingHandler({ db: kernel.db, jobs: kernel.jobs, logger: kernel.logger }),
  };
}

/** One Login: one account for every government service, as an OpenID Connect provider. */
export function createIdentityModule(options: IdentityOptions = {}): CivitasModule {
  return {
    name: 'identity',
    plugin: (app) => registerIdentity(app, options),
    migrations: {
      owner: 'identity',
      migrations: [
        { id: '0001-create-accounts', migration: createAccounts },
        { id: '0002-create-provider-storage', migration: createProviderStorage },
        { id: '0003-create-sign-in-state', migration: createSignInState },
        { id: '0004-create-internal-clients', migration: createInternalClients },
        { id: '0005-hash-oidc-identifiers', migration: hashOidcIdentifiers },
        { id: '0006-keep-passkey-challenges-and-purge-schedule', migration: keepPasskeyChallengesAndPurgeSchedule },
        { id: '0007-unpin-client-key-algorithms', migration: unpinClientKeyAlgorithms },
        { id: '0008-name-provider-session-of-web-sessions', migration: nameProviderSessionOfWebSessions },
        { id: '0009-remember-passwords-set-by-email', migration: rememberPasswordsSetByEmail },
        { id: '0010-remember-sign-in-devices', migration: rememberSignInDevices },
      ],
    },
    messages: readMessageCatalogues(join(import.meta.dirname, 'locales')),
    commands: identityCommands,
    createJobHandlers,
    homeLink: { component: 'one-login', href: '/account' },
  };
}

export const identityModule = createIdentityModule();
