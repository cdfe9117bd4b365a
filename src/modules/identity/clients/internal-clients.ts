import { exportJWK, generateKeyPair, importJWK, type CryptoKey, type JWK } from 'jose';
import * as oidc from 'openid-client';
import type { Database } from '../../../platform/db/database.ts';
import { lockUntilTransactionEnds } from '../../../platform/db/transaction-lock.ts';
import type { SecretBoxes } from '../../../platform/secrets/secret-box.ts';
import { createClientRegistry } from './clients.ts';
import { createInternalClientStore } from './internal-client.store.ts';

const REGISTRATION_LOCK = 7_414_201;
/** The private keys are sealed at rest; rows from before are sealed by `resealInternalClientKeys`. */
const PRIVATE_KEY_PURPOSE = 'identity-internal-client-key';

export type InternalClientSpec = {
  /** A stable name, such as `account` or `demo-service`. */
  name: string;
  displayName: string;
  baseUrl: string;
  /** Paths under baseUrl. */
  callbackPath: string;
  signedOutPath: string;
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
    const existing = await store.find(spec.name, spec.baseUrl);
    if (existing) return existing;
    const { publicKey, privateKey } = await generateKeyPair('ES256', { extractable: true });
    const { clientId } = await createClientRegistry({ db: transaction }).add({
      name: spec.displayName,
      redirectUris: [`${spec.baseUrl}${spec.callbackPath}`],
      postLogoutRedirectUris: [`${spec.baseUrl}${spec.signedOutPath}`],
      publicKey: JSON.stringify(await exportJWK(publicKey)),
      scopes: ['openid', 'email', 'phone'],
      requirePkce: true,
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
};

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

  return {
    async start(
      reply: { setCookie(name: string, value: string, options: Record<string, unknown>): unknown },
      options: { locale: string; level?: 'Cl' | 'Cl.Cm' },
    ): Promise<string> {
      const config = await relyingParty.configuration();
      const codeVerifier = oidc.randomPKCECodeVerifier();
      const state = oidc.randomState();
      const nonce = oidc.randomNonce();
      reply.setCookie(cookieName, JSON.stringify({ codeVerifier, state, nonce }), {
        path: cookiePath,
        httpOnly: true,
        sameSite: 'lax',
        secure,
        signed: true,
        maxAge: 3600,
      });
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
        })
        .toString();
    },

    /** The person who signed in, or undefined if the response is not one this browser asked for. */
    async finish(
      request: { url: string; cookies: Record<string, string | undefined>; unsignCookie(value: string): { valid: boolean; value: string | null } },
      reply: { clearCookie(name: string, options: Record<string, unknown>): unknown },
    ): Promise<SignedInPerson | undefined> {
      const cookie = request.cookies[cookieName];
      const pending = cookie ? request.unsignCookie(cookie) : undefined;
      reply.clearCookie(cookieName, { path: cookiePath });
      if (!pending?.valid || !pending.value) return undefined;
      const { codeVerifier, state, nonce } = JSON.parse(pending.value) as { codeVerifier: string; state: string; nonce: string };
      const config = await relyingParty.configuration();
      const tokens = await oidc.authorizationCodeGrant(config, new URL(request.url, spec.baseUrl), {
        pkceCodeVerifier: codeVerifier,
        expectedState: state,
        expectedNonce: nonce,
        idTokenExpected: true,
      });
      const claims = tokens.claims();
      if (!claims) return undefined;
      const userinfo = await oidc.fetchUserInfo(config, tokens.access_token, claims.sub);
      return {
        accountSubject: claims.sub,
        email: String(userinfo.email),
        ...(userinfo.phone_number ? { phoneNumber: String(userinfo.phone_number) } : {}),
        idToken: tokens.id_token as string,
        level: String(claims.vot),
      };
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
