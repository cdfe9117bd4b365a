import type { JWK } from 'jose';
import Provider, {
  errors,
  interactionPolicy,
  type Account,
  type Adapter,
  type ClientMetadata,
  type Configuration,
  type ErrorOut,
  type KoaContextWithOIDC,
} from 'oidc-provider';
import { verifyPassword } from '../accounts/passwords.ts';
import { acceptGovUkRequestObjects, refuseUnverifiedRequestObjects } from './gov-uk-request-objects.ts';
import { issueAccessTokensAsJwts } from './signed-access-tokens.ts';
import { trustmarkUrlOf } from './issuer.ts';
import { recordSignInsForInsight, type SignInRecorder } from './sign-in-insight.ts';
import { signOnThreadpool } from './threadpool-signing-key.ts';
import { asksForIdentity, CREDENTIAL_LEVELS, meetsLevel, parseRequestedLevel, type CredentialLevel } from './vectors-of-trust.ts';

/** Client metadata Civitas adds to the standard set; set by `civitas identity client add`. */
export const CLIENT_SETTINGS = {
  allowedLevels: 'civitas_allowed_levels',
  requirePkce: 'civitas_require_pkce',
  sector: 'civitas_sector_identifier',
} as const;

export const PROVIDER_ROUTES = {
  authorization: '/authorize',
  token: '/token',
  userinfo: '/userinfo',
  jwks: '/.well-known/jwks.json',
  end_session: '/logout',
} as const;

/**
 * The longest a client assertion may be valid for, from when it was issued and from now. A
 * service signs a new one for each token request; a long-lived one is a password by another name.
 */
export const CLIENT_ASSERTION_MAX_SECONDS = 5 * 60;
/** oidc-provider's default allowance for clocks that differ, kept explicit because the cap uses it. */
const CLOCK_TOLERANCE_SECONDS = 15;

/**
 * What a service may sign its client assertions and request objects with: GOV.UK One Login's
 * RSA algorithms (RS256, RS384, RS512, PS256, PS384, PS512), and ES256 besides.
 */
export const CLIENT_SIGNING_ALGORITHMS = ['ES256', 'RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512'] as const;

/** Access tokens live 180 seconds, as GOV.UK One Login's do. */
const ACCESS_TOKEN_SECONDS = 180;
/** GOV.UK One Login's session timeout: 1 hour from the person's last interaction with it. */
const SESSION_IDLE_SECONDS = 60 * 60;
/**
 * However active, a session ends 12 hours after the person last signed in. GOV.UK One Login
 * documents only its 1-hour idle timeout; 12 hours is NIST SP 800-63B's limit for
 * reauthentication at AAL2 ("at least once per 12 hours during an extended usage session,
 * regardless of user activity", section 4.2.3), the level of a password and a second factor
 * (Cl.Cm), and what OWASP ASVS 5.0 (7.3.2) asks: an absolute lifetime after which the person
 * signs in again. A working day of use stays signed in; a session kept alive by a script, or on a
 * shared computer left open, does not last for ever.
 */
export const SESSION_ABSOLUTE_SECONDS = 12 * 60 * 60;

/**
 * oidc-provider saves the session again (sliding its expiry) on every request that uses it; the
 * time left is the idle timeout, cut to what remains of the absolute lifetime. Its stored record
 * and its cookie then expire no later than SESSION_ABSOLUTE_SECONDS after the sign-in.
 */
export function sessionSecondsLeft(session: { loginTs?: number }, now = Math.floor(Date.now() / 1000)): number {
  const signedInAt = typeof session.loginTs === 'number' ? session.loginTs : now;
  const left = signedInAt + SESSION_ABSOLUTE_SECONDS - now;
  return Math.max(1, Math.min(SESSION_IDLE_SECONDS, left));
}

export type ProviderPages = {
  error(ctx: KoaContextWithOIDC, out: ErrorOut): void;
  /** `askedByTheService`: the service sent an ID token of the very person signed in here (see serviceAskedToSignOut). */
  logout(ctx: KoaContextWithOIDC, form: string, askedByTheService: boolean): void;
  logoutSuccess(ctx: KoaContextWithOIDC): void;
};

export type ProviderOptions = {
  issuer: string;
  /** Whether the provider may call services at loopback, private and other non-public addresses (OUTBOUND_ALLOW_PRIVATE_NETWORK). */
  allowPrivateNetwork: boolean;
  jwks: { keys: JWK[] };
  adapter: new (name: string) => Adapter;
  cookieKeys: string[];
  trustProxy: boolean;
  findAccount(ctx: KoaContextWithOIDC, accountId: string): Promise<Account | undefined>;
  pairwiseSubject(accountId: string, client: { sector: string }): Promise<string>;
  /** Records a used request object until it expires; false if it was used before (see gov-uk-request-objects.ts). */
  useOnce(key: string, expiresAt: Date): Promise<boolean>;
  pages: ProviderPages;
  /** Told of sign-ins started and completed per client; none where the provider serves no sign-ins (jobs, commands). */
  serviceEvents?: SignInRecorder;
};

/**
 * With an https issuer every cookie carries Secure. The session cookie's path is / and it has no
 * Domain, so it takes the __Host- prefix (pinned to this origin); the interaction and resume
 * cookies have paths of their own, so they take __Secure- (a browser refuses either prefix
 * without Secure, and accepts neither from plain http).
 */
function providerCookies(issuer: string, keys: string[]): NonNullable<Configuration['cookies']> {
  const https = new URL(issuer).protocol === 'https:';
  return {
    keys,
    names: {
      session: https ? '__Host-civitas_oidc_session' : 'civitas_oidc_session',
      interaction: https ? '__Secure-civitas_oidc_interaction' : 'civitas_oidc_interaction',
      resume: https ? '__Secure-civitas_oidc_resume' : 'civitas_oidc_resume',
    },
    long: { httpOnly: true, sameSite: 'lax', secure: https, path: '/' },
    short: { httpOnly: true, sameSite: 'lax', secure: https },
  };
}

/**
 * oidc-provider (Koa) takes its scheme and host from the request: the scheme decides whether its
 * cookies are Secure, and both go into the URLs it writes (discovery, where a sign-in resumes).
 * Behind a TLS proxy without TRUST_PROXY the scheme is http, and the Host header is whatever the
 * client sent. The provider's public address is its issuer, so it answers as the issuer, always.
 */
function answerAsIssuer(provider: Provider, issuer: URL): void {
  Object.defineProperties(provider.request, {
    protocol: { get: () => issuer.protocol.slice(0, -1) },
    host: { get: () => issuer.host },
  });
}

function allowedLevelsOf(client: { [key: string]: unknown } | undefined): CredentialLevel[] {
  const levels = client?.[CLIENT_SETTINGS.allowedLevels];
  return Array.isArray(levels) ? levels.filter((level) => CREDENTIAL_LEVELS.includes(level)) : ['Cl.Cm'];
}

/** The credential level this authorization request needs (the `vtr` parameter, checked). */
export function requestedLevel(ctx: KoaContextWithOIDC): CredentialLevel {
  const vtr = ctx.oidc.params?.vtr as string | undefined;
  return parseRequestedLevel(vtr, allowedLevelsOf(ctx.oidc.client as never)) ?? 'Cl.Cm';
}

/**
 * Whether a sign-out request carries an ID token of the person signed in to this browser, as a
 * service's own "sign out" does. oidc-provider checks only that the token is genuine: someone
 * else's (an attacker's own, in a link) would otherwise end this person's session without asking.
 */
async function serviceAskedToSignOut(ctx: KoaContextWithOIDC, pairwiseSubject: ProviderOptions['pairwiseSubject']): Promise<boolean> {
  const hint = ctx.oidc.entities.IdTokenHint as { payload?: { sub?: unknown } } | undefined;
  const client = ctx.oidc.entities.Client;
  const accountId = ctx.oidc.session?.accountId;
  if (!hint || !client || !accountId || typeof hint.payload?.sub !== 'string') return false;
  return hint.payload.sub === (await pairwiseSubject(accountId, { sector: sectorOf(client as never) }));
}

/** The host whose services share one `sub` for a person: the registered sector, else the redirect host. */
export function sectorOf(client: { redirectUris?: string[]; [key: string]: unknown }): string {
  const registered = client[CLIENT_SETTINGS.sector];
  if (typeof registered === 'string' && registered) return registered;
  return new URL(client.redirectUris?.[0] ?? 'https://invalid.example').host;
}

/**
 * What GOV.UK One Login's discovery document has beyond oidc-provider's: the languages of its
 * pages, where its trustmark is (`trustmarks`), its documentation for service teams
 * (`service_documentation`), its privacy notice (`op_policy_uri`) and its terms
 * (`op_tos_uri`): pages of Civitas's own, on the issuer's origin (the site module's).
 */
function discoveryAdditions(issuer: string): NonNullable<Configuration['discovery']> {
  return {
    claim_types_supported: ['normal'],
    ui_locales_supported: ['en', 'cy'],
    trustmarks: trustmarkUrlOf(issuer),
    service_documentation: new URL('/one-login/documentation', issuer).href,
    op_policy_uri: new URL('/privacy', issuer).href,
    op_tos_uri: new URL('/terms-and-conditions', issuer).href,
  };
}

function requirePresent(name: string) {
  return (_ctx: KoaContextWithOIDC, value: string | undefined) => {
    if (!value) throw new errors.InvalidRequest(`missing required parameter '${name}'`);
  };
}

/**
 * Runs after oidc-provider has checked the assertion's signature, audience, issuer, jti and
 * expiry, and before it records the jti against replay. The audience must be one value: an
 * assertion that names other audiences too could be one made for another server and replayed
 * here (the OpenID Foundation's 2025 advisory on audience injection in private_key_jwt).
 */
async function checkClientAssertion(_ctx: KoaContextWithOIDC, claims: { exp?: unknown; iat?: unknown; aud?: unknown }) {
  const now = Math.floor(Date.now() / 1000);
  const { exp, iat, aud } = claims;
  if (Array.isArray(aud) && aud.length !== 1) throw new errors.InvalidClientAuth('the client_assertion audience must be a single value');
  if (typeof exp !== 'number') throw new errors.InvalidClientAuth('expiration must be specified in the client_assertion JWT');
  if (iat !== undefined && typeof iat !== 'number') throw new errors.InvalidClientAuth('iat (issued at) must be a number');
  const lifetime = exp - (iat ?? now);
  if (lifetime > CLIENT_ASSERTION_MAX_SECONDS || exp > now + CLIENT_ASSERTION_MAX_SECONDS + CLOCK_TOLERANCE_SECONDS) {
    throw new errors.InvalidClientAuth(`client_assertion must expire within ${CLIENT_ASSERTION_MAX_SECONDS} seconds`);
  }
}

/**
 * Prompts as GOV.UK One Login answers them (authentication-api AuthorisationHandler): `login`
 * asks the person to sign in again and `none` never shows a page (login_required without a
 * session); `consent` is accepted and changes nothing, as there is no consent screen (services
 * get the scopes they are registered for); `select_account` is answered at once with
 * unmet_authentication_requirements, as there is one account per browser.
 */
function createPolicy() {
  const policy = interactionPolicy.base();
  // Single sign-on must not hand a password-only session to a service that needs two factors.
  policy.get('login')?.checks.add(
    new interactionPolicy.Check(
      'credential_level_not_met',
      'the session does not meet the requested vector of trust',
      'login_required',
      (ctx) => !meetsLevel(ctx.oidc.session?.acr, requestedLevel(ctx)),
    ),
  );
  // oidc-provider would otherwise send prompt=consent to an interaction, and Civitas has no consent page.
  policy.get('consent')?.checks.remove('consent_prompt');
  const selectAccount = new interactionPolicy.Prompt(
    { name: 'select_account', requestable: true },
    new interactionPolicy.Check('select_account_not_supported', 'there is one account per browser', 'unmet_authentication_requirements', (ctx) => {
      if (ctx.oidc.prompts.has('select_account')) throw new errors.UnmetAuthenticationRequirements('Unmet authentication requirements');
      return false;
    }),
  );
  // Requestable, so oidc-provider accepts the value; answered by the check above, never by a page.
  selectAccount.checks.remove('select_account_prompt');
  policy.add(selectAccount, 0);
  return policy;
}

/**
 * The claims each scope gives. vot, vtm and at_hash are ID token claims; findAccount returns them
 * only for the ID token. `amr` (how this sign-in was made: pwd with sms, otp, hwk or mca) is
 * Civitas's addition to GOV.UK One Login's ID token: a service that needs more than a text message
 * (the console's operators' pages) reads it from the sign-in itself.
 */
const CLAIMS_OF_SCOPES: Record<string, string[]> = {
  openid: ['sub', 'vot', 'vtm', 'at_hash', 'amr'],
  email: ['email', 'email_verified'],
  phone: ['phone_number', 'phone_number_verified'],
};

/**
 * GOV.UK One Login has no consent screen: a registered service receives the scopes it is
 * registered for and asks for. The grant is created on first use and extended when a service
 * asks for more of its registered scopes. Claims asked for by name (the `claims` parameter) are
 * granted when a registered scope gives them and refused otherwise, never asked of the person.
 */
async function grantRequestedScopes(ctx: KoaContextWithOIDC) {
  const { client, session, params, provider } = ctx.oidc;
  if (!client || !session?.accountId) return undefined;
  const existingId = session.grantIdFor(client.clientId);
  const grant =
    (existingId ? await provider.Grant.find(existingId) : undefined) ??
    new provider.Grant({ clientId: client.clientId, accountId: session.accountId });
  grant.addOIDCScope(String(params?.scope ?? 'openid'));
  const registered = new Set(String(client.scope ?? '').split(' ').flatMap((scope) => CLAIMS_OF_SCOPES[scope] ?? []));
  const named = [...ctx.oidc.requestParamClaims];
  grant.addOIDCClaims(named.filter((claim) => registered.has(claim)));
  grant.rejectOIDCClaims(named.filter((claim) => !registered.has(claim)));
  await grant.save();
  return grant;
}

/**
 * A `client_secret_post` service's secret is kept only as its Argon2id hash, which the client
 * registry stores as the client's `client_secret`. oidc-provider authenticates such a client by
 * awaiting `client.compareClientSecret(given)` (a constant-time comparison of the two strings);
 * here it verifies the given secret against the hash instead. The stored value is never used as a
 * key: the provider enables no HS* or symmetric encryption algorithm, so oidc-provider derives
 * nothing from it.
 */
function compareClientSecretsWithArgon2id(provider: Provider): void {
  Object.defineProperty(provider.Client.prototype, 'compareClientSecret', {
    value(this: { clientSecret?: string }, given: unknown): Promise<boolean> {
      if (typeof this.clientSecret !== 'string' || typeof given !== 'string' || given === '') return Promise.resolve(false);
      return verifyPassword(this.clientSecret, given);
    },
  });
}

export function createOidcProvider(options: ProviderOptions): Provider {
  const issuerOrigin = new URL(options.issuer).origin;
  const configuration: Configuration = {
    adapter: options.adapter,
    jwks: { keys: signOnThreadpool(options.jwks.keys) } as Configuration['jwks'],
    cookies: providerCookies(options.issuer, options.cookieKeys),
    routes: PROVIDER_ROUTES,
    scopes: ['openid', 'email', 'phone'],
    claims: CLAIMS_OF_SCOPES,
    responseTypes: ['code'],
    discovery: discoveryAdditions(options.issuer),
    // client_secret_post only as GOV.UK One Login allows it: for services that cannot sign a
    // client assertion, and never for identity (see the vtr check below).
    clientAuthMethods: ['private_key_jwt', 'client_secret_post'],
    clockTolerance: CLOCK_TOLERANCE_SECONDS,
    assertJwtClientAuthClaimsAndHeader: checkClientAssertion,
    subjectTypes: ['pairwise'],
    pairwiseIdentifier: (_ctx, accountId, client) => options.pairwiseSubject(accountId, { sector: sectorOf(client as never) }),
    enabledJWA: {
      idTokenSigningAlgValues: ['ES256', 'RS256'],
      clientAuthSigningAlgValues: [...CLIENT_SIGNING_ALGORITHMS],
      requestObjectSigningAlgValues: [...CLIENT_SIGNING_ALGORITHMS],
      userinfoSigningAlgValues: ['ES256', 'RS256'],
    },
    pkce: { required: (_ctx, client) => client[CLIENT_SETTINGS.requirePkce] === true },
    extraParams: {
      vtr(_ctx, value, client) {
        // GOV.UK One Login: "client_secret_post is not supported for identity proving". Civitas
        // offers no identity levels to anyone yet; this keeps them from secret clients when it does.
        if (client?.clientAuthMethod === 'client_secret_post' && asksForIdentity(value)) {
          throw new errors.InvalidRequest('Request vtr not valid');
        }
        if (parseRequestedLevel(value, allowedLevelsOf(client as never)) === undefined) {
          throw new errors.InvalidRequest('Request vtr not valid');
        }
      },
      // GOV.UK One Login requires both, for every service; oidc-provider would let them be left out.
      state: requirePresent('state'),
      nonce: requirePresent('nonce'),
    },
    extraClientMetadata: {
      properties: [CLIENT_SETTINGS.allowedLevels, CLIENT_SETTINGS.requirePkce, CLIENT_SETTINGS.sector],
      validator(_ctx, key, value, metadata: ClientMetadata) {
        if (key === CLIENT_SETTINGS.allowedLevels && value === undefined) metadata[key] = ['Cl.Cm'];
        if (key === CLIENT_SETTINGS.requirePkce && value === undefined) metadata[key] = false;
      },
    },
    features: {
      devInteractions: { enabled: false },
      // For the threadpool signing keys; the ack makes an incompatible change of the experiment
      // stop start-up instead of going unnoticed.
      externalSigningSupport: { enabled: true, ack: 'experimental-01' },
      claimsParameter: { enabled: true },
      // Every request object is verified by acceptGovUkRequestObjects before oidc-provider sees
      // the request; one that reaches oidc-provider's own check was refused there, and is here.
      requestObjects: { enabled: true, assertJwtClaimsAndHeader: refuseUnverifiedRequestObjects },
      pushedAuthorizationRequests: { enabled: false },
      // GOV.UK One Login's access tokens are bearer tokens; DPoP is not part of its profile.
      dPoP: { enabled: false },
      introspection: { enabled: false },
      revocation: { enabled: false },
      userinfo: { enabled: true },
      backchannelLogout: { enabled: true },
      rpInitiatedLogout: {
        enabled: true,
        logoutSource: async (ctx, form) => options.pages.logout(ctx, form, await serviceAskedToSignOut(ctx, options.pairwiseSubject)),
        postLogoutSuccessSource: (ctx) => options.pages.logoutSuccess(ctx),
      },
    },
    ttl: {
      AccessToken: ACCESS_TOKEN_SECONDS,
      AuthorizationCode: 60,
      IdToken: 3600,
      Interaction: 60 * 60,
      Session: (_ctx, session) => sessionSecondsLeft(session),
      Grant: 365 * 24 * 60 * 60,
    },
    expiresWithSession: () => false,
    allowOmittingSingleRegisteredRedirectUri: false,
    acceptQueryParamAccessTokens: false,
    conformIdTokenClaims: true,
    // No refresh tokens, as GOV.UK One Login: oidc-provider's default issues one only to a client
    // allowed the refresh_token grant that was given offline_access, and Civitas registers every
    // client for authorization_code alone and offers no offline_access. Left at its default, the
    // refresh_token grant is not even enabled, and discovery says authorization_code only.
    interactions: {
      url: (_ctx, interaction) => `/sign-in/${interaction.uid}`,
      policy: createPolicy(),
    },
    loadExistingGrant: grantRequestedScopes,
    findAccount: (ctx, accountId) => options.findAccount(ctx, accountId),
    renderError: (ctx, out) => options.pages.error(ctx, out),
    // Back-channel logout tokens and JWKS URIs go to addresses service teams register (in the
    // console, not only operators at the CLI): oidc-provider's own guard refuses any that resolve
    // to a loopback, private or other special-use address, as Notify's and Pay's callbacks are
    // refused. Lifted for Civitas's own services (the issuer's origin: the account pages, the
    // console) and where OUTBOUND_ALLOW_PRIVATE_NETWORK allows it (development, tests).
    fetch: (input, init) => {
      const target = new URL(input instanceof Request ? input.url : String(input));
      const unguarded = options.allowPrivateNetwork || target.origin === issuerOrigin;
      return globalThis.fetch(input, unguarded ? ({ ...init, dispatcher: undefined } as RequestInit) : init);
    },
  };

  const provider = new Provider(options.issuer, configuration);
  provider.proxy = options.trustProxy;
  answerAsIssuer(provider, new URL(options.issuer));
  acceptGovUkRequestObjects(provider, {
    issuer: options.issuer,
    authorizationPath: PROVIDER_ROUTES.authorization,
    algorithms: CLIENT_SIGNING_ALGORITHMS,
    clockToleranceSeconds: CLOCK_TOLERANCE_SECONDS,
    useOnce: options.useOnce,
    refuse: (ctx, out) => options.pages.error(ctx, out),
  });
  issueAccessTokensAsJwts(provider, {
    issuer: options.issuer,
    keys: options.jwks.keys,
    subjectFor: (accountId, client) => options.pairwiseSubject(accountId, { sector: sectorOf(client as never) }),
  });
  compareClientSecretsWithArgon2id(provider);
  showSignOutWithoutSessionAsOurPage(provider, options.pages);
  if (options.serviceEvents) recordSignInsForInsight(provider, options.serviceEvents);
  // GOV.UK One Login puts `sid` in every ID token; oidc-provider only does so for services with
  // back-channel logout. Services use it to match logout tokens to their sessions.
  Object.defineProperty(provider.Client.prototype, 'includeSid', { value: () => true });
  return provider;
}

/**
 * Signing out with no One Login session left, oidc-provider answers with a bare page of its own
 * that submits itself, in English ("Your browser does not support JavaScript..."). It is shown
 * as our sign-out page instead, in the page's language, submitting itself just the same.
 */
function showSignOutWithoutSessionAsOurPage(provider: Provider, pages: ProviderPages): void {
  provider.use(async (ctx, next) => {
    await next();
    const { oidc } = ctx as Partial<KoaContextWithOIDC>;
    if (oidc?.route === 'end_session' && !oidc.session?.accountId && ctx.status === 200 && typeof ctx.body === 'string') {
      pages.logout(ctx as KoaContextWithOIDC, ctx.body, true);
    }
  });
}
