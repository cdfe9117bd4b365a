import type { Executor } from '../../../../platform/db/database.ts';

type RateRow = { bucket: string; window_start: string; count: number };
type RateTables = { guidance_assistant_rate: RateRow };

export function createAssistantRateStore() {
  const tables = (executor: Executor) => executor.withTables<RateTables>();
  return {
    /** Counts one question in the bucket in one statement, only while it is under `limit`; whether it was counted. */
    async take(executor: Executor, take: { bucket: string; windowStart: string; limit: number }): Promise<boolean> {
      const row = await tables(executor)
        .insertInto('guidance_assistant_rate')
        .values({ bucket: take.bucket, window_start: take.windowStart, count: 1 })
        .onConflict((conflict) =>
          conflict
            .column('bucket')
            .doUpdateSet((update) => ({ count: update('guidance_assistant_rate.count', '+', 1) }))
            .where('guidance_assistant_rate.count', '<', take.limit),
        )
        .returning('count')
        .executeTakeFirst();
      return row !== undefined;
    },
    async deleteBefore(executor: Executor, windowStart: string): Promise<void> {
      await tables(executor).deleteFrom('guidance_assistant_rate').where('window_start', '<', windowStart).execute();
    },
  };
}

export type AssistantRateStore = ReturnType<typeof createAssistantRateStore>;
