import type { FastifyInstance } from 'fastify';
import { createRemoteJWKSet, exportJWK, generateKeyPair, importJWK, jwtVerify, type CryptoKey, type JWK } from 'jose';
import * as oidc from 'openid-client';
import type { Database } from '../../../platform/db/database.ts';
import { lockUntilTransactionEnds } from '../../../platform/db/transaction-lock.ts';
import type { SecretBoxes } from '../../../platform/secrets/secret-box.ts';
import type { CredentialLevel } from '../provider/vectors-of-trust.ts';
import { createClientRegistry } from './clients.ts';
import { createInternalClientStore } from './internal-client.store.ts';

const REGISTRATION_LOCK = 7_414_201;
/** The private keys are sealed at rest; rows from before are sealed by `resealInternalClientKeys`. */
const PRIVATE_KEY_PURPOSE = 'identity-internal-client-key';

export type InternalClientSpec = {
  /** A stable name, such as `account` or `demo-service`. */
  name: string;
  displayName: string;
  /** The same in Welsh, for the pages that name the services a person has used. */
  welshDisplayName?: string;
  baseUrl: string;
  /** Paths under baseUrl. */
  callbackPath: string;
  signedOutPath: string;
  /** Where the provider posts logout tokens, for a service that keeps sessions of its own. */
  backchannelLogoutPath?: string;
  /** The credential levels (vtr) it may ask for; `Cl.Cm` only when not said. */
  allowedLevels?: CredentialLevel[];
};

/**
 * A service inside Civitas (the account pages, the demo service) registers itself with the
 * provider the first time it runs at an address, exactly as a department would with
 * `civitas identity client add`, keeps its private key, and then signs people in through the
 * provider with openid-client like any other service.
 */
export async function ensureInternalClient(
  db: Database,
  spec: InternalClientSpec,
  secrets: SecretBoxes,
): Promise<{ clientId: string; privateKey: CryptoKey }> {
  const box = secrets.forPurpose(PRIVATE_KEY_PURPOSE);
  const row = await db.transaction().execute(async (transaction) => {
    await lockUntilTransactionEnds(transaction, REGISTRATION_LOCK);
    const store = createInternalClientStore(transaction);
    const registry = createClientRegistry({ db: transaction });
    const backchannelLogoutUri = spec.backchannelLogoutPath && `${spec.baseUrl}${spec.backchannelLogoutPath}`;
    const existing = await store.find(spec.name, spec.baseUrl);
    if (existing) {
      // Registered before the service kept sessions of its own, or before it moved its endpoint.
      if ((await registry.backchannelLogoutUriOf(existing.client_id)) !== backchannelLogoutUri) {
        await registry.setBackchannelLogoutUri(existing.client_id, backchannelLogoutUri);
      }
      // Registered before services had a name in Welsh.
      if (spec.welshDisplayName && (await registry.nameOf(existing.client_id, 'cy')) !== spec.welshDisplayName) {
        await registry.setWelshName(existing.client_id, spec.welshDisplayName);
      }
      // Registered before the service said which levels it may ask for.
      if (spec.allowedLevels && (await registry.describe(existing.client_id))?.allowedLevels.join(' ') !== spec.allowedLevels.join(' ')) {
        await registry.setAllowedLevels(existing.client_id, spec.allowedLevels);
      }
      return existing;
    }
    const { publicKey, privateKey } = await generateKeyPair('ES256', { extractable: true });
    const { clientId } = await registry.add({
      name: spec.displayName,
      welshName: spec.welshDisplayName,
      redirectUris: [`${spec.baseUrl}${spec.callbackPath}`],
      postLogoutRedirectUris: [`${spec.baseUrl}${spec.signedOutPath}`],
      ...(backchannelLogoutUri ? { backchannelLogoutUri } : {}),
      publicKey: JSON.stringify(await exportJWK(publicKey)),
      scopes: ['openid', 'email', 'phone'],
      requirePkce: true,
      ...(spec.allowedLevels ? { allowedLevels: spec.allowedLevels } : {}),
    });
    const created = {
      name: spec.name,
      base_url: spec.baseUrl,
      client_id: clientId,
      private_jwk: box.seal(JSON.stringify(await exportJWK(privateKey))),
      created_at: new Date().toISOString(),
    };
    await store.insert(created);
    return created;
  });
  const privateJwk = JSON.parse(box.openOrAcceptClear(row.private_jwk)) as JWK;
  return { clientId: row.client_id, privateKey: (await importJWK(privateJwk, 'ES256')) as CryptoKey };
}

/**
 * Seals every internal client's private key kept in clear or under a previous ENCRYPTION_KEY;
 * how many it sealed. Safe to run from several processes at once: each replaces only the value it read.
 */
export async function resealInternalClientKeys(db: Database, secrets: SecretBoxes): Promise<number> {
  const box = secrets.forPurpose(PRIVATE_KEY_PURPOSE);
  const store = createInternalClientStore(db);
  let resealed = 0;
  for (const row of await store.listNotSealedUnderCurrentKey(box)) {
    const replacement = box.seal(box.openOrAcceptClear(row.private_jwk));
    if (await store.replacePrivateJwk({ name: row.name, baseUrl: row.base_url, stored: row.private_jwk, replacement })) resealed += 1;
  }
  return resealed;
}

/** openid-client's view of the provider for an internal service, discovered on first use. */
export function createInternalRelyingParty(db: Database, spec: InternalClientSpec, secrets: SecretBoxes) {
  let configuration: Promise<oidc.Configuration> | undefined;
  return {
    spec,
    configuration(): Promise<oidc.Configuration> {
      configuration ??= ensureInternalClient(db, spec, secrets)
        .then(({ clientId, privateKey }) =>
          oidc.discovery(new URL(spec.baseUrl), clientId, {}, oidc.PrivateKeyJwt(privateKey), {
            execute: spec.baseUrl.startsWith('http://') ? [oidc.allowInsecureRequests] : [],
          }),
        )
        .catch((error: unknown) => {
          configuration = undefined;
          throw error;
        });
      return configuration;
    },
  };
}

export type InternalRelyingParty = ReturnType<typeof createInternalRelyingParty>;

const PENDING_COOKIE_PREFIX = 'civitas_signin_';

export type SignedInPerson = {
  accountSubject: string;
  email: string;
  phoneNumber?: string;
  idToken: string;
  level: string;
  /** How this sign-in was made (the ID token's `amr`: `pwd`, `sms`, `otp`, `hwk`, `mca`). */
  authenticationMethods: string[];
  /** The provider's session id for this service (`sid`), which its logout tokens name. */
  sid?: string;
};

function isRefusedResponse(error: unknown): boolean {
  return error instanceof oidc.AuthorizationResponseError || error instanceof oidc.ResponseBodyError || error instanceof oidc.ClientError;
}

/** A logout token that is not one the provider sent this service: answered 400, and nothing ends. */
export class LogoutTokenError extends Error {
  readonly code = 'INVALID_LOGOUT_TOKEN';
  override readonly name = 'LogoutTokenError';
}

const BACKCHANNEL_LOGOUT_EVENT = 'http://schemas.openid.net/event/backchannel-logout';
/** The provider signs a logout token for each delivery, retries included: an older one is a replay. */
const LOGOUT_TOKEN_MAX_AGE_SECONDS = 5 * 60;

/**
 * Signing in to an internal service: `start` sends the browser to the provider with PKCE, state
 * and nonce kept in a signed cookie; `finish` checks the response, exchanges the code and reads
 * userinfo, as any department's service does.
 */
export function createInternalSignIn(relyingParty: InternalRelyingParty) {
  const { spec } = relyingParty;
  const cookieName = `${PENDING_COOKIE_PREFIX}${spec.name.replaceAll('-', '_')}`;
  const cookiePath = spec.callbackPath;
  const secure = spec.baseUrl.startsWith('https://');
  const pendingCookieOptions = { path: cookiePath, httpOnly: true, sameSite: 'lax', secure } as const;
  let providerKeys: ReturnType<typeof createRemoteJWKSet> | undefined;

  return {
    async start(
      reply: { setCookie(name: string, value: string, options: Record<string, unknown>): unknown },
      /** `maxAgeSeconds`: the person must have signed in at most this long ago (0: sign in again now), or the provider asks them to. */
      options: { locale: string; level?: 'Cl' | 'Cl.Cm'; maxAgeSeconds?: number },
    ): Promise<string> {
      const config = await relyingParty.configuration();
      const codeVerifier = oidc.randomPKCECodeVerifier();
      const state = oidc.randomState();
      const nonce = oidc.randomNonce();
      const { maxAgeSeconds } = options;
      reply.setCookie(cookieName, JSON.stringify({ codeVerifier, state, nonce, maxAgeSeconds }), { ...pendingCookieOptions, signed: true, maxAge: 3600 });
      return oidc
        .buildAuthorizationUrl(config, {
          redirect_uri: `${spec.baseUrl}${spec.callbackPath}`,
          scope: 'openid email phone',
          code_challenge: await oidc.calculatePKCECodeChallenge(codeVerifier),
          code_challenge_method: 'S256',
          state,
          nonce,
          vtr: JSON.stringify([options.level ?? 'Cl.Cm']),
          ui_locales: options.locale,
          ...(maxAgeSeconds === undefined ? {} : { max_age: String(maxAgeSeconds) }),
        })
        .toString();
    },

    /**
     * The person who signed in, or undefined if the response is not one this browser asked for;
     * `authenticatedAt` is when they last proved who they are to the provider (the ID token's
     * auth_time), which may be long before this sign-in.
     */
    async finish(
      request: { url: string; cookies: Record<string, string | undefined>; unsignCookie(value: string): { valid: boolean; value: string | null } },
      reply: { clearCookie(name: string, options: Record<string, unknown>): unknown },
    ): Promise<(SignedInPerson & { authenticatedAt: Date }) | undefined> {
      const cookie = request.cookies[cookieName];
      const pending = cookie ? request.unsignCookie(cookie) : undefined;
      reply.clearCookie(cookieName, pendingCookieOptions);
      if (!pending?.valid || !pending.value) return undefined;
      const { codeVerifier, state, nonce, maxAgeSeconds } = JSON.parse(pending.value) as { codeVerifier: string; state: string; nonce: string; maxAgeSeconds?: number };
      const config = await relyingParty.configuration();
      // With maxAge, openid-client refuses an ID token whose auth_time is older than was asked for.
      let tokens: Awaited<ReturnType<typeof oidc.authorizationCodeGrant>>;
      try {
        tokens = await oidc.authorizationCodeGrant(config, new URL(request.url, spec.baseUrl), {
          pkceCodeVerifier: codeVerifier,
          expectedState: state,
          expectedNonce: nonce,
          idTokenExpected: true,
          ...(typeof maxAgeSeconds === 'number' ? { maxAge: maxAgeSeconds } : {}),
        });
      } catch (error) {
        // An error the provider sent back (access_denied, login_required), or a response this
        // browser did not ask for (wrong state, no code): no sign-in, not a fault of ours.
        if (isRefusedResponse(error)) return undefined;
        throw error;
      }
      const claims = tokens.claims();
      if (!claims || typeof claims.auth_time !== 'number') return undefined;
      const userinfo = await oidc.fetchUserInfo(config, tokens.access_token, claims.sub);
      return {
        accountSubject: claims.sub,
        email: String(userinfo.email),
        ...(userinfo.phone_number ? { phoneNumber: String(userinfo.phone_number) } : {}),
        idToken: tokens.id_token as string,
        level: String(claims.vot),
        authenticationMethods: Array.isArray(claims.amr) ? claims.amr.filter((method): method is string => typeof method === 'string') : [],
        ...(typeof claims.sid === 'string' ? { sid: claims.sid } : {}),
        authenticatedAt: new Date(claims.auth_time * 1000),
      };
    },

    /**
     * Checks a back-channel logout token as OpenID Connect Back-Channel Logout 1.0 says: signed
     * by the provider's keys, issued by it for this service, typed logout+jwt, recent, carrying
     * the logout event and no nonce. The sessions to end: the person's (`subject`), or only
     * the one provider session `sid` when the token names one.
     */
    async verifyLogoutToken(logoutToken: string): Promise<{ subject: string; sid?: string }> {
      const config = await relyingParty.configuration();
      const { issuer, jwks_uri: jwksUri } = config.serverMetadata();
      if (!jwksUri) throw new LogoutTokenError('the provider publishes no keys');
      providerKeys ??= createRemoteJWKSet(new URL(jwksUri));
      let claims: Record<string, unknown>;
      try {
        ({ payload: claims } = await jwtVerify(logoutToken, providerKeys, {
          issuer,
          audience: config.clientMetadata().client_id,
          typ: 'logout+jwt',
          algorithms: ['ES256', 'RS256'],
          maxTokenAge: LOGOUT_TOKEN_MAX_AGE_SECONDS,
          requiredClaims: ['iat', 'jti', 'sub', 'events'],
        }));
      } catch (error) {
        throw new LogoutTokenError('the logout token does not verify', { cause: error });
      }
      const events = claims.events as Record<string, unknown> | undefined;
      if (typeof events?.[BACKCHANNEL_LOGOUT_EVENT] !== 'object' || events[BACKCHANNEL_LOGOUT_EVENT] === null) {
        throw new LogoutTokenError('the logout token carries no back-channel logout event');
      }
      if ('nonce' in claims) throw new LogoutTokenError('a logout token never carries a nonce');
      if (typeof claims.sub !== 'string' || !claims.sub) throw new LogoutTokenError('the logout token names no subject');
      if (claims.sid !== undefined && typeof claims.sid !== 'string') throw new LogoutTokenError('the logout token has a malformed sid');
      return { subject: claims.sub, ...(claims.sid ? { sid: claims.sid } : {}) };
    },

    async signOutUrl(idToken: string): Promise<string> {
      const config = await relyingParty.configuration();
      return oidc
        .buildEndSessionUrl(config, {
          id_token_hint: idToken,
          post_logout_redirect_uri: `${spec.baseUrl}${spec.signedOutPath}`,
          state: oidc.randomState(),
        })
        .toString();
    },
  };
}

export type InternalSignIn = ReturnType<typeof createInternalSignIn>;

/**
 * The endpoint the provider posts a logout token to when a One Login session ends (OpenID Connect
 * Back-Channel Logout 1.0), for an internal service that keeps sessions of its own: the token is
 * checked (`verifyLogoutToken`), then `endSessions` ends the sessions it names. A server-to-server
 * call, so no CSRF token; the token's signature is what is checked.
 */
export function registerBackchannelLogout(
  app: FastifyInstance,
  options: { path: string; service: string; signIn: InternalSignIn; endSessions(logout: { subject: string; sid?: string }): Promise<unknown> },
): void {
  app.post<{ Body: { logout_token: string } }>(
    options.path,
    {
      config: { csrf: false },
      schema: {
        body: { type: 'object', required: ['logout_token'], properties: { logout_token: { type: 'string', minLength: 1, maxLength: 8192 } } },
        response: { 200: { type: 'null' }, 400: { type: 'object', properties: { error: { type: 'string' }, error_description: { type: 'string' } } } },
      },
    },
    async (request, reply) => {
      reply.header('cache-control', 'no-store');
      let logout: { subject: string; sid?: string };
      try {
        logout = await options.signIn.verifyLogoutToken(request.body.logout_token);
      } catch (error) {
        if (!(error instanceof LogoutTokenError)) throw error;
        request.log.warn({ service: options.service, reason: error.message }, 'logout token refused');
        return reply.code(400).send({ error: 'invalid_request', error_description: 'the logout token is not valid' });
      }
      await options.endSessions(logout);
      return reply.code(200).send();
    },
  );
}
