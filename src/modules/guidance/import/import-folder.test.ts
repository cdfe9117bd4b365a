import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import type { CliContext } from '../../../platform/cli/cli-command.ts';
import { createTestKernel } from '../../../testing/test-kernel.ts';
import { guidanceCommands } from '../guidance.cli.ts';
import { openGuidanceLibrary } from '../guidance.contract.ts';
import { guidanceModule } from '../guidance.module.ts';
import { MAX_FILE_BYTES } from './import-folder.ts';

function makeFolder(t: TestContext, files: Record<string, string>): string {
  const directory = mkdtempSync(join(tmpdir(), 'civitas-guidance-'));
  t.after(() => rmSync(directory, { recursive: true, force: true }));
  for (const [name, text] of Object.entries(files)) writeFileSync(join(directory, name), text);
  return directory;
}

/** Runs a `civitas guidance ...` command on the test kernel, as the CLI would, and keeps what it prints. */
async function runCommand(kernel: Awaited<ReturnType<typeof createTestKernel>>, name: string, positionals: string[], values: CliContext['values'] = {}) {
  const command = guidanceCommands.find((candidate) => candidate.name === name)!;
  const printed: unknown[] = [];
  const exitCode = await command.run({
    values,
    positionals,
    json: true,
    config: () => kernel.config,
    kernel: () => kernel,
    print: (data) => printed.push(data),
    write: () => {},
    warn: () => {},
  });
  return { exitCode, output: printed[0] as { files: Array<Record<string, unknown>>; accepted: number; refused: number } };
}

const page = (fields: string, body: string) => `---\n${fields}\n---\n${body}`;

test('guidance import: markdown in English and Welsh and Content API documents, each file reported; again, nothing changes', async (t) => {
  const kernel = await createTestKernel(t, { modules: [guidanceModule] });
  const directory = makeFolder(t, {
    'a-answer.md': page('title: Council Tax bands\nslug: council-tax-bands\ntype: answer', 'Every home is in a band.'),
    'a-answer.cy.md': page('title: Bandiau Treth Gyngor\nslug: council-tax-bands\ntype: answer\nlang: cy', 'Mae pob cartref mewn band.'),
    'b-guide.json': JSON.stringify({ title: 'Pay a fine', base_path: '/pay-a-fine', details: { parts: [{ title: 'Overview', slug: 'overview', body: '<p>Pay it.</p>' }] } }),
    'c-broken.md': 'no front matter',
    'd-notes.txt': 'not guidance',
    'e-same-slug.md': page('title: Again\nslug: council-tax-bands\ntype: answer', 'Twice in one folder.'),
    '.hidden.md': 'ignored',
  });
  mkdirSync(join(directory, 'sub-folder'));

  const first = await runCommand(kernel, 'guidance import', [directory]);
  assert.equal(first.exitCode, 1);
  assert.deepEqual(first.output.files, [
    { file: 'a-answer.cy.md', outcome: 'created', slug: 'council-tax-bands', lang: 'cy', version: 1, published: true },
    { file: 'a-answer.md', outcome: 'created', slug: 'council-tax-bands', lang: 'en', version: 1, published: true },
    { file: 'b-guide.json', outcome: 'created', slug: 'pay-a-fine', lang: 'en', version: 1, published: true },
    { file: 'c-broken.md', outcome: 'refused', reason: 'The file does not start with front matter between two lines of ---' },
    { file: 'd-notes.txt', outcome: 'refused', reason: 'Only .md, .markdown and .json files are imported' },
    { file: 'e-same-slug.md', outcome: 'refused', reason: 'a-answer.md has the same slug and language' },
  ]);
  assert.deepEqual([first.output.accepted, first.output.refused], [3, 3]);
  const library = openGuidanceLibrary(kernel);
  assert.equal((await library.findPublished('council-tax-bands', 'cy'))?.title, 'Bandiau Treth Gyngor');
  assert.equal((await library.findPublished('pay-a-fine', 'en'))?.content.type, 'guide');

  const again = await runCommand(kernel, 'guidance import', [directory]);
  assert.deepEqual(again.output.files.slice(0, 3).map((file) => [file.outcome, file.version]), [['unchanged', 1], ['unchanged', 1], ['unchanged', 1]]);
  assert.equal((await library.listHistory('council-tax-bands', 'en')).length, 1);
});

test('guidance import --draft saves a new version without publishing it', async (t) => {
  const kernel = await createTestKernel(t, { modules: [guidanceModule] });
  const before = makeFolder(t, { 'a.md': page('title: Fines\nslug: fines\ntype: answer', 'Version one.') });
  await runCommand(kernel, 'guidance import', [before]);
  const after = makeFolder(t, { 'a.md': page('title: Fines\nslug: fines\ntype: answer', 'Version two.') });
  const drafted = await runCommand(kernel, 'guidance import', [after], { draft: true });
  assert.equal(drafted.exitCode, 0);
  assert.deepEqual(drafted.output.files, [{ file: 'a.md', outcome: 'updated', slug: 'fines', lang: 'en', version: 2, published: false }]);
  assert.deepEqual((await openGuidanceLibrary(kernel).findPublished('fines', 'en'))?.content, { type: 'answer', body: 'Version one.' });
});

test('attacker: a type changed under a slug, a file past the size limit and a missing folder are refused in words', async (t) => {
  const kernel = await createTestKernel(t, { modules: [guidanceModule] });
  await runCommand(kernel, 'guidance import', [makeFolder(t, { 'a.md': page('title: Fines\nslug: fines\ntype: answer', 'Text.') })]);
  const directory = makeFolder(t, {
    'b.md': page('title: Fines\nslug: fines\ntype: guide', '# Part\nText'),
    'c.md': page('title: Big\nslug: big\ntype: answer', 'x'.repeat(MAX_FILE_BYTES)),
    'd.md': page('title: Long\nslug: long\ntype: answer', 'x'.repeat(200_001)),
  });
  const result = await runCommand(kernel, 'guidance import', [directory]);
  assert.deepEqual(result.output.files.map((file) => file.reason), [
    'The page "fines" is of type answer; it cannot become of type guide',
    `The file is larger than ${MAX_FILE_BYTES} bytes`,
    "The page's text is longer than 200000 characters",
  ]);
  await assert.rejects(runCommand(kernel, 'guidance import', [join(directory, 'missing')]), /is not a folder/);
  await assert.rejects(runCommand(kernel, 'guidance import', []), /Give one folder/);
});
