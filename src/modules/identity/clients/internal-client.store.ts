import type { Executor } from '../../../platform/db/database.ts';

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
  };
}
