import type { Executor } from '../../../platform/db/database.ts';

export type PayloadSettingRow = { subsystem_id: string; keep_days: number; set_by: string; set_at: string };

/** Which side of a call a kept copy is for: the calling subsystem's, or the provider's. */
export type PayloadSide = 'client' | 'provider';

/** One side's copy of a call's bodies; each body sealed (null when the call had none). */
export type PayloadRow = {
  id: string;
  log_sequence: number;
  x_road_id: string;
  subsystem_id: string;
  side: PayloadSide;
  request_body: string | null;
  response_body: string | null;
  kept_at: string;
  delete_after: string;
};

type Tables = { exchange_payload_setting: PayloadSettingRow; exchange_payload: PayloadRow };

/** Subsystems' settings for keeping payloads, and the payloads kept. */
export function createPayloadStore(db: Executor) {
  const tables = db.withTables<Tables>();
  return {
    findSetting: (subsystemId: string) => tables.selectFrom('exchange_payload_setting').selectAll().where('subsystem_id', '=', subsystemId).executeTakeFirst(),
    async putSetting(row: PayloadSettingRow): Promise<void> {
      await tables
        .insertInto('exchange_payload_setting')
        .values(row)
        .onConflict((conflict) => conflict.column('subsystem_id').doUpdateSet({ keep_days: row.keep_days, set_by: row.set_by, set_at: row.set_at }))
        .execute();
    },
    /** True when there was a setting to remove. */
    async removeSetting(subsystemId: string): Promise<boolean> {
      const result = await tables.deleteFrom('exchange_payload_setting').where('subsystem_id', '=', subsystemId).executeTakeFirst();
      return Number(result.numDeletedRows) > 0;
    },
    async insert(rows: readonly PayloadRow[]): Promise<void> {
      if (rows.length > 0) await tables.insertInto('exchange_payload').values([...rows]).execute();
    },
    /** The copies kept of one message-log record (one per side that asked). */
    listForRecord: (logSequence: number) => tables.selectFrom('exchange_payload').selectAll().where('log_sequence', '=', logSequence).orderBy('side').execute(),
    /** Deletes up to `limit` payloads whose retention ended by `now`; returns how many. */
    async removeExpired(now: string, limit: number): Promise<number> {
      const expired = tables.selectFrom('exchange_payload').select('id').where('delete_after', '<=', now).orderBy('delete_after').limit(limit);
      const result = await tables.deleteFrom('exchange_payload').where('id', 'in', expired).executeTakeFirst();
      return Number(result.numDeletedRows);
    },
  };
}
