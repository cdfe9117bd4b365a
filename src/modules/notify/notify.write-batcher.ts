import type { Database, Executor } from '../../platform/db/database.ts';

/**
 * Group commit: small writes that arrive together (from concurrent API requests, or from jobs
 * running side by side) share one transaction. A caller's promise resolves only after the shared
 * transaction has committed, so "stored" still means stored. If any piece of work throws, the
 * whole shared transaction is rolled back and each piece is run again in a transaction of its
 * own, so one refusal (a daily limit reached, say) never takes the others' writes with it. Work
 * must therefore be safe to run twice after a rollback: compute rows before, write them inside.
 * On SQLite a commit is most of a small write's cost; on PostgreSQL each commit waits for its WAL
 * flush: sharing commits is what lets one process accept thousands a second.
 */
export type WriteBatcher = {
  run<T>(work: (transaction: Executor) => Promise<T>): Promise<T>;
};

type Pending = { work: (transaction: Executor) => Promise<unknown>; resolve(value: unknown): void; reject(error: unknown): void };

const MAX_BATCH = 256;

export function createWriteBatcher(options: { db: Database }): WriteBatcher {
  const { db } = options;
  let queue: Pending[] = [];
  let flushing = false;

  async function runAlone(pending: Pending): Promise<void> {
    try {
      pending.resolve(await db.transaction().execute((transaction) => pending.work(transaction)));
    } catch (error) {
      pending.reject(error);
    }
  }

  async function runBatch(batch: Pending[]): Promise<void> {
    if (batch.length === 1) return runAlone(batch[0] as Pending);
    let values: unknown[];
    try {
      values = await db.transaction().execute(async (transaction) => {
        const results: unknown[] = [];
        for (const pending of batch) results.push(await pending.work(transaction));
        return results;
      });
    } catch {
      // Someone's work refused (or the database did): nothing of the batch was kept. Each runs alone.
      for (const pending of batch) await runAlone(pending);
      return;
    }
    batch.forEach((pending, index) => pending.resolve(values[index]));
  }

  async function flush(): Promise<void> {
    try {
      while (queue.length > 0) {
        const batch = queue.slice(0, MAX_BATCH);
        queue = queue.slice(batch.length);
        await runBatch(batch);
      }
    } finally {
      flushing = false;
    }
  }

  return {
    run<T>(work: (transaction: Executor) => Promise<T>): Promise<T> {
      return new Promise<T>((resolve, reject) => {
        queue.push({ work, resolve: resolve as (value: unknown) => void, reject });
        // Wait one turn of the event loop so that writes arriving together are committed together.
        if (!flushing) {
          flushing = true;
          setImmediate(() => {
            void flush();
          });
        }
      });
    },
  };
}
