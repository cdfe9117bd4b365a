import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import type { CatalogueRecords } from './catalogue-records.ts';
import { importRecords } from './import-records.ts';
import { MAX_FILE_BYTES } from './read-record-documents.ts';

/** Records that accept everything they are given, to see what reaches them. */
function recordingCatalogue() {
  const seen: unknown[] = [];
  const records = {
    async saveRecord(input: { document: unknown }) {
      seen.push(input.document);
      return { outcome: 'created', identifier: String((input.document as { identifier: unknown }).identifier), version: 1 };
    },
  } as unknown as CatalogueRecords;
  return { records, seen };
}

test('attacker: a file past the size limit is refused unread; other files of the folder are still imported; files of other kinds are left alone', async (t) => {
  const directory = mkdtempSync(join(tmpdir(), 'civitas-marketplace-import-'));
  t.after(() => rmSync(directory, { recursive: true, force: true }));
  writeFileSync(join(directory, 'huge.yaml'), `identifier: huge\ndescription: ${'x'.repeat(MAX_FILE_BYTES)}\n`);
  writeFileSync(join(directory, 'small.yml'), 'identifier: small\n---\nidentifier: second\n');
  writeFileSync(join(directory, 'notes.txt'), 'identifier: ignored\n');
  const { records, seen } = recordingCatalogue();
  const report = await importRecords({ path: directory, records, actor: 'test' });
  assert.deepEqual(report.accepted, ['small', 'second']);
  assert.deepEqual(report.refused, [{ file: 'huge.yaml', identifier: null, problems: [{ slot: '', message: 'is larger than 5 MB' }] }]);
  assert.equal(seen.length, 2);
});
