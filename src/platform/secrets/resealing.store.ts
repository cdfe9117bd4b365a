import { sql, type Expression, type SqlBool } from 'kysely';
import type { SecretBox } from './secret-box.ts';

/**
 * For a query: the rows whose `column` holds a value not sealed under the current key (in clear,
 * or sealed under a previous one), so a start-up step that reseals finds nothing to read when
 * nothing needs it. Null values are left out.
 */
export function notSealedUnderCurrentKey(column: string, box: Pick<SecretBox, 'currentPrefix'>): Expression<SqlBool> {
  return sql<SqlBool>`substr(${sql.ref(column)}, 1, ${sql.lit(box.currentPrefix.length)}) <> ${box.currentPrefix}`;
}
