import { exportJWK, generateKeyPair, importJWK, type CryptoKey, type JWK } from 'jose';
import type { Database } from '../../platform/db/database.ts';
import { lockUntilTransactionEnds } from '../../platform/db/transaction-lock.ts';
import { registerRelyingParty } from '../identity/identity.contract.ts';
import { createDemoRegistrationStore } from './demo-registration.store.ts';

const REGISTRATION_LOCK = 7_414_201;

export type DemoRegistration = { clientId: string; privateKey: CryptoKey };

/**
 * The demo service registers itself with One Login the first time it runs at an address,
 * exactly as a department would with `civitas identity client add`, and keeps its private key.
 */
export async function ensureDemoRegistration(db: Database, baseUrl: string): Promise<DemoRegistration> {
  const row = await db.transaction().execute(async (transaction) => {
    await lockUntilTransactionEnds(transaction, REGISTRATION_LOCK);
    const store = createDemoRegistrationStore(transaction);
    const existing = await store.find(baseUrl);
    if (existing) return existing;
    const { publicKey, privateKey } = await generateKeyPair('ES256', { extractable: true });
    const { clientId } = await registerRelyingParty(transaction, {
      name: 'Demo service',
      redirectUris: [`${baseUrl}/demo-service/callback`],
      postLogoutRedirectUris: [`${baseUrl}/demo-service/signed-out`],
      publicKey: JSON.stringify(await exportJWK(publicKey)),
      scopes: ['openid', 'email', 'phone'],
      requirePkce: true,
    });
    const created = { base_url: baseUrl, client_id: clientId, private_jwk: JSON.stringify(await exportJWK(privateKey)), created_at: new Date().toISOString() };
    await store.insert(created);
    return created;
  });
  return {
    clientId: row.client_id,
    privateKey: (await importJWK(JSON.parse(row.private_jwk) as JWK, 'ES256')) as CryptoKey,
  };
}
