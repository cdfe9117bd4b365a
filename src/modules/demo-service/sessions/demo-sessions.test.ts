import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createTestKernel } from '../../../testing/test-kernel.ts';
import { demoServiceModule } from '../demo-service.module.ts';
import type { DemoSessionRow } from './demo-session.store.ts';
import { createDemoSessions, DEMO_SESSION_SECONDS } from './demo-sessions.ts';

const person = (subject: string, sid?: string) => ({
  accountSubject: subject,
  email: `${subject}@example.com`,
  idToken: `id-token-of-${subject}`,
  level: 'Cl.Cm',
  authenticationMethods: ['pwd', 'otp'],
  ...(sid ? { sid } : {}),
});

test('a demo session is found by its token until 8 hours after sign-in, then is gone however active', async (t) => {
  const kernel = await createTestKernel(t, { modules: [demoServiceModule] });
  let now = new Date('2026-01-01T09:00:00.000Z');
  const sessions = createDemoSessions({ db: kernel.db, clock: () => now });
  const token = await sessions.start(person('subject-a'));

  const rows = await kernel.db.withTables<{ demo_service_session: DemoSessionRow }>().selectFrom('demo_service_session').selectAll().execute();
  assert.equal(rows.length, 1);
  assert.ok(!Object.values(rows[0] as object).some((value) => String(value).includes(token)), 'the cookie value is not stored');

  assert.equal((await sessions.find(token))?.email, 'subject-a@example.com');
  assert.equal(await sessions.find(`${token}x`), undefined);
  assert.equal(await sessions.find(undefined), undefined);
  now = new Date(now.getTime() + DEMO_SESSION_SECONDS * 1000 - 1000);
  assert.ok(await sessions.find(token), 'still there a second before');
  now = new Date(now.getTime() + 1000);
  assert.equal(await sessions.find(token), undefined, 'ended at 8 hours');

  const next = await sessions.start(person('subject-a'));
  assert.equal((await kernel.db.withTables<{ demo_service_session: DemoSessionRow }>().selectFrom('demo_service_session').select('id_hash').execute()).length, 1, 'expired sessions are cleared away');
  await sessions.end(next);
  assert.equal(await sessions.find(next), undefined);
});

test('a back-channel logout ends every session of its subject, or only those of the provider session it names', async (t) => {
  const kernel = await createTestKernel(t, { modules: [demoServiceModule] });
  const sessions = createDemoSessions({ db: kernel.db });
  const laptop = await sessions.start(person('subject-a', 'sid-laptop'));
  const phone = await sessions.start(person('subject-a', 'sid-phone'));
  const someoneElse = await sessions.start(person('subject-b', 'sid-laptop'));

  assert.equal(await sessions.endFor({ subject: 'subject-a', sid: 'sid-phone' }), 1);
  assert.equal(await sessions.find(phone), undefined);
  assert.ok(await sessions.find(laptop), 'another provider session of the same person stays');

  assert.equal(await sessions.endFor({ subject: 'subject-a' }), 1);
  assert.equal(await sessions.find(laptop), undefined);
  assert.ok(await sessions.find(someoneElse), "another person's session stays, even with the same sid");
  assert.equal(await sessions.endFor({ subject: 'subject-c' }), 0);
});
