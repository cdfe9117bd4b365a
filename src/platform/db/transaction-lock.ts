import { createHash } from 'node:crypto';
import { PostgresAdapter, sql } from 'kysely';
import type { Executor } from './database.ts';

/**
 * Serialises transactions that take the same lock, until each one ends. On PostgreSQL it is an
 * advisory lock; SQLite needs nothing, since its write transactions (BEGIN IMMEDIATE) already
 * run one at a time. `lockId` is any integer that names what is being protected.
 */
export async function lockUntilTransactionEnds(transaction: Executor, lockId: number): Promise<void> {
  if (!transaction.isTransaction) throw new Error('lockUntilTransactionEnds needs a transaction');
  if (transaction.getExecutor().adapter instanceof PostgresAdapter) {
    await sql`select pg_advisory_xact_lock(${lockId})`.execute(transaction);
  }
}

/**
 * A lock id for a named thing (an account's security methods, say), for lockUntilTransactionEnds:
 * the first 6 bytes of its SHA-256, so within a safe integer. Two names sharing an id only wait
 * for each other.
 */
export function lockIdOf(name: string): number {
  return createHash('sha256').update(name).digest().readUIntBE(0, 6);
}
