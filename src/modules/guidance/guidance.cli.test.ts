import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { createTestDatabase } from '../../platform/testing/test-database.ts';
import { runCivitas } from '../../testing/civitas-cli.ts';

/** `civitas ...` as an operator runs it, in this process (src/cli.test.ts runs the bin itself). */
const civitas = (databaseUrl: string, ...args: string[]) => runCivitas({ DATABASE_URL: databaseUrl }, ...args);

test('an operator imports guidance with `civitas guidance import DIR`, in words or as JSON, and seeds the examples', async (t) => {
  const database = await createTestDatabase();
  t.after(() => database.drop());
  const directory = mkdtempSync(join(tmpdir(), 'civitas-guidance-cli-'));
  t.after(() => rmSync(directory, { recursive: true, force: true }));
  writeFileSync(join(directory, 'fines.md'), '---\ntitle: Fines\nslug: fines\ntype: answer\n---\nPay within 14 days.');
  writeFileSync(join(directory, 'broken.json'), '{');
  assert.equal((await civitas(database.url, 'migrate')).exitCode, 0);

  const help = await civitas(database.url, 'guidance', '--help');
  assert.match(help.stdout, /guidance import DIR \[--draft\][\s\S]*guidance seed/);

  const words = await civitas(database.url, 'guidance', 'import', directory);
  assert.equal(words.exitCode, 1, words.stderr);
  assert.equal(words.stdout, 'refused    broken.json: The file is not valid JSON\ncreated    fines.md: fines (en) version 1, published\n1 accepted, 1 refused\n');

  const json = await civitas(database.url, 'guidance', 'import', directory, '--json');
  assert.deepEqual(JSON.parse(json.stdout).files[1], { file: 'fines.md', outcome: 'unchanged', slug: 'fines', lang: 'en', version: 1, published: true });

  const seeded = await civitas(database.url, 'guidance', 'seed', '--json');
  assert.equal(seeded.exitCode, 0, seeded.stderr);
  assert.ok(JSON.parse(seeded.stdout).accepted >= 45);

  const missing = await civitas(database.url, 'guidance', 'import', join(directory, 'nothing'));
  assert.deepEqual([missing.exitCode, missing.stderr.trim()], [1, `civitas guidance import: ${join(directory, 'nothing')} is not a folder`]);
});
