import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { sql } from 'kysely';
import { runCivitas } from '../../testing/civitas-cli.ts';
import { createTestKernel } from '../../testing/test-kernel.ts';
import { auditKeyRingOf } from './audit-keys.ts';

test('civitas audit verify exits 0 on an intact trail and names the first bad event otherwise', async (t) => {
  const kernel = await createTestKernel(t);
  const environment = { DATABASE_URL: kernel.testDatabase.url };
  const runAuditVerify = (...options: string[]) => runCivitas(environment, 'audit', 'verify', ...options);
  const events = [];
  for (const actor of ['operator:ada', 'operator:grace', 'system', 'user:7']) {
    events.push(
      await kernel.audit.record({ actor, action: 'platform.test.done', subject: 'test:1', outcome: 'success' }),
    );
  }
  const keyId = auditKeyRingOf(kernel.config).current.id;

  const [intact, intactJson] = await Promise.all([runAuditVerify(), runAuditVerify('--json')]);
  assert.equal(intact.exitCode, 0, intact.stderr);
  assert.equal(
    intact.stdout,
    [
      'The audit trail is intact: 4 events checked.',
      `Events 1 to 4: keyed under ENCRYPTION_KEY (key ${keyId}).`,
      'No checkpoint was found: deleting the newest events would go unnoticed.',
      '',
    ].join('\n'),
  );
  assert.equal(intact.stderr, '');

  assert.equal(intactJson.exitCode, 0, intactJson.stderr);
  assert.deepEqual(JSON.parse(intactJson.stdout), {
    intact: true,
    eventCount: 4,
    unkeyedEventCount: 0,
    keyedFrom: 1,
    keys: [{ keyId, source: 'ENCRYPTION_KEY', firstSequence: 1, lastSequence: 4 }],
    checkpointCount: 0,
    checkpointedTo: null,
    checkpointFiles: [],
  });

  await sql`update audit_event set actor = 'operator:nobody' where sequence = 3`.execute(kernel.db);

  const [broken, brokenJson] = await Promise.all([runAuditVerify(), runAuditVerify('--json')]);
  assert.notEqual(broken.exitCode, 0);
  assert.equal(
    broken.stdout,
    `The audit trail is broken at event 3 (${events[2].id}): its contents were changed.\n`,
  );

  assert.notEqual(brokenJson.exitCode, 0);
  assert.deepEqual(JSON.parse(brokenJson.stdout), {
    intact: false,
    eventCount: 2,
    sequence: 3,
    id: events[2].id,
    reason: 'its contents were changed',
  });

  await sql`delete from audit_event where sequence = 2`.execute(kernel.db);
  const deleted = await runAuditVerify();
  assert.notEqual(deleted.exitCode, 0);
  assert.match(deleted.stdout, new RegExp(`event 3 \\(${events[2].id}\\): event 2 is missing before it`));
});

test('a command that records events checkpoints as it ends, and audit verify then sees the newest events deleted', async (t) => {
  const folder = mkdtempSync(join(tmpdir(), 'civitas-audit-'));
  t.after(() => rmSync(folder, { recursive: true, force: true }));
  const checkpointFile = join(folder, 'audit-checkpoints.jsonl');
  const kernel = await createTestKernel(t);
  const environment = { DATABASE_URL: kernel.testDatabase.url, AUDIT_CHECKPOINT_FILE: checkpointFile };

  const rotated = await runCivitas(environment, 'identity', 'rotate-keys', '--json');
  assert.equal(rotated.exitCode, 0, rotated.stderr);
  const [checkpoint] = readFileSync(checkpointFile, 'utf8').trim().split('\n').map((line) => JSON.parse(line));
  const [newest] = await kernel.audit.listRecent({ limit: 1 });
  assert.equal(newest.action, 'identity.signing-keys.rotated');
  assert.deepEqual([checkpoint.sequence, checkpoint.id], [newest.sequence, newest.id]);

  const intact = await runCivitas(environment, 'audit', 'verify');
  assert.equal(intact.exitCode, 0, intact.stdout);
  assert.match(intact.stdout, new RegExp(`\n1 checkpoint agrees with it, the newest at event ${newest.sequence}\\.\n$`));

  await sql`delete from audit_event where sequence = ${newest.sequence}`.execute(kernel.db);
  const truncated = await runCivitas(environment, 'audit', 'verify');
  assert.equal(truncated.exitCode, 1);
  assert.equal(
    truncated.stdout,
    `The audit trail is broken at event ${newest.sequence} (${newest.id}): it is gone: the trail ends at event ${newest.sequence - 1}, ` +
      `but the checkpoint at ${checkpointFile} line 1 (written at ${checkpoint.at}) shows it reached event ${newest.sequence}, so the newest events were deleted.\n`,
  );

  const elsewhere = { DATABASE_URL: kernel.testDatabase.url };
  const withFile = await runCivitas(elsewhere, 'audit', 'verify', '--checkpoints', checkpointFile, '--json');
  assert.equal(withFile.exitCode, 1);
  assert.deepEqual(JSON.parse(withFile.stdout).checkpoint, { file: checkpointFile, line: 1 }, '--checkpoints reads a file of checkpoints or log lines');

  const missing = await runCivitas(elsewhere, 'audit', 'verify', '--checkpoints', join(folder, 'no-such-file'));
  assert.equal(missing.exitCode, 2);
  assert.match(missing.stderr, /There is no file .*no-such-file/);
});
