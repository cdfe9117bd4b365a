import type { Executor } from './database.ts';

/**
 * Runs `work` in the caller's transaction when `executor` is one, else in a transaction of its
 * own. A module's change can so join a change another module makes through its contract: both
 * are kept, or neither (a console service's Notify service and the record that it owns it).
 */
export function runInTransaction<T>(executor: Executor, work: (transaction: Executor) => Promise<T>): Promise<T> {
  return executor.isTransaction ? work(executor) : executor.transaction().execute(work);
}
