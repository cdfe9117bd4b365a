import type { Database, Executor } from './database.ts';

/**
 * Group commit: small writes that arrive together (concurrent API requests, or jobs running side
 * by side) share one transaction, so one commit (SQLite's WAL append, PostgreSQL's WAL flush)
 * serves many. Each caller's promise settles only after the shared transaction committed, so
 * "stored" still means stored. If any piece throws, the shared transaction rolls back and every
 * piece runs again in a transaction of its own, so one refusal (a daily limit reached, say) never
 * takes the others with it: work must compute its rows before and only write inside.
 */
export type GroupCommit = {
  run<T>(work: (transaction: Executor) => Promise<T>): Promise<T>;
};

type Pending = { work: (transaction: Executor) => Promise<unknown>; resolve(value: unknown): void; reject(error: unknown): void };

const MAX_BATCH = 200;

export function createGroupCommit(db: Database): GroupCommit {
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
    let results: unknown[];
    try {
      results = await db.transaction().execute(async (transaction) => {
        const values: unknown[] = [];
        for (const pending of batch) values.push(await pending.work(transaction));
        return values;
      });
    } catch {
      for (const pending of batch) await runAlone(pending);
      return;
    }
    batch.forEach((pending, index) => pending.resolve(results[index]));
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
        if (!flushing) {
          flushing = true;
          // One turn of the event loop, so writes that arrive together commit together.
          setImmediate(() => void flush());
        }
      });
    },
  };
}
