import { calculateJwkThumbprint, exportJWK, generateKeyPair, type JWK } from 'jose';
import type { Database } from '../../../platform/db/database.ts';
import { lockUntilTransactionEnds } from '../../../platform/db/transaction-lock.ts';
import type { SecretBox, SecretBoxes } from '../../../platform/secrets/secret-box.ts';
import { createSigningKeyStore, type SigningKeyRow } from './signing-key.store.ts';

const SIGNING_KEYS_LOCK = 7_414_101;
export const ID_TOKEN_ALGORITHMS = ['ES256', 'RS256'] as const;
type Algorithm = (typeof ID_TOKEN_ALGORITHMS)[number];

/** The private keys are sealed at rest; rows from before that are sealed by `ensure`. */
const SIGNING_KEY_PURPOSE = 'identity-signing-key';

async function generateSigningKey(alg: Algorithm, now: string, box: SecretBox): Promise<SigningKeyRow> {
  const { privateKey } = await generateKeyPair(alg, { extractable: true, ...(alg === 'RS256' ? { modulusLength: 2048 } : {}) });
  const jwk = await exportJWK(privateKey);
  const kid = await calculateJwkThumbprint(jwk);
  return {
    kid,
    alg,
    private_jwk: box.seal(JSON.stringify({ ...jwk, kid, alg, use: 'sig' })),
    state: 'current',
    created_at: now,
    updated_at: now,
  };
}

export type SigningKeySet = {
  /** For oidc-provider: private keys, the signing (current) key of each algorithm first. */
  jwks: { keys: JWK[] };
  /** Changes whenever a key is added, promoted or removed. */
  version: string;
};

function toKeySet(rows: readonly SigningKeyRow[], box: SecretBox): SigningKeySet {
  const order = { current: 0, next: 1, retired: 2 } as const;
  const sorted = [...rows].sort((a, b) => order[a.state] - order[b.state] || a.created_at.localeCompare(b.created_at));
  return {
    jwks: {
      keys: sorted.map((row) => {
        const jwk = JSON.parse(box.openOrAcceptClear(row.private_jwk)) as JWK;
        // Keys that are not (or no longer) signing are published for verification only.
        return row.state === 'current' ? jwk : { ...jwk, key_ops: ['verify'] };
      }),
    },
    version: sorted.map((row) => `${row.kid}:${row.state}`).join(','),
  };
}

/**
 * The provider's signing keys. Each algorithm always has a current key (signing) and a next key
 * (published in the JWKS, not yet signing), so relying parties have the next key before it is
 * used. Rotation retires the current key (still published, so tokens it signed still verify),
 * promotes the next one, and creates a new next key.
 */
export function createSigningKeys(dependencies: { db: Database; secrets: SecretBoxes; clock?: () => Date }) {
  const { db } = dependencies;
  const box = dependencies.secrets.forPurpose(SIGNING_KEY_PURPOSE);
  const clock = dependencies.clock ?? (() => new Date());

  return {
    async load(): Promise<SigningKeySet> {
      return toKeySet(await createSigningKeyStore(db).list(), box);
    },

    /**
     * Creates any missing current or next key, and seals any key kept in clear (or under a
     * previous ENCRYPTION_KEY). Safe to call from several processes at once.
     */
    async ensure(): Promise<SigningKeySet> {
      return db.transaction().execute(async (transaction) => {
        await lockUntilTransactionEnds(transaction, SIGNING_KEYS_LOCK);
        const store = createSigningKeyStore(transaction);
        const now = clock().toISOString();
        const rows = await store.list();
        for (const row of rows.filter((candidate) => box.needsResealing(candidate.private_jwk))) {
          row.private_jwk = box.seal(box.openOrAcceptClear(row.private_jwk));
          await store.replacePrivateJwk(row.kid, row.private_jwk);
        }
        for (const alg of ID_TOKEN_ALGORITHMS) {
          for (const state of ['current', 'next'] as const) {
            if (!rows.some((row) => row.alg === alg && row.state === state)) {
              const key = { ...(await generateSigningKey(alg, now, box)), state };
              await store.insert(key);
              rows.push(key);
            }
          }
        }
        return toKeySet(rows, box);
      });
    },

    /** Retired keys are removed at the following rotation, long after their tokens expired. */
    async rotate(): Promise<{ retired: string[]; current: string[]; next: string[] }> {
      await this.ensure();
      return db.transaction().execute(async (transaction) => {
        await lockUntilTransactionEnds(transaction, SIGNING_KEYS_LOCK);
        const store = createSigningKeyStore(transaction);
        const now = clock().toISOString();
        const rows = await store.list();
        const inState = (state: SigningKeyRow['state']) => rows.filter((row) => row.state === state).map((row) => row.kid);
        await store.remove(inState('retired'));
        await store.setState(inState('current'), 'retired', now);
        await store.setState(inState('next'), 'current', now);
        const next: string[] = [];
        for (const alg of ID_TOKEN_ALGORITHMS) {
          const key = { ...(await generateSigningKey(alg, now, box)), state: 'next' as const };
          await store.insert(key);
          next.push(key.kid);
        }
        return { retired: inState('current'), current: inState('next'), next };
      });
    },
  };
}

export type SigningKeys = ReturnType<typeof createSigningKeys>;
