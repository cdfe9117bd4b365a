import assert from 'node:assert/strict';
import { test } from 'node:test';
import { openDatabase } from '../../../platform/db/database.ts';
import { migrateToLatest } from '../../../platform/db/migrations.ts';
import { createTestDatabase } from '../../../platform/testing/test-database.ts';
import { formsMigrations } from './forms.migrations.ts';

test('0010: submissions made before it are new and searchable by the texts of their stored answers, in lower case', async (t) => {
  const database = await createTestDatabase();
  const { db, close } = openDatabase(database.url);
  t.after(async () => {
    await close();
    await database.drop();
  });
  const before = formsMigrations.migrations.findIndex((migration) => migration.id === '0010-add-submission-status-and-search');
  await migrateToLatest(db, [{ owner: 'forms', migrations: formsMigrations.migrations.slice(0, before) }]);
  const answers = { name: { values: [{ firstName: 'Ffion', lastName: 'JONES' }], complete: true }, rods: { values: [2], complete: true }, boats: { values: ['Morwennol', 'Gwylan'], complete: true } };
  const tables = db.withTables<{ forms_submission: Record<string, unknown> }>();
  for (const [id, stored] of [['a', answers], ['b', {}]] as const) {
    await tables
      .insertInto('forms_submission')
      .values({ id, reference: `REF-${id}`, form_id: 'f', version_id: 'v', session_hash: id, answers: JSON.stringify(stored), created_at: '2026-01-01T00:00:00.000Z', delivered_at: null, expires_at: '2026-02-01T00:00:00.000Z' })
      .execute();
  }
  await migrateToLatest(db, [formsMigrations]);
  const rows = await tables.selectFrom('forms_submission').select(['id', 'search_text', 'done_at', 'done_by']).orderBy('id').execute();
  assert.deepEqual(rows.map((row) => ({ ...row })), [
    { id: 'a', search_text: 'ffion\njones\n2\nmorwennol\ngwylan', done_at: null, done_by: null },
    { id: 'b', search_text: '', done_at: null, done_by: null },
  ]);
});
