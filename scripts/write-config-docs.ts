// Rewrites the configuration table in README.md from the schema: `npm run docs:config`.
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { renderConfigTable, replaceConfigSection } from '../src/platform/config/config-docs.ts';

const readmePath = fileURLToPath(new URL('../README.md', import.meta.url));
const readme = readFileSync(readmePath, 'utf8');
const updated = replaceConfigSection(readme, renderConfigTable());

if (updated === readme) {
  process.stdout.write('README.md: the configuration table is up to date.\n');
} else {
  writeFileSync(readmePath, updated);
  process.stdout.write('README.md: the configuration table was rewritten from the schema.\n');
}
