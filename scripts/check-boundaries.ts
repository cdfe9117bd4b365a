/**
 * The import rules of ../shared/ARCHITECTURE.md, checked on every `npm run check`:
 * - the kernel (src/platform) never imports a module, nor anything else outside itself (its
 *   tests may use the app, through src/testing);
 * - a module imports another module only through that module's `*.contract.ts`;
 * - Kysely is used only in stores, migrations and the kernel's database code;
 * - no barrel `index.ts` files.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';

const root = resolve(import.meta.dirname, '..');
const sourceRoot = join(root, 'src');

function listSourceFiles(directory: string): string[] {
  return readdirSync(directory, { withFileTypes: true }).flatMap((entry) => {
    const path = join(directory, entry.name);
    if (entry.isDirectory()) return listSourceFiles(path);
    return entry.name.endsWith('.ts') ? [path] : [];
  });
}

const IMPORT_PATTERN = /(?:^|\n)\s*(?:import|export)\s[^;]*?from\s+['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/g;

function importsOf(source: string): string[] {
  return [...source.matchAll(IMPORT_PATTERN)].map((match) => match[1] ?? match[2]).filter(Boolean) as string[];
}

function moduleOf(file: string): string | undefined {
  const parts = relative(sourceRoot, file).split(sep);
  return parts[0] === 'modules' ? parts[1] : undefined;
}

function isKysely(specifier: string): boolean {
  return specifier === 'kysely' || specifier.startsWith('kysely/');
}

function mayUseKysely(file: string): boolean {
  const path = relative(sourceRoot, file).split(sep).join('/');
  return (
    /\.store\.ts$/.test(path) ||
    /\/migrations\//.test(path) ||
    path.startsWith('platform/db/') ||
    path.startsWith('platform/testing/') ||
    /\.test\.ts$/.test(path) ||
    path === 'platform/http/health.routes.ts'
  );
}

export function findBoundaryViolations(files: readonly string[]): string[] {
  const violations: string[] = [];
  for (const file of files) {
    const shown = relative(root, file);
    if (file.endsWith(`${sep}index.ts`)) violations.push(`${shown}: no barrel index.ts files`);
    const source = readFileSync(file, 'utf8');
    for (const specifier of importsOf(source)) {
      if (isKysely(specifier) && !mayUseKysely(file)) {
        violations.push(`${shown}: imports kysely; queries belong in a *.store.ts`);
      }
      if (!specifier.startsWith('.')) continue;
      const target = resolve(dirname(file), specifier);
      const fromModule = moduleOf(file);
      const toModule = moduleOf(target);
      const fromKernel = relative(sourceRoot, file).startsWith(`platform${sep}`);
      if (fromKernel && toModule) {
        violations.push(`${shown}: the kernel imports module "${toModule}" (${specifier})`);
      } else if (fromKernel && !file.endsWith('.test.ts') && !target.startsWith(`${sourceRoot}${sep}platform${sep}`)) {
        violations.push(`${shown}: the kernel imports ${specifier}, outside src/platform`);
      }
      if (fromModule && toModule && fromModule !== toModule && !target.endsWith('.contract.ts')) {
        violations.push(
          `${shown}: imports ${specifier}; module "${fromModule}" may use "${toModule}" only through its *.contract.ts`,
        );
      }
    }
  }
  return violations;
}

if (import.meta.main) {
  const violations = findBoundaryViolations(listSourceFiles(sourceRoot));
  if (violations.length > 0) {
    process.stderr.write(`Import boundaries broken:\n${violations.map((line) => `  ${line}`).join('\n')}\n`);
    process.exit(1);
  }
  process.stdout.write('Import boundaries hold.\n');
}
