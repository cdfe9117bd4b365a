import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { test } from 'node:test';
import { checkMigration } from './migration-policy.ts';

const root = join(import.meta.dirname, '..', '..');
const { version } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string };

/**
 * The migrations that had landed when the policy began (docs/upgrades.md). They ran before
 * rolling upgrades were promised and are frozen; every migration after them is checked.
 */
const BASELINE = new Set([
  'src/modules/demo-service/migrations/0001-create-demo-sessions.ts',
  'src/modules/identity/migrations/0001-create-accounts.ts',
  'src/modules/identity/migrations/0002-create-provider-storage.ts',
  'src/modules/identity/migrations/0003-create-sign-in-state.ts',
  'src/modules/identity/migrations/0004-create-internal-clients.ts',
  'src/modules/identity/migrations/0005-hash-oidc-identifiers.ts',
  'src/modules/identity/migrations/0006-keep-passkey-challenges-and-purge-schedule.ts',
  'src/modules/identity/migrations/0007-unpin-client-key-algorithms.ts',
  'src/modules/identity/migrations/0008-name-provider-session-of-web-sessions.ts',
  'src/modules/notify/migrations/0001-create-notify-tables.ts',
  'src/modules/notify/migrations/0002-create-platform-service.ts',
  'src/modules/notify/migrations/0003-index-unfinished-notifications.ts',
  'src/modules/notify/migrations/0004-limit-file-email-confirmations.ts',
  'src/modules/pay/migrations/0001-create-pay-tables.ts',
  'src/modules/pay/migrations/0002-allow-moto.ts',
  'src/modules/pay/migrations/0003-create-pay-disputes.ts',
  'src/modules/pay/migrations/0004-mark-disputed-payments.ts',
  'src/platform/audit/migrations/0001-create-audit-event.ts',
  'src/platform/audit/migrations/0002-add-audit-event-key-id.ts',
  'src/platform/jobs/migrations/0001-create-job.ts',
  'src/platform/mail/migrations/0001-create-development-message.ts',
]);

/** Every numbered migration file under src/. */
function findMigrationFiles(): string[] {
  const found: string[] = [];
  const walk = (directory: string) => {
    for (const entry of readdirSync(directory, { withFileTypes: true })) {
      const path = join(directory, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (/\/migrations\/\d{4}-[^/]+\.ts$/.test(path) && !path.endsWith('.test.ts')) found.push(relative(root, path));
    }
  };
  walk(join(root, 'src'));
  return found.sort();
}

test('every migration after the baseline only expands the schema, or is a contract marked with the release it must follow', () => {
  const files = findMigrationFiles();
  for (const path of BASELINE) assert.ok(files.includes(path), `baseline migration ${path} is still there (landed migrations are frozen)`);
  const refusals: string[] = [];
  for (const path of files.filter((file) => !BASELINE.has(file))) {
    const verdict = checkMigration(readFileSync(join(root, path), 'utf8'), version);
    if (verdict.markerProblem) refusals.push(`${path}: ${verdict.markerProblem}`);
    else if (!verdict.contractAfter) {
      for (const problem of verdict.problems) {
        refusals.push(`${path} ${problem.rule} (${problem.excerpt}): the release before still uses it during a rolling upgrade; see docs/upgrades.md`);
      }
    }
  }
  assert.deepEqual(refusals, []);
});

const header = "import type { Kysely } from 'kysely';\n\nexport async function up(db: Kysely<unknown>): Promise<void> {\n";

function migration(body: string, comment = ''): string {
  return `${comment}${header}${body}\n}\n`;
}

test('expand changes pass: new tables, nullable columns, NOT NULL columns with defaults, indexes, prose that names a drop', () => {
  const sources = [
    migration("  await db.schema.createTable('x').addColumn('id', 'text', (c) => c.primaryKey()).addColumn('name', 'text', (c) => c.notNull()).execute();"),
    migration("  await db.schema.alterTable('x').addColumn('note', 'text').execute();"),
    migration("  await db.schema.alterTable('x').addColumn('n', 'integer', (c) => c.notNull().defaultTo(0)).execute();"),
    migration("  await db.schema.createIndex('x_name').on('x').column('name').execute();"),
    migration("  await db.schema.alterTable('x').addColumn('note', 'text').execute();", '// The next release will drop column old_note and rename column name: see the contract.\n'),
    migration("  await sql`alter table x add column flag integer not null default 0`.execute(db);"),
  ];
  for (const source of sources) assert.deepEqual(checkMigration(source, '0.2.0'), { problems: [] }, source);
});

test('contract changes are refused without a marker, in Kysely and in SQL', () => {
  const cases: Array<[string, string]> = [
    ["  await db.schema.alterTable('x').dropColumn('old').execute();", 'drops a column'],
    ["  await db.schema.alterTable('x').renameColumn('a', 'b').execute();", 'renames a column'],
    ["  await db.schema.dropTable('x').execute();", 'drops a table'],
    ["  await db.schema.alterTable('x').renameTo('y').execute();", 'renames a table'],
    ["  await db.schema.alterTable('x').alterColumn('a', (c) => c.setNotNull()).execute();", 'makes a column NOT NULL'],
    ["  await db.schema.alterTable('x').alterColumn('a', (c) => c.setDataType('integer')).execute();", "changes a column's type"],
    ["  await db.schema.alterTable('x').addColumn('a', 'text', (c) => c.notNull()).execute();", 'adds a NOT NULL column without a default to a table'],
    [
      "  await db.schema\n    .alterTable('x')\n    .addColumn('a', 'integer', (c) => c.notNull().defaultTo(0))\n    .addColumn('b', 'text', (c) => c.notNull())\n    .execute();",
      'adds a NOT NULL column without a default to a table',
    ],
    ['  await sql`ALTER TABLE x DROP COLUMN old`.execute(db);', 'drops a column'],
    ['  await sql`alter table x rename column a to b`.execute(db);', 'renames a column'],
    ['  await sql`drop table if exists x`.execute(db);', 'drops a table'],
    ['  await sql`alter table x alter column a set not null`.execute(db);', 'makes a column NOT NULL'],
    ['  await sql`alter table x alter column a type bigint`.execute(db);', "changes a column's type"],
    ['  await sql`alter table x add column a text not null`.execute(db);', 'adds a NOT NULL column without a default to a table'],
  ];
  for (const [body, rule] of cases) {
    const verdict = checkMigration(migration(body), '0.2.0');
    assert.deepEqual(
      verdict.problems.map((problem) => problem.rule),
      [rule],
      body,
    );
    assert.equal(verdict.contractAfter, undefined);
  }
});

test('a contract marker allows them only when it names an older release and says why', () => {
  const drop = "  await db.schema.alterTable('x').dropColumn('old').execute();";
  const allowed = checkMigration(migration(drop, '// @contract after 0.1.0: from 0.1.0 on nothing reads x.old\n'), '0.2.0');
  assert.equal(allowed.contractAfter, '0.1.0');
  assert.equal(allowed.markerProblem, undefined);

  const sameRelease = checkMigration(migration(drop, '// @contract after 0.2.0: from 0.2.0 on nothing reads x.old\n'), '0.2.0');
  assert.match(sameRelease.markerProblem ?? '', /must be older than the version being built/);
  const laterRelease = checkMigration(migration(drop, '// @contract after 1.0.0: from 1.0.0 on nothing reads x.old\n'), '0.10.0');
  assert.match(laterRelease.markerProblem ?? '', /must be older/);
  const versionsAsNumbers = checkMigration(migration(drop, '// @contract after 0.9.0: from 0.9.0 on nothing reads x.old\n'), '0.10.0');
  assert.equal(versionsAsNumbers.contractAfter, '0.9.0', '0.9.0 is older than 0.10.0');
  const noReason = checkMigration(migration(drop, '// @contract after 0.1.0:\n'), '0.2.0');
  assert.match(noReason.markerProblem ?? '', /write the marker as/);
  const shortReason = checkMigration(migration(drop, '// @contract after 0.1.0: ok\n'), '0.2.0');
  assert.match(shortReason.markerProblem ?? '', /must say why/);
  const noRelease = checkMigration(migration(drop, '// @contract: drops x.old\n'), '0.2.0');
  assert.match(noRelease.markerProblem ?? '', /write the marker as/);
});
