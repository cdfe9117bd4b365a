import { compileOnce } from '../../../platform/db/compile-once.ts';
import type { Executor } from '../../../platform/db/database.ts';

type Tables = { exchange_registry_version: { id: string; version: number } };

const ROW = 'registry';

/**
 * One number that grows with every change a call's checks depend on (keys, members, subsystems,
 * services, access rights, agreements), so a process may keep them cached while it stays the same.
 */
export function createRegistryVersionStore(db: Executor) {
  const tables = db.withTables<Tables>();
  // Read on every call through the gateway.
  const readQuery = compileOnce<{ id: string }>((_db, value) => tables.selectFrom('exchange_registry_version').select('version').where('id', '=', value('id')));
  return {
    async read(): Promise<number> {
      const { rows } = await tables.executeQuery<{ version: number | string }>(readQuery(db, { id: ROW }));
      return Number(rows[0]?.version ?? 0);
    },
    /** In the transaction that makes the change. */
    async bump(): Promise<void> {
      await tables
        .updateTable('exchange_registry_version')
        .set((eb) => ({ version: eb('version', '+', 1) }))
        .where('id', '=', ROW)
        .execute();
    },
  };
}
