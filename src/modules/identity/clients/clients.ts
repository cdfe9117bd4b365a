import { createPublicKey, randomBytes, type JsonWebKeyInput, type KeyObject } from 'node:crypto';
import { calculateJwkThumbprint, type JWK } from 'jose';
import type { Database, Executor } from '../../../platform/db/database.ts';
import type { Locale } from '../../../platform/http/i18n.ts';
import { hashPassword } from '../accounts/passwords.ts';
import { CLIENT_SETTINGS } from '../provider/create-provider.ts';
import type { CredentialLevel } from '../provider/vectors-of-trust.ts';
import { createClientStore } from './client.store.ts';

/**
 * How a service authenticates at /token. `private_key_jwt` (a signed client assertion) is GOV.UK
 * One Login's method; `client_secret_post` its exception, for platforms that cannot sign one.
 */
export const TOKEN_AUTH_METHODS = ['private_key_jwt', 'client_secret_post'] as const;
export type TokenAuthMethod = (typeof TOKEN_AUTH_METHODS)[number];

/**
 * Random bytes in a generated client secret: GOV.UK One Login asks services for `openssl rand 40`.
 * 320 bits cannot be guessed, and the secret is shown once and kept only as an Argon2id hash.
 */
const CLIENT_SECRET_BYTES = 40;

/** OpenID Connect's client_name in Welsh (a language-tagged claim); oidc-provider passes it by. */
const WELSH_NAME = 'client_name#cy';

export type NewClient = {
  name: string;
  /** The service's name in Welsh, kept as OpenID Connect's language-tagged `client_name#cy`; `name` where not given. */
  welshName?: string;
  redirectUris: string[];
  /** `private_key_jwt` unless said otherwise. */
  tokenAuthMethod?: TokenAuthMethod;
  /** A PEM public key or a JWK (JSON), as a service team would have it; for `private_key_jwt` only. */
  publicKey?: string;
  /** Instead of `publicKey`: the https address of the service's JWKS, which One Login reads its keys from. */
  jwksUri?: string;
  postLogoutRedirectUris?: string[];
  backchannelLogoutUri?: string;
  sectorIdentifier?: string;
  scopes?: string[];
  allowedLevels?: CredentialLevel[];
  requirePkce?: boolean;
  idTokenSigningAlg?: 'ES256' | 'RS256';
};

/** A registered service's settings as its team sees them: no key material, no secret. */
export type ClientDescription = {
  clientId: string;
  name: string;
  redirectUris: string[];
  postLogoutRedirectUris: string[];
  backchannelLogoutUri: string | undefined;
  scopes: string[];
  allowedLevels: CredentialLevel[];
  requirePkce: boolean;
  tokenAuthMethod: string;
  jwksUri: string | undefined;
  createdAt: string;
};

export class ClientRegistrationError extends Error {
  readonly code = 'INVALID_CLIENT_REGISTRATION';
}

const SCOPES = ['openid', 'email', 'phone'];

function checkUrl(value: string, what: string, allowHttpLocalhost = true): string {
  if (!URL.canParse(value)) throw new ClientRegistrationError(`${what} "${value}" is not a URL`);
  const url = new URL(value);
  const local = ['localhost', '127.0.0.1', '[::1]'].includes(url.hostname);
  if (url.protocol !== 'https:' && !(allowHttpLocalhost && local && url.protocol === 'http:')) {
    throw new ClientRegistrationError(`${what} "${value}" must use https (http only for localhost)`);
  }
  if (url.hash) throw new ClientRegistrationError(`${what} "${value}" must not have a fragment`);
  return value;
}

/** The smallest RSA key a service may register, as GOV.UK One Login asks (2048 bits). */
export const MINIMUM_RSA_KEY_BITS = 2048;

/**
 * Reads a service's public key from PEM or JWK text into a public JWK, refusing private keys,
 * RSA keys under 2048 bits and curves other than P-256. The key is not pinned to one algorithm:
 * an RSA key signs with RS256, RS384, RS512, PS256, PS384 or PS512 (GOV.UK One Login's example
 * service uses PS256), an EC P-256 key with ES256.
 */
export async function readPublicKey(text: string): Promise<JWK> {
  const trimmed = text.trim();
  let key: KeyObject;
  try {
    if (trimmed.startsWith('{')) {
      const given = JSON.parse(trimmed) as JWK;
      if ('d' in given) throw new ClientRegistrationError('the key file holds a private key: give the public key only');
      key = createPublicKey({ key: given as JsonWebKeyInput['key'], format: 'jwk' });
    } else if (/-----BEGIN (RSA )?PUBLIC KEY-----/.test(trimmed)) {
      key = createPublicKey(trimmed);
    } else if (trimmed.includes('PRIVATE KEY')) {
      throw new ClientRegistrationError('the key file holds a private key: give the public key only');
    } else {
      throw new ClientRegistrationError('the key file must hold a PEM public key (BEGIN PUBLIC KEY) or a JWK');
    }
  } catch (error) {
    if (error instanceof ClientRegistrationError || error instanceof SyntaxError) throw error;
    throw new ClientRegistrationError('the key file does not hold a public key that can be read');
  }
  const details = key.asymmetricKeyDetails ?? {};
  if (key.asymmetricKeyType === 'rsa') {
    if ((details.modulusLength ?? 0) < MINIMUM_RSA_KEY_BITS) {
      throw new ClientRegistrationError(`an RSA key must have at least ${MINIMUM_RSA_KEY_BITS} bits`);
    }
  } else if (key.asymmetricKeyType !== 'ec' || details.namedCurve !== 'prime256v1') {
    throw new ClientRegistrationError('the key must be an RSA public key (2048 bits or more) or an EC P-256 public key');
  }
  const jwk = key.export({ format: 'jwk' }) as JWK;
  return { ...jwk, use: 'sig', kid: await calculateJwkThumbprint(jwk) };
}

function backchannelLogoutMetadata(uri: string | undefined) {
  return uri ? { backchannel_logout_uri: checkUrl(uri, 'back-channel logout URI'), backchannel_logout_session_required: true } : {};
}

/**
 * What the service proves itself with at /token: its registered public key, or a secret Civitas
 * generates, returns once and keeps only as an Argon2id hash (in `client_secret`, which the
 * provider compares with `verifyPassword`, see create-provider.ts).
 */
async function credentialsOf(client: NewClient): Promise<{ metadata: Record<string, unknown>; clientSecret?: string }> {
  const method = client.tokenAuthMethod ?? 'private_key_jwt';
  if (!TOKEN_AUTH_METHODS.includes(method)) throw new ClientRegistrationError(`the token authentication method must be one of: ${TOKEN_AUTH_METHODS.join(', ')}`);
  if (method === 'client_secret_post') {
    if (client.publicKey !== undefined || client.jwksUri !== undefined) throw new ClientRegistrationError('a service using client_secret_post has no public key: leave out the key');
    const clientSecret = randomBytes(CLIENT_SECRET_BYTES).toString('base64url');
    return { metadata: { token_endpoint_auth_method: method, client_secret: await hashPassword(clientSecret) }, clientSecret };
  }
  if (client.jwksUri !== undefined) {
    if (client.publicKey !== undefined) throw new ClientRegistrationError('give the public key or a JWKS URI, not both');
    return { metadata: { token_endpoint_auth_method: method, jwks_uri: checkUrl(client.jwksUri, 'JWKS URI', false) } };
  }
  if (client.publicKey === undefined) throw new ClientRegistrationError('a service using private_key_jwt needs its public key');
  return { metadata: { token_endpoint_auth_method: method, jwks: { keys: [await readPublicKey(client.publicKey)] } } };
}

/** The services (relying parties) that may sign people in, registered by operators. */
export function createClientRegistry(dependencies: { db: Database; clock?: () => Date }) {
  const clock = dependencies.clock ?? (() => new Date());
  const store = createClientStore(dependencies.db);

  return {
    /**
     * Registers a service; `clientSecret` (for `client_secret_post`) is returned here and never
     * again. Stored in `transaction` when given: kept only if the caller's change is.
     */
    async add(client: NewClient, transaction?: Executor): Promise<{ clientId: string; clientSecret?: string }> {
      if (!client.name.trim()) throw new ClientRegistrationError('a client needs a name');
      if (client.redirectUris.length === 0) throw new ClientRegistrationError('a client needs at least one redirect URI');
      const scopes = client.scopes ?? ['openid', 'email'];
      if (!scopes.includes('openid') || scopes.some((scope) => !SCOPES.includes(scope))) {
        throw new ClientRegistrationError(`scopes must include openid and be among: ${SCOPES.join(', ')}`);
      }
      const credentials = await credentialsOf(client);
      const clientId = randomBytes(16).toString('base64url');
      const metadata = {
        client_id: clientId,
        client_name: client.name.trim(),
        ...(client.welshName?.trim() ? { [WELSH_NAME]: client.welshName.trim() } : {}),
        redirect_uris: client.redirectUris.map((uri) => checkUrl(uri, 'redirect URI')),
        post_logout_redirect_uris: (client.postLogoutRedirectUris ?? []).map((uri) => checkUrl(uri, 'post-logout redirect URI')),
        ...backchannelLogoutMetadata(client.backchannelLogoutUri),
        grant_types: ['authorization_code'],
        response_types: ['code'],
        ...credentials.metadata,
        id_token_signed_response_alg: client.idTokenSigningAlg ?? 'ES256',
        subject_type: 'pairwise',
        require_auth_time: true,
        scope: scopes.join(' '),
        [CLIENT_SETTINGS.allowedLevels]: client.allowedLevels ?? ['Cl.Cm'],
        [CLIENT_SETTINGS.requirePkce]: client.requirePkce ?? false,
        ...(client.sectorIdentifier ? { [CLIENT_SETTINGS.sector]: client.sectorIdentifier } : {}),
      };
      await (transaction ? createClientStore(transaction) : store).insert({ client_id: clientId, name: metadata.client_name, metadata: JSON.stringify(metadata), created_at: clock().toISOString() });
      return credentials.clientSecret === undefined ? { clientId } : { clientId, clientSecret: credentials.clientSecret };
    },

    async list(): Promise<Array<{ clientId: string; name: string; redirectUris: string[]; tokenAuthMethod: string; createdAt: string }>> {
      return (await store.list()).map((row) => {
        const metadata = JSON.parse(row.metadata) as { redirect_uris: string[]; token_endpoint_auth_method: string };
        return { clientId: row.client_id, name: row.name, redirectUris: metadata.redirect_uris, tokenAuthMethod: metadata.token_endpoint_auth_method, createdAt: row.created_at };
      });
    },

    remove(clientId: string): Promise<boolean> {
      return store.remove(clientId);
    },

    /** The back-channel logout URI a registered service has, or undefined; for `setBackchannelLogoutUri`. */
    async backchannelLogoutUriOf(clientId: string): Promise<string | undefined> {
      const row = await store.find(clientId);
      return row ? (JSON.parse(row.metadata) as { backchannel_logout_uri?: string }).backchannel_logout_uri : undefined;
    },

    /** Gives a registered service a back-channel logout URI (or takes it away, with undefined). */
    async setBackchannelLogoutUri(clientId: string, uri: string | undefined): Promise<void> {
      const row = await store.find(clientId);
      if (!row) throw new ClientRegistrationError(`no client ${clientId}`);
      const { backchannel_logout_uri: _uri, backchannel_logout_session_required: _required, ...rest } = JSON.parse(row.metadata) as Record<string, unknown>;
      await store.replaceMetadata(clientId, JSON.stringify({ ...rest, ...backchannelLogoutMetadata(uri) }));
    },

    /** What a registered service's settings are (never its key material), or undefined. */
    async describe(clientId: string): Promise<ClientDescription | undefined> {
      const row = await store.find(clientId);
      if (!row) return undefined;
      const metadata = JSON.parse(row.metadata) as Record<string, unknown>;
      return {
        clientId: row.client_id,
        name: row.name,
        redirectUris: metadata.redirect_uris as string[],
        postLogoutRedirectUris: (metadata.post_logout_redirect_uris as string[] | undefined) ?? [],
        backchannelLogoutUri: metadata.backchannel_logout_uri as string | undefined,
        scopes: String(metadata.scope ?? '').split(' ').filter(Boolean),
        allowedLevels: (metadata[CLIENT_SETTINGS.allowedLevels] as CredentialLevel[] | undefined) ?? ['Cl.Cm'],
        requirePkce: metadata[CLIENT_SETTINGS.requirePkce] === true,
        tokenAuthMethod: metadata.token_endpoint_auth_method as string,
        jwksUri: metadata.jwks_uri as string | undefined,
        createdAt: row.created_at,
      };
    },

    /** Replaces a registered service's redirect URIs, checked as at registration. */
    async setRedirectUris(clientId: string, uris: readonly string[]): Promise<void> {
      if (uris.length === 0) throw new ClientRegistrationError('a client needs at least one redirect URI');
      const checked = uris.map((uri) => checkUrl(uri, 'redirect URI'));
      const row = await store.find(clientId);
      if (!row) throw new ClientRegistrationError(`no client ${clientId}`);
      await store.replaceMetadata(clientId, JSON.stringify({ ...(JSON.parse(row.metadata) as Record<string, unknown>), redirect_uris: checked }));
    },

    /** Replaces the credential levels a registered service may ask for. */
    async setAllowedLevels(clientId: string, levels: readonly CredentialLevel[]): Promise<void> {
      const row = await store.find(clientId);
      if (!row) throw new ClientRegistrationError(`no client ${clientId}`);
      await store.replaceMetadata(clientId, JSON.stringify({ ...(JSON.parse(row.metadata) as Record<string, unknown>), [CLIENT_SETTINGS.allowedLevels]: [...levels] }));
    },

    /** The service's name in this language: its Welsh name on Welsh pages where it has one. */
    async nameOf(clientId: string, locale: Locale = 'en'): Promise<string | undefined> {
      const row = await store.find(clientId);
      if (!row || locale === 'en') return row?.name;
      const welsh = (JSON.parse(row.metadata) as Record<string, unknown>)[WELSH_NAME];
      return typeof welsh === 'string' ? welsh : row.name;
    },

    async setWelshName(clientId: string, welshName: string): Promise<void> {
      const row = await store.find(clientId);
      if (!row) throw new ClientRegistrationError(`no client ${clientId}`);
      await store.replaceMetadata(clientId, JSON.stringify({ ...(JSON.parse(row.metadata) as Record<string, unknown>), [WELSH_NAME]: welshName.trim() }));
    },
  };
}

export type ClientRegistry = ReturnType<typeof createClientRegistry>;
