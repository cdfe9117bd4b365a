import type { Executor } from '../../../platform/db/database.ts';

export type AlertState = 'clear' | 'crossed';
export type AlertRow = { id: string; service_id: string; kind: string; threshold: number; state: AlertState; changed_at: string; created_by: string; created_at: string };
type Tables = { insight_alert: AlertRow };

export function createAlertStore(db: Executor) {
  const tables = db.withTables<Tables>();
  return {
    async insert(row: AlertRow): Promise<void> {
      await tables.insertInto('insight_alert').values(row).execute();
    },
    listOfService: (serviceId: string) => tables.selectFrom('insight_alert').selectAll().where('service_id', '=', serviceId).orderBy('created_at').orderBy('id').execute(),
    listAll: () => tables.selectFrom('insight_alert').selectAll().orderBy('service_id').orderBy('id').execute(),
    async remove(serviceId: string, id: string): Promise<boolean> {
      const result = await tables.deleteFrom('insight_alert').where('service_id', '=', serviceId).where('id', '=', id).executeTakeFirst();
      return Number(result.numDeletedRows) > 0;
    },
    /** Moves the alert from one state to the other; false when another process moved it first. */
    async changeState(id: string, from: AlertState, to: AlertState, at: string): Promise<boolean> {
      const result = await tables.updateTable('insight_alert').set({ state: to, changed_at: at }).where('id', '=', id).where('state', '=', from).executeTakeFirst();
      return Number(result.numUpdatedRows) > 0;
    },
  };
}
