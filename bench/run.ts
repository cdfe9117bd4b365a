/**
 * `npm run bench`: every benchmark in bench/, one after another (never in parallel: they share
 * two cores). Each prints its figures beside a baseline measured in the same run.
 */
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';

const only = process.argv[2];
const benchmarks = readdirSync(import.meta.dirname)
  .filter((name) => name.endsWith('.bench.ts'))
  .filter((name) => !only || name.includes(only))
  .sort();

let failed = false;
for (const name of benchmarks) {
  const result = spawnSync(process.execPath, [join(import.meta.dirname, name)], { stdio: 'inherit' });
  if (result.status !== 0) failed = true;
}
process.exitCode = failed ? 1 : 0;
