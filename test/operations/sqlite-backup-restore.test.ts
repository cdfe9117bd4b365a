import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { backupSqliteDatabase, restoreSqliteDatabase } from '../../src/platform/ops/sqlite-backup.ts';
import { assertCivitasWorks, seedCivitas, startCivitasOn } from './restore-check.ts';

// On SQLite whatever DATABASE_URL the suite runs with: this is SQLite's backup and restore.

test('a SQLite backup taken while Civitas serves restores to a Civitas where sign-in, API keys and sealed secrets work', async (t) => {
  const folder = mkdtempSync(join(tmpdir(), 'civitas-restore-'));
  t.after(() => rmSync(folder, { recursive: true, force: true }));
  const databaseFile = join(folder, 'civitas.sqlite');
  const running = await startCivitasOn(t, `sqlite:${databaseFile}`);
  const seeded = await seedCivitas(running.kernel);

  // Taken while the first Civitas is still up, with requests going on.
  const traffic = assertCivitasWorks(running.baseUrl, seeded);
  const backup = await backupSqliteDatabase({ databaseFile, file: join(folder, 'backup.sqlite') });
  await traffic;

  // Restored where no Civitas was, as on a new machine.
  const newDatabaseFile = join(folder, 'new-machine', 'civitas.sqlite');
  const restored = await restoreSqliteDatabase({ databaseFile: newDatabaseFile, file: backup.file });
  assert.equal(restored.previous, undefined);
  const recovered = await startCivitasOn(t, `sqlite:${newDatabaseFile}`);
  assert.deepEqual(await recovered.kernel.pendingMigrations(), []);
  await assertCivitasWorks(recovered.baseUrl, seeded);
  assert.equal((await recovered.kernel.audit.verify()).intact, true, 'the audit trail verifies');
  await recovered.stop();

  // And back over the first one, once it is stopped.
  await running.stop();
  const overwritten = await restoreSqliteDatabase({ databaseFile, file: backup.file });
  assert.ok(overwritten.previous);
  const again = await startCivitasOn(t, `sqlite:${databaseFile}`);
  await assertCivitasWorks(again.baseUrl, seeded, { signIn: false });
});

test('a backup restored without its ENCRYPTION_KEY opens none of its sealed secrets: Civitas refuses to start on it', async (t) => {
  const folder = mkdtempSync(join(tmpdir(), 'civitas-restore-'));
  t.after(() => rmSync(folder, { recursive: true, force: true }));
  const databaseFile = join(folder, 'civitas.sqlite');
  const running = await startCivitasOn(t, `sqlite:${databaseFile}`);
  await seedCivitas(running.kernel);
  const backup = await backupSqliteDatabase({ databaseFile, file: join(folder, 'backup.sqlite') });
  const stolenCopy = join(folder, 'elsewhere', 'civitas.sqlite');
  await restoreSqliteDatabase({ databaseFile: stolenCopy, file: backup.file });
  await assert.rejects(
    startCivitasOn(t, `sqlite:${stolenCopy}`, { ENCRYPTION_KEY: 'a-different-encryption-key-than-the-backups-0002' }),
    /sealed under a key that is neither ENCRYPTION_KEY nor in ENCRYPTION_KEY_PREVIOUS/,
  );
});
