import { createWriteStream, openSync, readFileSync } from 'node:fs';
import { once } from 'node:events';
import type { JWK } from 'jose';
import type { Database } from '../../../platform/db/database.ts';
import type { ExchangeKeys } from '../gateway/exchange-keys.ts';
import { createMessageLogStore, type MessageLogBatchRow, type MessageLogRow } from './message-log.store.ts';
import { findChainProblem, type ChainProblem } from './message-log.ts';

/**
 * A period of the message log as one file an auditor checks offline with nothing but the
 * public keys in it (or published elsewhere): JSON Lines, a header first, then each record in
 * order, then the signed batches that cover them (`"kind":"batch"`). A batch may reach past the
 * period: its signature covers the hashes of all its records, so it is checked whole.
 * `npx civitas exchange log verify FILE` and scripts/verify-exchange-log.mjs check it.
 */

export const EXPORT_FORMAT = 'civitas-exchange-log/2';
/** Files from before batches: each record signed on its own, no batch lines. */
const PER_RECORD_FORMAT = 'civitas-exchange-log/1';
const PAGE = 1000;

export type ExportHeader = { format: typeof EXPORT_FORMAT | typeof PER_RECORD_FORMAT; instance: string; from: string; to: string; exported_at: string; public_keys: { keys: JWK[] } };

export async function exportMessageLog(options: { db: Database; keys: ExchangeKeys; instance: string; from: string; to: string; file: string; now: Date }): Promise<{ records: number }> {
  const store = createMessageLogStore(options.db);
  const header: ExportHeader = { format: EXPORT_FORMAT, instance: options.instance, from: options.from, to: options.to, exported_at: options.now.toISOString(), public_keys: await options.keys.publish('message-log') };
  // Opened here, so a file that exists already is refused before anything is written.
  const out = createWriteStream('', { fd: openSync(options.file, 'wx', 0o600) });
  const write = async (line: string) => {
    if (!out.write(`${line}\n`)) await once(out, 'drain');
  };
  let records = 0;
  try {
    await write(JSON.stringify(header));
    let afterSequence = 0;
    let first: number | undefined;
    for (;;) {
      const page = await store.listPage({ from: options.from, to: options.to, afterSequence, limit: PAGE });
      for (const record of page) await write(JSON.stringify(record));
      records += page.length;
      first ??= page[0]?.sequence;
      afterSequence = page.at(-1)?.sequence ?? afterSequence;
      if (page.length < PAGE) break;
    }
    for (let afterBatch = 0; first !== undefined; ) {
      const page = await store.listBatchesCovering({ first, last: afterSequence, afterSequence: afterBatch, limit: PAGE });
      for (const batch of page) await write(JSON.stringify({ kind: 'batch', ...batch }));
      if (page.length < PAGE) break;
      afterBatch = page.at(-1)?.last_sequence ?? afterBatch;
    }
  } finally {
    out.end();
    await once(out, 'close');
  }
  return { records };
}

export type ExportVerification = { records: number; problem?: ChainProblem | { sequence: number; problem: 'unreadable' } };

/**
 * Checks an exported file: each record's hash, its link to the one before, its signature, and
 * that none is missing between them. `publicKeys`: the log keys as the auditor got them from
 * Civitas; without them, the keys in the file's own header (which a forger could replace).
 */
export function verifyExportedLog(file: string, publicKeys?: { keys: JWK[] }): ExportVerification {
  const lines = readFileSync(file, 'utf8').split('\n').filter((line) => line.trim() !== '');
  const header = JSON.parse(lines[0] ?? '{}') as Partial<ExportHeader>;
  if ((header.format !== EXPORT_FORMAT && header.format !== PER_RECORD_FORMAT) || !Array.isArray(header.public_keys?.keys)) return { records: 0, problem: { sequence: 0, problem: 'unreadable' } };
  const records: MessageLogRow[] = [];
  const batches: MessageLogBatchRow[] = [];
  for (const line of lines.slice(1)) {
    try {
      const parsed = JSON.parse(line) as (MessageLogRow & { kind?: undefined }) | (MessageLogBatchRow & { kind: 'batch' });
      if (parsed.kind === 'batch') batches.push(parsed);
      else records.push(parsed);
    } catch {
      return { records: records.length, problem: { sequence: (records.at(-1)?.sequence ?? 0) + 1, problem: 'unreadable' } };
    }
  }
  const first = records[0];
  if (!first) return { records: 0 };
  const problem = findChainProblem(records, batches, (publicKeys ?? header.public_keys).keys, first.previous_hash);
  return { records: records.length, ...(problem ? { problem } : {}) };
}
