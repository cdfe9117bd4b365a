import { sql, type RawBuilder } from 'kysely';
import type { Executor } from '../../../platform/db/database.ts';

type Tables = { identity_one_time_code: { recipient: string }; identity_throttle: { key: string } };

/**
 * `column` is one of `names`, or holds one as a whole part between `separator`s (such as
 * `journey account` or `password:account:address`). LIKE's wildcards in a name match only themselves.
 */
function namesAWholePart(column: string, names: readonly string[], separator: string): RawBuilder<boolean> {
  const patterns = names.flatMap((name) => {
    const literal = name.replace(/[\\%_]/g, (character) => `\\${character}`);
    return [`${literal}${separator}%`, `%${separator}${literal}`, `%${separator}${literal}${separator}%`];
  });
  const likes = patterns.map((pattern) => sql`${sql.ref(column)} like ${pattern} escape '\\'`);
  return sql<boolean>`(${sql.ref(column)} in (${sql.join([...names])}) or ${sql.join(likes, sql` or `)})`;
}

/** What an account leaves in One Login's shared tables: codes sent and counters kept under its names. */
export function createAccountTraceStore(db: Executor) {
  const tables = db.withTables<Tables>();
  return {
    /** Removes the codes and counters kept under any of `names` (an account's id, email address, phone numbers). */
    async removeNaming(names: readonly string[]): Promise<{ codes: number; counters: number }> {
      if (names.length === 0) return { codes: 0, counters: 0 };
      const codes = await tables.deleteFrom('identity_one_time_code').where(namesAWholePart('recipient', names, ' ')).executeTakeFirst();
      const counters = await tables.deleteFrom('identity_throttle').where(namesAWholePart('key', names, ':')).executeTakeFirst();
      return { codes: Number(codes.numDeletedRows), counters: Number(counters.numDeletedRows) };
    },
  };
}
