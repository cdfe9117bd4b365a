import { sql } from 'kysely';
import type { Executor } from '../db/database.ts';

type WindowRow = { bucket: string; window_start: string; count: number };
type Tables = { rate_limit_window: WindowRow };

export function createRateLimitStore(db: Executor) {
  const tables = db.withTables<Tables>();
  return {
    /** Counts one event in the bucket in one statement, only while it is under `limit`; whether it was counted. */
    async take(take: { bucket: string; windowStart: string; limit: number }): Promise<boolean> {
      const row = await tables
        .insertInto('rate_limit_window')
        .values({ bucket: take.bucket, window_start: take.windowStart, count: 1 })
        .onConflict((conflict) =>
          conflict
            .column('bucket')
            .doUpdateSet((update) => ({ count: update('rate_limit_window.count', '+', 1) }))
            .where('rate_limit_window.count', '<', take.limit),
        )
        .returning('count')
        .executeTakeFirst();
      return row !== undefined;
    },
    /** How many events the bucket has counted (0 when it has none). */
    async count(bucket: string): Promise<number> {
      const row = await tables.selectFrom('rate_limit_window').select('count').where('bucket', '=', bucket).executeTakeFirst();
      return row ? Number(row.count) : 0;
    },
    /** Deletes one limit's windows that began before `windowStart` (limits of other lengths share the table). */
    async deleteBefore(windowStart: string, bucketPrefix: string): Promise<void> {
      const pattern = `${bucketPrefix.replace(/[\\%_]/g, (character) => `\\${character}`)}%`;
      await tables
        .deleteFrom('rate_limit_window')
        .where('window_start', '<', windowStart)
        .where(sql<boolean>`bucket like ${pattern} escape '\\'`)
        .execute();
    },
  };
}
