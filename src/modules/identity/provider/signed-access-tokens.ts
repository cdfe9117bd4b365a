import { createLocalJWKSet, jwtVerify, type JWK } from 'jose';
import type Provider from 'oidc-provider';
import { createJwsSigner } from './threadpool-signing-key.ts';

/** What oidc-provider's AccessToken model holds that a signed access token repeats. */
type AccessTokenModel = {
  jti: string;
  clientId: string;
  accountId: string;
  scope?: string;
  sid?: string;
  client?: { idTokenSignedResponseAlg?: string; [key: string]: unknown };
};
type StoredValueAndPayload = { value: string; payload: { iat: number; exp: number; claims?: { userinfo?: Record<string, unknown> } } };
type AccessTokenClass = {
  prototype: { getValueAndPayload(this: AccessTokenModel): Promise<StoredValueAndPayload> };
  find(value: unknown, options?: unknown): Promise<unknown>;
};

/** The algorithms the provider signs with (signing-keys/ keeps a current key of each). */
const SIGNING_ALGORITHMS = ['ES256', 'RS256'];

/** The value each access token was handed out as, so the ID token's at_hash is of what the service holds. */
const issuedValues = new WeakMap<object, string>();

/** The access token the service receives, for an AccessToken model issued by this process. */
export function issuedValueOf(accessToken: object | undefined): string | undefined {
  return accessToken ? issuedValues.get(accessToken) : undefined;
}

function publicPartOf(jwk: JWK): JWK {
  const { d: _d, p: _p, q: _q, dp: _dp, dq: _dq, qi: _qi, key_ops: _keyOps, ...publicPart } = jwk;
  return publicPart;
}

/**
 * Access tokens as GOV.UK One Login issues them: a JWT signed with the provider's key for the
 * service's ID token algorithm, header `kid` and `alg`, claims `sub` (the service's pairwise
 * subject), `scope` (a JSON array), `iss`, `exp`, `iat`, `client_id`, `sid`, `jti`, and `claims`
 * (the userinfo claims asked for by name) when the request named some. No `aud`: GOV.UK's have
 * none, and the token is for this provider's own /userinfo.
 *
 * oidc-provider still stores each token (under the SHA-256 of its id, the JWT's `jti`), and
 * /userinfo finds it only through a JWT that verifies: so revoking the grant, signing out
 * everywhere or deleting the account still ends the token before it expires, and the bare `jti`
 * is no token by itself. oidc-provider's own JWT format would not do: it keeps no record to
 * revoke, needs an `aud`, and its /userinfo refuses a token with one.
 */
export function issueAccessTokensAsJwts(
  provider: Provider,
  options: { issuer: string; keys: readonly JWK[]; subjectFor(accountId: string, client: object): Promise<string> },
): void {
  const signer = createJwsSigner(options.keys);
  const verificationKeys = createLocalJWKSet({ keys: options.keys.map(publicPartOf) });
  const AccessToken = provider.AccessToken as unknown as AccessTokenClass;
  const storedValueAndPayload = AccessToken.prototype.getValueAndPayload;
  const findStored = AccessToken.find.bind(AccessToken);

  Object.defineProperty(AccessToken.prototype, 'getValueAndPayload', {
    async value(this: AccessTokenModel) {
      const { value: jti, payload } = await storedValueAndPayload.call(this);
      const alg = this.client?.idTokenSignedResponseAlg ?? 'ES256';
      const claimsAskedFor = Object.keys(payload.claims?.userinfo ?? {});
      const jwt = await signer.sign(SIGNING_ALGORITHMS.includes(alg) ? alg : 'ES256', {
        sub: await options.subjectFor(this.accountId, this.client ?? {}),
        scope: (this.scope ?? '').split(' ').filter(Boolean),
        iss: options.issuer,
        exp: payload.exp,
        iat: payload.iat,
        client_id: this.clientId,
        ...(this.sid ? { sid: this.sid } : {}),
        jti,
        ...(claimsAskedFor.length > 0 ? { claims: claimsAskedFor } : {}),
      });
      issuedValues.set(this, jwt);
      return { value: jwt, payload };
    },
  });

  Object.defineProperty(AccessToken, 'find', {
    async value(value: unknown, findOptions?: unknown) {
      if (typeof value !== 'string') return undefined;
      try {
        const { payload } = await jwtVerify(value, verificationKeys, { issuer: options.issuer, algorithms: SIGNING_ALGORITHMS });
        return typeof payload.jti === 'string' ? await findStored(payload.jti, findOptions) : undefined;
      } catch {
        return undefined;
      }
    },
  });
}
