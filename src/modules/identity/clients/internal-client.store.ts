import type { Executor } from '../../../platform/db/database.ts';
import { notSealedUnderCurrentKey } from '../../../platform/secrets/resealing.store.ts';
import type { SecretBox } from '../../../platform/secrets/secret-box.ts';

/** `private_jwk` is sealed (see internal-clients.ts); rows from before sealing hold it in clear. */
export type InternalClientRow = { name: string; base_url: string; client_id: string; private_jwk: string; created_at: string };

type Tables = { identity_internal_client: InternalClientRow };

export function createInternalClientStore(db: Executor) {
  const tables = db.withTables<Tables>();
  return {
    async find(name: string, baseUrl: string): Promise<InternalClientRow | undefined> {
      return tables
        .selectFrom('identity_internal_client')
        .selectAll()
        .where('name', '=', name)
        .where('base_url', '=', baseUrl)
        .executeTakeFirst();
    },
    async insert(row: InternalClientRow): Promise<void> {
      await tables.insertInto('identity_internal_client').values(row).execute();
    },
    async listNotSealedUnderCurrentKey(box: SecretBox): Promise<Pick<InternalClientRow, 'name' | 'base_url' | 'private_jwk'>[]> {
      return tables
        .selectFrom('identity_internal_client')
        .select(['name', 'base_url', 'private_jwk'])
        .where(notSealedUnderCurrentKey('private_jwk', box))
        .execute();
    },
    /** Replaces the private key only if it is still the value read: false if another process did first. */
    async replacePrivateJwk(change: { name: string; baseUrl: string; stored: string; replacement: string }): Promise<boolean> {
      const result = await tables
        .updateTable('identity_internal_client')
        .set({ private_jwk: change.replacement })
        .where('name', '=', change.name)
        .where('base_url', '=', change.baseUrl)
        .where('private_jwk', '=', change.stored)
        .executeTakeFirst();
      return Number(result.numUpdatedRows) > 0;
    },
  };
}
