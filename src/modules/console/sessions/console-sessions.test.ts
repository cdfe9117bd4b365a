import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createTestKernel } from '../../../testing/test-kernel.ts';
import { consoleModule } from '../console.module.ts';
import type { ConsoleSessionRow } from './console-session.store.ts';
import { CONSOLE_IDLE_SECONDS, CONSOLE_SESSION_SECONDS, createConsoleSessions, RECENT_SIGN_IN_SECONDS } from './console-sessions.ts';

const person = (subject: string, authenticatedAt: Date, sid?: string) => ({
  accountSubject: subject,
  email: `${subject}@example.gov.uk`,
  idToken: `id-token-of-${subject}`,
  level: 'Cl.Cm',
  authenticationMethods: ['pwd', 'otp'],
  authenticatedAt,
  ...(sid ? { sid } : {}),
});
const minutes = (count: number) => count * 60 * 1000;

test('a console session ends 30 minutes after its last request, and 8 hours after sign-in however active', async (t) => {
  const kernel = await createTestKernel(t, { modules: [consoleModule] });
  let now = new Date('2026-01-01T09:00:00.000Z');
  const sessions = createConsoleSessions({ db: kernel.db, clock: () => now });
  const token = await sessions.start(person('subject-a', now));

  const rows = await kernel.db.withTables<{ console_session: ConsoleSessionRow }>().selectFrom('console_session').selectAll().execute();
  assert.equal(rows.length, 1);
  assert.ok(!Object.values(rows[0] as object).some((value) => String(value).includes(token)), 'the cookie value is not stored');
  assert.equal((await sessions.find(token))?.email, 'subject-a@example.gov.uk');
  assert.equal(await sessions.find(`${token}x`), undefined);
  assert.equal(await sessions.find(undefined), undefined);

  // Active every 29 minutes: alive until the 8 hours are up, then gone.
  const end = now.getTime() + CONSOLE_SESSION_SECONDS * 1000;
  while (now.getTime() + minutes(29) < end) {
    now = new Date(now.getTime() + minutes(29));
    assert.ok(await sessions.find(token), `alive at ${now.toISOString()}`);
  }
  now = new Date(end);
  assert.equal(await sessions.find(token), undefined, 'ended at 8 hours');

  now = new Date('2026-01-02T09:00:00.000Z');
  const idle = await sessions.start(person('subject-a', now));
  now = new Date(now.getTime() + CONSOLE_IDLE_SECONDS * 1000 - 1000);
  assert.ok(await sessions.find(idle), 'a second before 30 idle minutes');
  now = new Date(now.getTime() + CONSOLE_IDLE_SECONDS * 1000);
  assert.equal(await sessions.find(idle), undefined, '30 minutes without a request');

  const next = await sessions.start(person('subject-a', now));
  const left = await kernel.db.withTables<{ console_session: ConsoleSessionRow }>().selectFrom('console_session').select('id_hash').execute();
  assert.equal(left.length, 1, 'ended sessions are cleared away');
  await sessions.end(next);
  assert.equal(await sessions.find(next), undefined);
});

test('a sign-in counts as recent for 15 minutes after the person proved who they are to One Login', async (t) => {
  const kernel = await createTestKernel(t, { modules: [consoleModule] });
  let now = new Date('2026-01-01T09:00:00.000Z');
  const sessions = createConsoleSessions({ db: kernel.db, clock: () => now });
  const token = await sessions.start(person('subject-a', new Date(now.getTime() - minutes(5))));
  const session = await sessions.find(token);
  assert.ok(session);
  assert.equal(sessions.signedInRecently(session), true);
  now = new Date(now.getTime() + RECENT_SIGN_IN_SECONDS * 1000 - minutes(5) + 1);
  assert.equal(sessions.signedInRecently(session), false);
});

test('a back-channel logout ends every console session of its person, or only those of the provider session it names', async (t) => {
  const kernel = await createTestKernel(t, { modules: [consoleModule] });
  const sessions = createConsoleSessions({ db: kernel.db });
  const laptop = await sessions.start(person('subject-a', new Date(), 'sid-laptop'));
  const phone = await sessions.start(person('subject-a', new Date(), 'sid-phone'));
  const someoneElse = await sessions.start(person('subject-b', new Date(), 'sid-laptop'));
  assert.equal(await sessions.endFor({ subject: 'subject-a', sid: 'sid-phone' }), 1);
  assert.equal(await sessions.find(phone), undefined);
  assert.ok(await sessions.find(laptop));
  assert.equal(await sessions.endFor({ subject: 'subject-a' }), 1);
  assert.equal(await sessions.find(laptop), undefined);
  assert.ok(await sessions.find(someoneElse), "another person's session stays, even with the same sid");
});
