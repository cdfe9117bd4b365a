import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createTestKernel } from '../../../testing/test-kernel.ts';
import { formsModule } from '../forms.module.ts';
import type { RunnerSessionRow } from './runner-session.store.ts';
import { createRunnerSessions, RUNNER_SESSION_SECONDS } from './runner-sessions.ts';

const answers = { email: { values: ['ffion@example.com'], complete: true } };

test('a runner session keeps its answers for 20 hours from the first answer, for its own form only, and stores only the hash of its token', async (t) => {
  const kernel = await createTestKernel(t, { modules: [formsModule] });
  let now = new Date('2026-01-01T09:00:00.000Z');
  const sessions = createRunnerSessions({ db: kernel.db, clock: () => now });
  const token = await sessions.start({ formId: 'form-a', versionId: 'version-1', answers });

  const rows = await kernel.db.withTables<{ forms_session: RunnerSessionRow }>().selectFrom('forms_session').selectAll().execute();
  assert.equal(rows.length, 1);
  assert.ok(!Object.values(rows[0] as object).some((value) => String(value).includes(token)), 'the cookie value is not stored');

  const found = await sessions.find(token, 'form-a');
  assert.ok(found);
  assert.deepEqual(found.answers, answers);
  assert.equal(found.versionId, 'version-1');
  assert.equal(await sessions.find(token, 'form-b'), undefined, 'not a session of another form');
  assert.equal(await sessions.find(`${token}x`, 'form-a'), undefined);
  assert.equal(await sessions.find('x'.repeat(101), 'form-a'), undefined);
  assert.equal(await sessions.find(undefined, 'form-a'), undefined);

  now = new Date(now.getTime() + RUNNER_SESSION_SECONDS * 1000 - 1000);
  assert.ok(await sessions.find(token, 'form-a'), 'still there a second before 20 hours');
  assert.equal(await sessions.saveAnswers(found, {}), true);
  now = new Date(now.getTime() + 1000);
  assert.equal(await sessions.find(token, 'form-a'), undefined, 'gone at 20 hours');
  assert.equal(await sessions.saveAnswers(found, answers), false, 'an expired session takes no answers');

  await sessions.start({ formId: 'form-a', versionId: 'version-1', answers: {} });
  const left = await kernel.db.withTables<{ forms_session: RunnerSessionRow }>().selectFrom('forms_session').select('id_hash').execute();
  assert.equal(left.length, 1, 'expired sessions are cleared away');
});
