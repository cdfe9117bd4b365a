import { createPrivateKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { calculateJwkThumbprint, exportJWK, type JWK } from 'jose';
import type { Database } from '../../../platform/db/database.ts';
import { lockIdOf, lockUntilTransactionEnds } from '../../../platform/db/transaction-lock.ts';
import type { SecretBoxes } from '../../../platform/secrets/secret-box.ts';
import { createExchangeKeyStore } from './exchange-key.store.ts';

/** Civitas's own Ed25519 keys: one signs what it forwards to providers, one the message log. */
export type ExchangeKeyPurpose = 'request-signing' | 'message-log';
export type ExchangeKey = { keyId: string; privateKey: KeyObject; publicJwk: JWK };

const SEAL_PURPOSE = 'exchange-key';

/** Where providers find the keys Civitas signs forwarded calls with. */
export const EXCHANGE_JWKS_PATH = '/.well-known/exchange-jwks.json';
/** Where auditors find the keys that sign the message log, to check an export against. */
export const EXCHANGE_LOG_JWKS_PATH = '/.well-known/exchange-log-jwks.json';

/** Made on first use, kept sealed in the database, so every process signs with the same key. */
export function createExchangeKeys(dependencies: { db: Database; secrets: SecretBoxes; clock?: () => Date }) {
  const { db } = dependencies;
  const box = dependencies.secrets.forPurpose(SEAL_PURPOSE);
  const clock = dependencies.clock ?? (() => new Date());
  const loaded = new Map<ExchangeKeyPurpose, Promise<ExchangeKey>>();

  async function loadOrCreate(purpose: ExchangeKeyPurpose): Promise<ExchangeKey> {
    const row = await db.transaction().execute(async (transaction) => {
      await lockUntilTransactionEnds(transaction, lockIdOf(`exchange-key:${purpose}`));
      const store = createExchangeKeyStore(transaction);
      const current = await store.findCurrent(purpose);
      if (current) return current;
      const { privateKey, publicKey } = generateKeyPairSync('ed25519');
      const publicJwk = await exportJWK(publicKey);
      const keyId = await calculateJwkThumbprint(publicJwk);
      const created = {
        key_id: keyId,
        purpose,
        private_key: box.seal(privateKey.export({ type: 'pkcs8', format: 'pem' }).toString()),
        public_jwk: JSON.stringify({ ...publicJwk, kid: keyId, alg: 'EdDSA', use: 'sig' }),
        created_at: clock().toISOString(),
        retired_at: null,
      };
      await store.insert(created);
      return created;
    });
    return { keyId: row.key_id, privateKey: createPrivateKey(box.open(row.private_key)), publicJwk: JSON.parse(row.public_jwk) as JWK };
  }

  return {
    current(purpose: ExchangeKeyPurpose): Promise<ExchangeKey> {
      let key = loaded.get(purpose);
      if (!key) {
        key = loadOrCreate(purpose);
        key.catch(() => loaded.delete(purpose));
        loaded.set(purpose, key);
      }
      return key;
    },
    /** Every key of a purpose, current and retired, as a JWK Set; made first if there is none yet. */
    async publish(purpose: ExchangeKeyPurpose): Promise<{ keys: JWK[] }> {
      await this.current(purpose);
      return this.existing(purpose);
    },
    /** The keys of a purpose there are, making none: what a check of older signatures trusts. */
    async existing(purpose: ExchangeKeyPurpose): Promise<{ keys: JWK[] }> {
      const rows = await createExchangeKeyStore(db).listPublished(purpose);
      return { keys: rows.map((row) => JSON.parse(row.public_jwk) as JWK) };
    },
  };
}

export type ExchangeKeys = ReturnType<typeof createExchangeKeys>;
