import type { Database } from '../../../platform/db/database.ts';
import type { SecretBox } from './secret-box.ts';
import type { createServiceStore } from './service.store.ts';

/**
 * Seals again, under the current ENCRYPTION_KEY, every API key secret and callback token stored
 * in the legacy `v1.` format or under a previous key; how many it sealed. Run at start-up, so
 * none waits for a read that may never come. Several processes may run it at once: each replaces
 * only the value it read.
 */
export async function resealNotifySecrets(dependencies: {
  db: Database;
  store: ReturnType<typeof createServiceStore>;
  secrets: SecretBox;
}): Promise<number> {
  const { db, store, secrets } = dependencies;
  let resealed = 0;
  for (const found of await store.listSecretsToReseal(db, secrets.currentPrefix)) {
    const replacement = secrets.seal(secrets.openForResealing(found.stored));
    if (await store.replaceSecret(db, { ...found, replacement })) resealed += 1;
  }
  return resealed;
}
