import type { Executor } from '../../../platform/db/database.ts';

export type ThrottleRow = { key: string; failures: number; window_started_at: string; locked_until: string | null };

type Tables = { identity_throttle: ThrottleRow };

export function createThrottleStore(db: Executor) {
  const tables = db.withTables<Tables>();
  return {
    async find(key: string): Promise<ThrottleRow | undefined> {
      return tables.selectFrom('identity_throttle').selectAll().where('key', '=', key).executeTakeFirst();
    },
    /**
     * Makes sure the key's counter exists and, inside a transaction, holds it until the transaction
     * ends, then reads it. PostgreSQL locks the row an upsert touches, so two failures counted at
     * once for one key are counted one after the other instead of both reading the same count;
     * SQLite's write transactions run one at a time already.
     */
    async claim(key: string, now: string): Promise<ThrottleRow> {
      await tables
        .insertInto('identity_throttle')
        .values({ key, failures: 0, window_started_at: now, locked_until: null })
        .onConflict((conflict) => conflict.column('key').doUpdateSet((update) => ({ failures: update.ref('identity_throttle.failures') })))
        .execute();
      return tables.selectFrom('identity_throttle').selectAll().where('key', '=', key).executeTakeFirstOrThrow();
    },
    async findEach(keys: readonly string[]): Promise<ThrottleRow[]> {
      return tables.selectFrom('identity_throttle').selectAll().where('key', 'in', keys).execute();
    },
    async save(row: ThrottleRow): Promise<void> {
      await tables
        .insertInto('identity_throttle')
        .values(row)
        .onConflict((conflict) =>
          conflict.column('key').doUpdateSet({
            failures: row.failures,
            window_started_at: row.window_started_at,
            locked_until: row.locked_until,
          }),
        )
        .execute();
    },
    async clear(key: string): Promise<void> {
      await tables.deleteFrom('identity_throttle').where('key', '=', key).execute();
    },
    /** Removes the counters that no longer count: not locked now, and their window long over. */
    async removeStale(input: { windowStartedBefore: string; now: string }): Promise<number> {
      const result = await tables
        .deleteFrom('identity_throttle')
        .where('window_started_at', '<', input.windowStartedBefore)
        .where((where) => where.or([where('locked_until', 'is', null), where('locked_until', '<=', input.now)]))
        .executeTakeFirst();
      return Number(result.numDeletedRows);
    },
  };
}
