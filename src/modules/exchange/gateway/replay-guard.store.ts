import { compileOnce } from '../../../platform/db/compile-once.ts';
import type { Executor } from '../../../platform/db/database.ts';

type Tables = {
  /** What calls have used once, under the second their signature was made (see replay-guard.ts). */
  exchange_replay_claim: { created: number; key: string };
  /** The previous release's claims: read during a rolling upgrade, never written. */
  exchange_replay_guard: { key: string; expires_at: string };
};

/**
 * Writes claims in the transaction it is given (a group commit's), its statement for one key built
 * once: keep one per database.
 */
export function createReplayClaimWriter() {
  const insertOne = compileOnce<{ created: number; key: string }>((executor, value) => executor.withTables<Tables>().insertInto('exchange_replay_claim').values({ created: value('created'), key: value('key') }));
  return {
    /** Throws a unique violation when any of the keys is there already for that second. */
    async insert(executor: Executor, keys: readonly string[], created: number): Promise<void> {
      const tables = executor.withTables<Tables>();
      if (keys.length === 1) await tables.executeQuery(insertOne(executor, { created, key: keys[0] as string }));
      else if (keys.length > 1) await tables.insertInto('exchange_replay_claim').values(keys.map((key) => ({ created, key }))).execute();
    },
  };
}

/** What calls have used once (see replay-guard.ts). */
export function createReplayGuardStore(db: Executor) {
  const tables = db.withTables<Tables>();
  return {
    /** The oldest second any claim is kept under, or undefined when none is. */
    async findOldestSecond(): Promise<number | undefined> {
      const row = await tables.selectFrom('exchange_replay_claim').select((eb) => eb.fn.min<number | string | null>('created').as('oldest')).executeTakeFirst();
      return row?.oldest === null || row?.oldest === undefined ? undefined : Number(row.oldest);
    },
    /** Deletes the claims of every second before `second`: a range of the key. Returns how many went. */
    async deleteBefore(second: number): Promise<number> {
      const [result] = await tables.deleteFrom('exchange_replay_claim').where('created', '<', second).execute();
      return Number(result?.numDeletedRows ?? 0);
    },
    /** When the latest of the previous release's claims expires (ISO), or undefined when it holds none. */
    async findLegacyLatestExpiry(): Promise<string | undefined> {
      const row = await tables.selectFrom('exchange_replay_guard').select((eb) => eb.fn.max<string | null>('expires_at').as('latest')).executeTakeFirst();
      return row?.latest ?? undefined;
    },
    /** Whether the previous release claimed any of the keys, not yet expired at `now`. */
    async hasLegacyClaim(keys: readonly string[], now: string): Promise<boolean> {
      const row = await tables.selectFrom('exchange_replay_guard').select('key').where('key', 'in', [...keys]).where('expires_at', '>', now).limit(1).executeTakeFirst();
      return row !== undefined;
    },
    async count(): Promise<number> {
      const row = await tables.selectFrom('exchange_replay_claim').select((eb) => eb.fn.countAll<number | string>().as('count')).executeTakeFirst();
      return Number(row?.count ?? 0);
    },
  };
}
