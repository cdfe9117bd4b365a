import type { Executor } from '../../../platform/db/database.ts';

export type RateLimitRow = { bucket: string; window_start: string; count: number };

type RateLimitTables = { pay_rate_limit: RateLimitRow };

export function createRateLimitStore() {
  const tables = (executor: Executor) => executor.withTables<RateLimitTables>();

  return {
    /**
     * Takes `tokens` requests' worth of the bucket's allowance in one atomic statement, only if
     * they all fit under `limit`; returns whether they were taken. Two processes can never take
     * more than the limit between them.
     */
    async take(executor: Executor, take: { bucket: string; windowStart: string; tokens: number; limit: number }): Promise<boolean> {
      if (take.tokens > take.limit) return false;
      const row = await tables(executor)
        .insertInto('pay_rate_limit')
        .values({ bucket: take.bucket, window_start: take.windowStart, count: take.tokens })
        .onConflict((conflict) =>
          conflict
            .column('bucket')
            .doUpdateSet((update) => ({ count: update('pay_rate_limit.count', '+', take.tokens) }))
            .where((where) => where(where('pay_rate_limit.count', '+', take.tokens), '<=', take.limit)),
        )
        .returning('count')
        .executeTakeFirst();
      return row !== undefined;
    },

    async deleteBefore(executor: Executor, before: string): Promise<number> {
      const result = await tables(executor).deleteFrom('pay_rate_limit').where('window_start', '<', before).executeTakeFirst();
      return Number(result.numDeletedRows);
    },
  };
}

export type RateLimitStore = ReturnType<typeof createRateLimitStore>;
