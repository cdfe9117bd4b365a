import type { Executor } from '../../../platform/db/database.ts';
import { compileOnce } from '../../../platform/db/compile-once.ts';

export type ClientRow = { client_id: string; name: string; metadata: string; created_at: string };

type Tables = { identity_client: ClientRow };

export function createClientStore(db: Executor) {
  const tables = db.withTables<Tables>();
  // Read for every token exchange and authorization request.
  const findQuery = compileOnce<{ clientId: string }>((_db, value) =>
    tables.selectFrom('identity_client').selectAll().where('client_id', '=', value('clientId')),
  );
  return {
    async insert(row: ClientRow): Promise<void> {
      await tables.insertInto('identity_client').values(row).execute();
    },
    async find(clientId: string): Promise<ClientRow | undefined> {
      return (await tables.executeQuery<ClientRow>(findQuery(db, { clientId }))).rows[0];
    },
    async list(): Promise<ClientRow[]> {
      return tables.selectFrom('identity_client').selectAll().orderBy('created_at').execute();
    },
    async replaceMetadata(clientId: string, metadata: string): Promise<void> {
      await tables.updateTable('identity_client').set({ metadata }).where('client_id', '=', clientId).execute();
    },
    async remove(clientId: string): Promise<boolean> {
      const result = await tables.deleteFrom('identity_client').where('client_id', '=', clientId).executeTakeFirst();
      return Number(result.numDeletedRows) > 0;
    },
  };
}

export type ClientStore = ReturnType<typeof createClientStore>;
