import { hkdfSync } from 'node:crypto';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import type { CivitasModule } from '../../platform/module.ts';
import { createAccountService } from './accounts/account.service.ts';
import { createClientStore } from './clients/client.store.ts';
import { createOneTimeCodes } from './codes/one-time-codes.ts';
import { identityCommands } from './identity.cli.ts';
import { readMessageCatalogues } from '../../platform/http/i18n.ts';
import { createIdentityMessages } from './messages/identity-messages.ts';
import * as createAccounts from './migrations/0001-create-accounts.ts';
import * as createProviderStorage from './migrations/0002-create-provider-storage.ts';
import * as createSignInState from './migrations/0003-create-sign-in-state.ts';
import * as createInternalClients from './migrations/0004-create-internal-clients.ts';
import { createOidcProvider } from './provider/create-provider.ts';
import { createFindAccount } from './provider/find-account.ts';
import { createOidcPayloadStore } from './provider/oidc-payload.store.ts';
import { derivePairwiseSubject } from './provider/pairwise-subject.ts';
import { createProviderAdapter } from './provider/provider-adapter.ts';
import { createProviderHolder } from './provider/provider-holder.ts';
import { createProviderPages } from './provider/provider-pages.ts';
import { registerProviderRoutes } from './provider/provider.routes.ts';
import { registerTrustmark } from './provider/trustmark.routes.ts';
import { createThrottle } from './security/throttle.ts';
import { createJourneys } from './sign-in/journey.ts';
import { registerSignInPages } from './sign-in/sign-in.routes.ts';
import { createSigningKeys } from './signing-keys/signing-keys.ts';

/** Keys for the provider's signed cookies, derived from the platform's cookie secret. */
function deriveCookieKeys(secret: string): string[] {
  return [Buffer.from(hkdfSync('sha256', secret, 'civitas', 'identity provider cookies', 32)).toString('base64url')];
}

type IdentityOptions = {
  /** How often each process looks for keys rotated by another; 30 seconds unless a test says otherwise. */
  keyRefreshMs?: number;
  /** The time, for lockouts and codes; tests move it forward. */
  clock?: () => Date;
};

async function registerIdentity(app: FastifyInstance, options: IdentityOptions): Promise<void> {
  const { db, config } = app;
  const clock = options.clock ?? (() => new Date());
  const accounts = createAccountService({ db, clock });
  const signingKeys = createSigningKeys({ db });
  const adapter = createProviderAdapter({ payloads: createOidcPayloadStore(db), clients: createClientStore(db), clock: () => new Date() });
  const trustmarkUrl = `${config.BASE_URL}/trustmark`;
  const findAccount = createFindAccount({ accounts, trustmarkUrl });
  const pages = createProviderPages({ renderPage: app.renderPage, translations: app.translations });

  const providers = createProviderHolder({
    signingKeys,
    refreshMs: options.keyRefreshMs,
    build: (keys) =>
      createOidcProvider({
        issuer: config.BASE_URL,
        jwks: keys.jwks,
        adapter,
        cookieKeys: deriveCookieKeys(config.COOKIE_SECRET),
        trustProxy: config.TRUST_PROXY,
        findAccount,
        async pairwiseSubject(accountId, client) {
          const account = await accounts.findById(accountId);
          if (!account) throw new Error('account not found');
          return derivePairwiseSubject({ sector: client.sector, accountId, accountSalt: account.subject_salt });
        },
        pages,
      }),
  });
  await providers.current();

  await registerProviderRoutes(app, () => providers.current());
  registerTrustmark(app);
  registerSignInPages(app, {
    providers,
    accounts,
    journeys: createJourneys({ db, clock }),
    codes: createOneTimeCodes({ db, secret: config.COOKIE_SECRET, clock }),
    throttle: createThrottle({ db, clock }),
    messages: createIdentityMessages({ mail: app.mail }),
    clock,
  });
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
      ],
    },
    messages: readMessageCatalogues(join(import.meta.dirname, 'locales')),
    commands: identityCommands,
  };
}

export const identityModule = createIdentityModule();
