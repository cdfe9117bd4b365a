import type { CompiledQuery } from 'kysely';
import type { Executor } from './database.ts';

const MARKER_PREFIX = '\u0000compile-once:';

/**
 * A query built and compiled once, then run again and again with new values: for the few
 * statements on a hot path, where Kysely building and compiling the query costs more than
 * SQLite takes to run it. `build` receives the executor and a `value(name)` to put where each
 * value goes; it must use nothing but those values (a literal would be frozen into the SQL).
 * The first call compiles with a marker in each place, and the markers' order in the compiled
 * parameters says where each later value goes. Compiled for the first executor's dialect: keep
 * one per store, and one store per database.
 */
export function compileOnce<Values extends Record<string, unknown>>(
  build: (executor: Executor, value: <Name extends keyof Values & string>(name: Name) => Values[Name]) => { compile(): CompiledQuery },
): (executor: Executor, values: Values) => CompiledQuery {
  let compiled: { sql: CompiledQuery; names: Array<keyof Values & string> } | undefined;
  return (executor, values) => {
    if (compiled === undefined) {
      const marked = build(executor, (name) => `${MARKER_PREFIX}${name}` as Values[typeof name]).compile();
      const names = marked.parameters.map((parameter) => {
        if (typeof parameter !== 'string' || !parameter.startsWith(MARKER_PREFIX)) {
          throw new Error('A query compiled once takes only the values it is given, never a literal');
        }
        return parameter.slice(MARKER_PREFIX.length) as keyof Values & string;
      });
      compiled = { sql: marked, names };
    }
    const { sql, names } = compiled;
    return { ...sql, parameters: names.map((name) => values[name]) };
  };
}
