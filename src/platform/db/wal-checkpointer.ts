import { statSync } from 'node:fs';
import type { DatabaseSync } from 'node:sqlite';
import { Worker } from 'node:worker_threads';

const CHECKPOINT_INTERVAL_MS = 100;
const WATCH_INTERVAL_MS = 1000;
/** SQLite's own default: a commit that finds this many pages in the log copies them itself. */
const COMMIT_CHECKPOINT_PAGES = 1000;
/** While the thread runs, commits step in only if it falls far behind. */
const FALLBACK_CHECKPOINT_PAGES = 10_000;
/** A log that once held SQLite's 1,000 pages of 4 KB: the database is written to steadily. */
const BUSY_LOG_BYTES = 4_000_000;

export type WalCheckpointer = { readonly threadStarted: boolean; stop(): void };

/**
 * In WAL mode the commit that takes the log past 1,000 pages copies them into the database
 * file itself, on the event loop: under a steady stream of writes, over half of the time spent
 * committing. Once the log shows such a stream (its file, which SQLite reuses rather than
 * shrinks, has reached 4 MB), a thread with its own connection does the copying instead,
 * every 100 ms, and commits only step in at 10,000 pages (or if the thread fails). A thread
 * costs some 30 MB, so a process that writes little never starts one.
 */
export function startWalCheckpointer(
  database: DatabaseSync,
  filename: string,
  options: { startAfterLogBytes?: number } = {},
): WalCheckpointer {
  const startAfterLogBytes = options.startAfterLogBytes ?? BUSY_LOG_BYTES;
  let worker: Worker | undefined;
  let stopped = false;

  function startThread(): void {
    worker = new Worker(new URL('./wal-checkpointer.worker.ts', import.meta.url), {
      workerData: { filename, intervalMs: CHECKPOINT_INTERVAL_MS },
    });
    worker.unref();
    database.exec(`pragma wal_autocheckpoint = ${FALLBACK_CHECKPOINT_PAGES}`);
    worker.on('error', () => {
      worker = undefined;
      if (database.isOpen) database.exec(`pragma wal_autocheckpoint = ${COMMIT_CHECKPOINT_PAGES}`);
    });
  }

  const watch = setInterval(() => {
    const logBytes = statSync(`${filename}-wal`, { throwIfNoEntry: false })?.size ?? 0;
    if (logBytes < startAfterLogBytes || stopped) return;
    clearInterval(watch);
    startThread();
  }, WATCH_INTERVAL_MS);
  watch.unref();

  return {
    get threadStarted() {
      return worker !== undefined;
    },
    stop() {
      stopped = true;
      clearInterval(watch);
      worker?.postMessage('stop');
      worker = undefined;
    },
  };
}
