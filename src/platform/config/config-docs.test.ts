import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import {
  CONFIG_SECTION_END,
  CONFIG_SECTION_START,
  readConfigSection,
  renderConfigTable,
  replaceConfigSection,
} from './config-docs.ts';
import { configSchema } from './config.schema.ts';

const README = fileURLToPath(new URL('../../../README.md', import.meta.url));

test("the README's configuration table is the one the schema generates", () => {
  const readme = readFileSync(README, 'utf8');
  assert.equal(
    readConfigSection(readme),
    renderConfigTable(),
    'The configuration table in README.md is out of date: run `npm run docs:config`.',
  );
});

test('the table has one row per setting, in the order of the schema', () => {
  const rows = renderConfigTable().split('\n').filter((line) => line.startsWith('| `'));
  assert.deepEqual(
    rows.map((row) => /^\| `([A-Z_]+)` \|/.exec(row)?.[1]),
    Object.keys(configSchema),
  );
  const row = (name: string) => rows.find((line) => line.startsWith(`| \`${name}\` |`));
  assert.equal(
    row('PORT'),
    `| \`PORT\` | \`3000\` | a port number from 1 to 65535 | ${configSchema.PORT.description} |`,
  );
  assert.match(row('BASE_URL') ?? '', /^\| `BASE_URL` \| `http:\/\/localhost:\$PORT` \(not in production\) \|/);
  assert.match(row('SMTP_URL') ?? '', /^\| `SMTP_URL` \| unset \(not in production\) \|.*A secret: never printed/);
  assert.match(row('COOKIE_SECRET') ?? '', /^\| `COOKIE_SECRET` \| a development-only value \(not in production\) \|/);
  assert.ok(!renderConfigTable().includes(String(configSchema.COOKIE_SECRET.default)), 'the value is not printed');
  assert.match(row('DATABASE_URL') ?? '', /^\| `DATABASE_URL` \| `sqlite:\.\/data\/civitas\.sqlite` \|/);
});

test('a setting added to the schema changes the table, so the README test fails until it is regenerated', () => {
  const table = renderConfigTable({
    ...configSchema,
    NEW_SETTING: {
      description: 'Something new, with a | in it\nover two lines, and <b>, not `<b>`.',
      accepts: 'yes | no',
      default: 'no',
      parse: (raw: string) => raw,
    },
  });
  assert.notEqual(table, renderConfigTable());
  assert.ok(
    table.endsWith(
      '| `NEW_SETTING` | `no` | yes \\| no | Something new, with a \\| in it over two lines, and &lt;b&gt;, not `<b>`. |',
    ),
    'pipes and tags are escaped and a line break folded, so the row stays one row of four cells',
  );
});

test('replacing the section changes nothing outside the markers, and again changes nothing', () => {
  const readme = `# Title\n\nBefore.\n\n${CONFIG_SECTION_START}\nold table\n${CONFIG_SECTION_END}\n\nAfter.\n`;
  const once = replaceConfigSection(readme, 'new table');
  assert.equal(once, `# Title\n\nBefore.\n\n${CONFIG_SECTION_START}\nnew table\n${CONFIG_SECTION_END}\n\nAfter.\n`);
  assert.equal(replaceConfigSection(once, 'new table'), once);
  assert.equal(readConfigSection(once), 'new table');

  const empty = `${CONFIG_SECTION_START}\n${CONFIG_SECTION_END}`;
  assert.equal(replaceConfigSection(empty, 'table'), `${CONFIG_SECTION_START}\ntable\n${CONFIG_SECTION_END}`);

  assert.throws(() => replaceConfigSection('# No markers\n', 'table'), /config:start/);
  assert.throws(() => readConfigSection(`${CONFIG_SECTION_END}\n${CONFIG_SECTION_START}`), /config:start/);
});
