import { CompiledQuery, type Compilable } from 'kysely';
import type { Executor } from '../../../platform/db/database.ts';

/**
 * Kysely builds and compiles every query each time it runs, which costs more than SQLite takes
 * to run a small insert. The hottest statements (those of `POST /v1/payments`) are compiled once
 * and run again with new parameters. A statement is reused only when compiling it anew would
 * give the same SQL with the parameters in the same order, which `remember` checks on first use.
 */
export function createCompiledQueryCache() {
  const cache = new Map<string, string>();

  return {
    /**
     * Runs `build()`'s query, or the remembered SQL for `key` with `parameters`. On first use,
     * compiles it and remembers its SQL if its parameters are exactly `parameters`.
     */
    async run<Row>(
      executor: Executor,
      query: { key: string; parameters: readonly unknown[]; build: () => Compilable<Row> },
    ): Promise<Row[]> {
      const sql = cache.get(query.key);
      if (sql !== undefined) {
        const result = await executor.executeQuery<Row>(CompiledQuery.raw(sql, [...query.parameters]));
        return result.rows;
      }
      const compiled = query.build().compile();
      const same =
        compiled.parameters.length === query.parameters.length &&
        compiled.parameters.every((parameter, index) => parameter === query.parameters[index]);
      if (same) cache.set(query.key, compiled.sql);
      const result = await executor.executeQuery<Row>(compiled);
      return result.rows;
    },
  };
}

export type CompiledQueryCache = ReturnType<typeof createCompiledQueryCache>;
