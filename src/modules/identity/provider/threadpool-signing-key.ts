import { createPrivateKey, createPublicKey, sign, type KeyObject } from 'node:crypto';
import type { JWK } from 'jose';
import { ExternalSigningKey } from 'oidc-provider';

/** The algorithms a current signing key may have; both hash with SHA-256. */
const THREADPOOL_ALGORITHMS = new Set(['ES256', 'RS256']);

/**
 * A provider signing key that signs on libuv's threadpool. oidc-provider signs through WebCrypto,
 * which in Node 24 signs on the main thread, so every ID token held up every other request for
 * the length of a signature; node:crypto's `sign` with a callback runs on a worker thread. The
 * same key, the same JWS: the published JWKS does not change.
 */
class ThreadpoolSigningKey extends ExternalSigningKey {
  readonly #privateKey: KeyObject;
  readonly #publicKey: KeyObject;

  constructor(jwk: JWK & { kid: string; alg: string }) {
    super();
    this.#privateKey = createPrivateKey({ key: jwk, format: 'jwk' });
    this.#publicKey = createPublicKey(this.#privateKey);
    // oidc-provider's class has setters for both; its type declarations show only the getters.
    Object.assign(this, { kid: jwk.kid, alg: jwk.alg });
  }

  override keyObject(): KeyObject {
    return this.#publicKey;
  }

  override sign(data: Uint8Array): Promise<Uint8Array> {
    return new Promise((resolve, reject) => {
      // JWS wants an ECDSA signature as r || s (IEEE P1363), not DER; RSA keys ignore the option.
      sign('sha256', data, { key: this.#privateKey, dsaEncoding: 'ieee-p1363' }, (error, signature) =>
        error ? reject(error) : resolve(signature),
      );
    });
  }
}

/**
 * The provider's keys with each signing key (private, not limited to verifying) replaced by one
 * that signs on the threadpool; keys kept only for verifying stay as they are.
 */
export function signOnThreadpool(keys: readonly JWK[]): Array<JWK | ExternalSigningKey> {
  return keys.map((jwk) => (isCurrentSigningKey(jwk) ? new ThreadpoolSigningKey(jwk) : jwk));
}

/** A private key that signs now (not limited to verifying), with an algorithm the threadpool signs. */
function isCurrentSigningKey(jwk: JWK): jwk is JWK & { kid: string; alg: string } {
  return Boolean(jwk.d && !jwk.key_ops && jwk.kid && jwk.alg && THREADPOOL_ALGORITHMS.has(jwk.alg));
}

/** Signs compact JWS with the provider's current keys, on the threadpool, for tokens oidc-provider does not sign itself. */
export function createJwsSigner(keys: readonly JWK[]) {
  const signing = new Map<string, { kid: string; key: ThreadpoolSigningKey }>();
  for (const jwk of keys) {
    if (isCurrentSigningKey(jwk) && !signing.has(jwk.alg)) {
      signing.set(jwk.alg, { kid: jwk.kid, key: new ThreadpoolSigningKey(jwk) });
    }
  }
  return {
    /** A JWS of `payload` with the current key of `alg`; its header names the key (`kid`). */
    async sign(alg: string, payload: object): Promise<string> {
      const current = signing.get(alg);
      if (!current) throw new Error(`no current signing key for ${alg}`);
      const encode = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
      const signingInput = `${encode({ kid: current.kid, alg })}.${encode(payload)}`;
      const signature = await current.key.sign(Buffer.from(signingInput));
      return `${signingInput}.${Buffer.from(signature).toString('base64url')}`;
    },
  };
}

export type JwsSigner = ReturnType<typeof createJwsSigner>;
