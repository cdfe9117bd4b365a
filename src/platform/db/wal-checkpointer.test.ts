import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { DatabaseSync } from 'node:sqlite';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { test, type TestContext } from 'node:test';
import { startWalCheckpointer } from './wal-checkpointer.ts';

function openWalDatabase(t: TestContext): { database: DatabaseSync; filename: string } {
  const directory = mkdtempSync(join(tmpdir(), 'civitas-wal-'));
  const filename = join(directory, 'test.sqlite');
  const database = new DatabaseSync(filename);
  database.exec('pragma journal_mode = wal');
  database.exec('create table blob (id integer primary key, content text not null)');
  t.after(() => {
    database.close();
    rmSync(directory, { recursive: true, force: true });
  });
  return { database, filename };
}

test('once the log shows a steady stream of writes, committed pages reach the database file from a thread of its own', async (t) => {
  const { database, filename } = openWalDatabase(t);
  const checkpointer = startWalCheckpointer(database, filename, { startAfterLogBytes: 1 });
  t.after(() => checkpointer.stop());
  const insert = database.prepare('insert into blob (content) values (?)');
  insert.run('the first write, which the watch sees in the log');
  for (let round = 0; !checkpointer.threadStarted && round < 100; round += 1) await sleep(50);
  assert.ok(checkpointer.threadStarted);

  // 1.6 MB in 200 commits, about 800 pages of 4 KB in the log: short of the 1,000 pages at
  // which a commit would copy them itself, so only the thread can put them in the file.
  for (let row = 0; row < 200; row += 1) insert.run('x'.repeat(8000));
  let fileBytes = statSync(filename).size;
  for (let round = 0; fileBytes < 1_500_000 && round < 200; round += 1) {
    await sleep(50);
    fileBytes = statSync(filename).size;
  }
  assert.ok(fileBytes >= 1_500_000, `the rows reached the database file (${fileBytes} bytes)`);
});

test('a database written to a little never starts the thread (it would cost some 30 MB)', async (t) => {
  const { database, filename } = openWalDatabase(t);
  const checkpointer = startWalCheckpointer(database, filename);
  t.after(() => checkpointer.stop());
  database.prepare('insert into blob (content) values (?)').run('a little');
  await sleep(1500);
  assert.equal(checkpointer.threadStarted, false);
});
