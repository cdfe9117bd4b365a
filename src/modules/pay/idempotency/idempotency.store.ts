import type { Executor } from '../../../platform/db/database.ts';

export type IdempotencyKeyRow = {
  account_id: string;
  live: number;
  key: string;
  request_hash: string;
  payment_id: string;
  created_at: string;
};

type IdempotencyTables = { pay_idempotency_key: IdempotencyKeyRow };

export function createIdempotencyStore() {
  const tables = (executor: Executor) => executor.withTables<IdempotencyTables>();

  return {
    /**
     * Takes the key for a new payment; false when another request already holds it. On
     * PostgreSQL a request racing for the same key waits here until the other commits.
     */
    async claim(executor: Executor, row: IdempotencyKeyRow): Promise<boolean> {
      const result = await tables(executor)
        .insertInto('pay_idempotency_key')
        .values(row)
        .onConflict((conflict) => conflict.columns(['account_id', 'live', 'key']).doNothing())
        .executeTakeFirst();
      return Number(result.numInsertedOrUpdatedRows ?? 0) > 0;
    },

    async find(executor: Executor, key: { accountId: string; live: boolean; key: string }): Promise<IdempotencyKeyRow | undefined> {
      return tables(executor)
        .selectFrom('pay_idempotency_key')
        .selectAll()
        .where('account_id', '=', key.accountId)
        .where('live', '=', key.live ? 1 : 0)
        .where('key', '=', key.key)
        .executeTakeFirst();
    },

    /** Forgets one key if it was taken before `before` (it has run out). */
    async deleteExpired(executor: Executor, key: { accountId: string; live: boolean; key: string; before: string }): Promise<void> {
      await tables(executor)
        .deleteFrom('pay_idempotency_key')
        .where('account_id', '=', key.accountId)
        .where('live', '=', key.live ? 1 : 0)
        .where('key', '=', key.key)
        .where('created_at', '<', key.before)
        .execute();
    },

    async deleteAllBefore(executor: Executor, before: string): Promise<number> {
      const result = await tables(executor).deleteFrom('pay_idempotency_key').where('created_at', '<', before).executeTakeFirst();
      return Number(result.numDeletedRows);
    },
  };
}

export type IdempotencyStore = ReturnType<typeof createIdempotencyStore>;
