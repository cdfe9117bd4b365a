import type { SelectQueryBuilder } from 'kysely';

// Any table with `created_at` and `id` columns: the filter is the caller's, typed where it is built.
type FilteredRows = SelectQueryBuilder<any, any, object>;

/**
 * One page of a search, newest first (ties by id), with the total matching: the count, then the
 * page (skipped when there is nothing), each on the same filter.
 */
export async function selectNewestPage<Row>(
  filtered: () => FilteredRows,
  page: { offset: number; limit: number },
): Promise<{ total: number; rows: Row[] }> {
  const { total } = await filtered()
    .select((select) => select.fn.countAll<number>().as('total'))
    .executeTakeFirstOrThrow();
  if (Number(total) === 0) return { total: 0, rows: [] };
  const rows = await filtered()
    .selectAll()
    .orderBy('created_at', 'desc')
    .orderBy('id', 'desc')
    .offset(page.offset)
    .limit(page.limit)
    .execute();
  return { total: Number(total), rows: rows as Row[] };
}
