/**
 * The mechanical part of docs/upgrades.md: a migration may only expand the schema, so that the
 * release before it keeps working on the migrated database. Changes that break the release before
 * (contract changes) are refused unless the migration carries a contract marker
 *
 *   // @contract after 0.3.0: from 0.3.0 on nothing reads pay_payment.legacy_reference
 *
 * naming the release that stopped using what it removes (the expand), which must be older than
 * the version being built (package.json), and saying why. Every process must run that release or
 * a later one before this migration is rolled out. This reads the source text; it cannot see what a
 * migration's own code computes, and a reviewer still reads every migration.
 */

export type PolicyProblem = { rule: string; excerpt: string };

export type PolicyVerdict = {
  problems: PolicyProblem[];
  /** Set when the migration has a valid contract marker: its problems are allowed. */
  contractAfter?: string;
  /** Why the marker present is not valid. */
  markerProblem?: string;
};

type Rule = { rule: string; pattern: RegExp };

/** Kysely's schema builder, and the same changes written as SQL. */
const RULES: readonly Rule[] = [
  { rule: 'drops a column', pattern: /\.dropColumn\s*\(|\bdrop\s+column\b/gi },
  { rule: 'renames a column', pattern: /\.renameColumn\s*\(|\brename\s+column\b/gi },
  { rule: 'drops a table', pattern: /\.dropTable\s*\(|\bdrop\s+table\b/gi },
  { rule: 'renames a table', pattern: /\.renameTo\s*\(|\brename\s+to\b/gi },
  { rule: 'makes a column NOT NULL', pattern: /\.setNotNull\s*\(|\bset\s+not\s+null\b/gi },
  { rule: "changes a column's type", pattern: /\.setDataType\s*\(|\balter\s+column\s+\S+\s+(?:set\s+data\s+)?type\b/gi },
];

const MARKER = /@contract\b([^\n]*)/;
const MARKER_FORM = /^\s+after\s+(\d+\.\d+\.\d+)\s*:\s*(\S.*)$/;

/** The code without its comments; string contents (SQL) are kept. */
function stripComments(source: string): string {
  return source.replace(/\/\*[\s\S]*?\*\//g, ' ').replace(/(^|[^:'"`\\])\/\/[^\n]*/g, '$1');
}

function compareVersions(a: string, b: string): number {
  const [x, y] = [a, b].map((version) => version.split('.').map(Number)) as [number[], number[]];
  for (let index = 0; index < 3; index += 1) {
    const difference = (x[index] ?? 0) - (y[index] ?? 0);
    if (difference !== 0) return difference;
  }
  return 0;
}

function excerptAt(code: string, index: number): string {
  const start = code.lastIndexOf('\n', index) + 1;
  const end = code.indexOf('\n', index);
  return code.slice(start, end === -1 ? undefined : end).trim().slice(0, 160);
}

/**
 * A column added to a table that already exists, NOT NULL and without a default: the release
 * before inserts rows without it, and they fail. (A new table's columns may be anything: the
 * release before never writes to it.)
 */
function findRequiredColumnsAdded(code: string): PolicyProblem[] {
  const problems: PolicyProblem[] = [];
  for (const statement of code.split(/\.execute\s*\(\s*\)/)) {
    if (/\.alterTable\s*\(/.test(statement)) {
      for (const column of statement.split(/\.addColumn\s*\(/).slice(1)) {
        if (/\.notNull\s*\(/.test(column) && !/\.defaultTo\s*\(/.test(column)) {
          problems.push({ rule: 'adds a NOT NULL column without a default to a table', excerpt: `addColumn(${column.trim().split('\n')[0]}` });
        }
      }
    }
    for (const match of statement.matchAll(/\badd\s+column\b[^;`]*/gi)) {
      if (/\bnot\s+null\b/i.test(match[0]) && !/\bdefault\b/i.test(match[0])) {
        problems.push({ rule: 'adds a NOT NULL column without a default to a table', excerpt: match[0].trim().slice(0, 160) });
      }
    }
  }
  return problems;
}

/** What in `source` (one migration file) would break the release before it, and whether a marker allows it. */
export function checkMigration(source: string, currentVersion: string): PolicyVerdict {
  const code = stripComments(source);
  const problems: PolicyProblem[] = [];
  for (const { rule, pattern } of RULES) {
    for (const match of code.matchAll(pattern)) problems.push({ rule, excerpt: excerptAt(code, match.index ?? 0) });
  }
  problems.push(...findRequiredColumnsAdded(code));

  const marker = MARKER.exec(source);
  if (!marker) return { problems };
  const form = MARKER_FORM.exec(marker[1] ?? '');
  if (!form) {
    return { problems, markerProblem: 'write the marker as "@contract after X.Y.Z: reason" (X.Y.Z: the release that stopped using what this removes)' };
  }
  const [, release = '', reason = ''] = form;
  if (compareVersions(release, currentVersion) >= 0) {
    return {
      problems,
      markerProblem: `"@contract after ${release}" lands in ${currentVersion}: a contract lands in a release after the one that stopped using what it removes, so ${release} must be older than the version being built (package.json)`,
    };
  }
  if (reason.trim().length < 10) return { problems, markerProblem: 'the marker must say why the releases from it on no longer need what is removed' };
  return { problems, contractAfter: release };
}
