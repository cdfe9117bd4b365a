import { exportJWK, generateKeyPair, importJWK, type CryptoKey, type JWK } from 'jose';
import * as oidc from 'openid-client';
import type { Database } from '../../../platform/db/database.ts';
import { lockUntilTransactionEnds } from '../../../platform/db/transaction-lock.ts';
import { createClientRegistry } from './clients.ts';
import { createInternalClientStore } from './internal-client.store.ts';

const REGISTRATION_LOCK = 7_414_201;

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
export async function ensureInternalClient(db: Database, spec: InternalClientSpec): Promise<{ clientId: string; privateKey: CryptoKey }> {
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
      private_jwk: JSON.stringify(await exportJWK(privateKey)),
      created_at: new Date().toISOString(),
    };
    await store.insert(created);
    return created;
  });
  return { clientId: row.client_id, privateKey: (await importJWK(JSON.parse(row.private_jwk) as JWK, 'ES256')) as CryptoKey };
}

/** openid-client's view of the provider for an internal service, discovered on first use. */
export function createInternalRelyingParty(db: Database, spec: InternalClientSpec) {
  let configuration: Promise<oidc.Configuration> | undefined;
  return {
    spec,
    configuration(): Promise<oidc.Configuration> {
      configuration ??= ensureInternalClient(db, spec)
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
