import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { sql } from 'kysely';
import { createTestKernel } from '../../testing/test-kernel.ts';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

type CommandResult = { exitCode: number; stdout: string; stderr: string };

/** Runs `civitas audit verify` in a process of its own, as an operator would. */
function runAuditVerify(databaseUrl: string, ...options: string[]): Promise<CommandResult> {
  return new Promise((resolve) => {
    execFile(
      'node_modules/.bin/node',
      ['bin/civitas.js', 'audit', 'verify', ...options],
      { cwd: ROOT, env: { DATABASE_URL: databaseUrl, NODE_ENV: 'test', LOG_LEVEL: 'silent' } },
      (error, stdout, stderr) => {
        const exitCode = error ? (typeof error.code === 'number' ? error.code : -1) : 0;
        resolve({ exitCode, stdout, stderr });
      },
    );
  });
}

test('civitas audit verify exits 0 on an intact trail and names the first bad event otherwise', async (t) => {
  const kernel = await createTestKernel(t);
  const url = kernel.testDatabase.url;
  const events = [];
  for (const actor of ['operator:ada', 'operator:grace', 'system', 'user:7']) {
    events.push(
      await kernel.audit.record({ actor, action: 'platform.test.done', subject: 'test:1', outcome: 'success' }),
    );
  }

  const [intact, intactJson] = await Promise.all([runAuditVerify(url), runAuditVerify(url, '--json')]);
  assert.equal(intact.exitCode, 0, intact.stderr);
  assert.match(intact.stdout, /^The audit trail is intact: 4 events checked\.\n$/);
  assert.equal(intact.stderr, '');

  assert.equal(intactJson.exitCode, 0, intactJson.stderr);
  assert.deepEqual(JSON.parse(intactJson.stdout), { intact: true, eventCount: 4 });

  await sql`update audit_event set actor = 'operator:nobody' where sequence = 3`.execute(kernel.db);

  const [broken, brokenJson] = await Promise.all([runAuditVerify(url), runAuditVerify(url, '--json')]);
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
  const deleted = await runAuditVerify(url);
  assert.notEqual(deleted.exitCode, 0);
  assert.match(deleted.stdout, new RegExp(`event 3 \\(${events[2].id}\\): event 2 is missing before it`));
});
