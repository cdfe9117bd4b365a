/**
 * Runs on a thread of its own (see wal-checkpointer.ts): copies committed pages from the
 * SQLite write-ahead log into the database file every `intervalMs`, on its own connection.
 */
import { DatabaseSync } from 'node:sqlite';
import { parentPort, workerData } from 'node:worker_threads';

const { filename, intervalMs } = workerData as { filename: string; intervalMs: number };
const database = new DatabaseSync(filename);
const timer = setInterval(() => {
  try {
    // PASSIVE never waits for readers or writers: it copies what it can now.
    database.exec('pragma wal_checkpoint(passive)');
  } catch {
    // Another connection is checkpointing (SQLITE_BUSY): the next round copies the rest.
  }
}, intervalMs);

parentPort?.once('message', () => {
  clearInterval(timer);
  database.close();
  parentPort?.close();
});
