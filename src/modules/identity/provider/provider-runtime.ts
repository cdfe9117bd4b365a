import { hkdfSync } from 'node:crypto';
import type { Config } from '../../../platform/config/config.schema.ts';
import type { Database } from '../../../platform/db/database.ts';
import { createGroupCommit } from '../../../platform/db/group-commit.ts';
import type { AccountService } from '../accounts/account.service.ts';
import { createClientStore } from '../clients/client.store.ts';
import { createSigningKeys } from '../signing-keys/signing-keys.ts';
import { secretBoxesOf } from '../../../platform/secrets/secret-box.ts';
import { createOidcProvider, sectorOf, type ProviderPages } from './create-provider.ts';
import { createFindAccount } from './find-account.ts';
import { createOidcPayloadStore } from './oidc-payload.store.ts';
import { derivePairwiseSubject } from './pairwise-subject.ts';
import { createProviderAdapter, OIDC_PAYLOAD_PURPOSE } from './provider-adapter.ts';
import { createProviderHolder } from './provider-holder.ts';
import type { SignInRecorder } from './sign-in-insight.ts';
import { oneLoginIssuerOf, trustmarkUrlOf } from './issuer.ts';

/**
 * A subject worked out before its account was deleted, handed to oidc-provider as the account
 * id so it can still sign a logout token for a person who no longer has an account.
 */
const COMPUTED_SUBJECT = 'computed-subject:';
const SALT_CACHE_SIZE = 10_000;
/** The model name under which used request objects are remembered (ids are already SHA-256 hashes). */
const USED_REQUEST_OBJECT = 'UsedRequestObject';

/** Keys for the provider's signed cookies, derived from the platform's cookie secret. */
function deriveCookieKeys(secret: string): string[] {
  return [Buffer.from(hkdfSync('sha256', secret, 'civitas', 'identity provider cookies', 32)).toString('base64url')];
}

const pagesUnavailable: ProviderPages = {
  error() {
    throw new Error('the provider has no pages outside the web server');
  },
  logout() {
    throw new Error('the provider has no pages outside the web server');
  },
  logoutSuccess() {
    throw new Error('the provider has no pages outside the web server');
  },
};

/** The provider, rebuilt when keys rotate, for the web server and for background jobs alike. */
export function createProviderRuntime(options: {
  db: Database;
  config: Config;
  accounts: AccountService;
  pages?: ProviderPages;
  keyRefreshMs?: number;
  /** The issuer, when a test sets one; otherwise ONE_LOGIN_ISSUER, else BASE_URL. */
  issuer?: string;
  /** Where the web server's provider tells Insight of sign-ins. */
  signIns?: SignInRecorder;
}) {
  const { db, config, accounts } = options;
  const issuer = options.issuer ?? oneLoginIssuerOf(config);
  const secrets = secretBoxesOf(config);
  const payloads = createOidcPayloadStore(db, { writes: createGroupCommit(db) });
  const adapter = createProviderAdapter({
    payloads,
    clients: createClientStore(db),
    payloadBox: secrets.forPurpose(OIDC_PAYLOAD_PURPOSE),
    clock: () => new Date(),
  });
  const findAccount = createFindAccount({ accounts, trustmarkUrl: trustmarkUrlOf(issuer) });

  // An account's salt never changes, and every token exchange needs it: keep the recent ones.
  const salts = new Map<string, string>();
  async function saltOf(accountId: string): Promise<string> {
    const known = salts.get(accountId);
    if (known) return known;
    const account = await accounts.findById(accountId);
    if (!account) throw new Error('account not found');
    if (salts.size >= SALT_CACHE_SIZE) salts.delete(salts.keys().next().value as string);
    salts.set(accountId, account.subject_salt);
    return account.subject_salt;
  }

  async function subjectFor(accountId: string, sector: string): Promise<string> {
    if (accountId.startsWith(COMPUTED_SUBJECT)) return accountId.slice(COMPUTED_SUBJECT.length);
    return derivePairwiseSubject({ sector, accountId, accountSalt: await saltOf(accountId) });
  }

  const providers = createProviderHolder({
    signingKeys: createSigningKeys({ db, secrets }),
    refreshMs: options.keyRefreshMs,
    build: (keys) =>
      createOidcProvider({
        issuer,
        allowPrivateNetwork: config.OUTBOUND_ALLOW_PRIVATE_NETWORK,
        jwks: keys.jwks,
        adapter,
        cookieKeys: deriveCookieKeys(config.COOKIE_SECRET),
        trustProxy: config.TRUST_PROXY !== false,
        findAccount,
        pairwiseSubject: (accountId, client) => subjectFor(accountId, client.sector),
        useOnce: (key, expiresAt) => payloads.recordOnce({ model: USED_REQUEST_OBJECT, id: key, expiresAt, now: new Date() }),
        pages: options.pages ?? pagesUnavailable,
        serviceEvents: options.signIns,
      }),
  });

  return {
    providers,
    issuer,

    /** The `sub` each service knows the account by, worked out while the account still exists. */
    async subjectsFor(accountId: string, clientIds: readonly string[]): Promise<Array<{ clientId: string; subject: string }>> {
      const provider = await providers.current();
      const subjects = [];
      for (const clientId of clientIds) {
        const client = await provider.Client.find(clientId);
        if (client) subjects.push({ clientId, subject: await subjectFor(accountId, sectorOf(client as never)) });
      }
      return subjects;
    },

    /** Sends one service a back-channel logout token for the person it knows as `subject`. */
    async sendBackchannelLogout(clientId: string, subject: string): Promise<void> {
      const provider = await providers.current();
      const client = (await provider.Client.find(clientId)) as
        | { backchannelLogoutUri?: string; backchannelLogout(sub: string, sid?: string): Promise<void> }
        | undefined;
      if (!client?.backchannelLogoutUri) return;
      await client.backchannelLogout(`${COMPUTED_SUBJECT}${subject}`);
    },
  };
}

export type ProviderRuntime = ReturnType<typeof createProviderRuntime>;
