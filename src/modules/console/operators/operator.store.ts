import type { Executor } from '../../../platform/db/database.ts';
import type { OperatorRow } from '../organisations/organisation.store.ts';

type Tables = { console_operator: OperatorRow };

/** The console's operators (granted by email, bound to the person who first signs in with it). */
export function createOperatorStore(db: Executor) {
  const tables = db.withTables<Tables>();
  return {
    list: () => tables.selectFrom('console_operator').selectAll().orderBy('email').orderBy('id').execute(),
    find: (id: string) => tables.selectFrom('console_operator').selectAll().where('id', '=', id).executeTakeFirst(),
    async count(): Promise<number> {
      const row = await tables.selectFrom('console_operator').select((eb) => eb.fn.countAll<string | number>().as('operators')).executeTakeFirstOrThrow();
      return Number(row.operators);
    },
    async remove(id: string): Promise<boolean> {
      const result = await tables.deleteFrom('console_operator').where('id', '=', id).executeTakeFirst();
      return Number(result.numDeletedRows) === 1;
    },
  };
}
