import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createTestKernel } from '../../testing/test-kernel.ts';
import { createAuditService } from './audit.service.ts';
import { createAuditStore } from './audit.store.ts';
import { auditKeyRingOf } from './audit-keys.ts';

test('audit search: by actor, by an action or the start of one (never a wildcard), by time, newest first, a page at a time either way', async (t) => {
  const kernel = await createTestKernel(t, { modules: [] });
  let now = Date.parse('2030-01-01T00:00:00.000Z');
  const audit = createAuditService({ db: kernel.db, store: createAuditStore(), keys: auditKeyRingOf(kernel.config), clock: () => new Date(now) });
  const record = async (actor: string, action: string) => {
    now += 60 * 60 * 1000;
    return (await audit.record({ actor, action, subject: 'thing:1', outcome: 'success' })).sequence;
  };
  const first = await record('user:a', 'console.member.removed');
  await record('user:b', 'console.member.role-changed');
  await record('user:a', 'console.memberships');
  await record('user:a', 'console_member.x');
  await record('user:b', 'consoles.member');
  const last = await record('user:a', 'identity.password.changed');

  const actions = async (filter: Parameters<typeof audit.search>[0]) => (await audit.search(filter)).map((event) => event.action);
  assert.deepEqual(await actions({ action: 'console.member' }), ['console.member.role-changed', 'console.member.removed']);
  assert.deepEqual(await actions({ action: 'console' }), ['console.memberships', 'console.member.role-changed', 'console.member.removed']);
  assert.deepEqual(await actions({ action: 'console_member' }), ['console_member.x'], '_ is no wildcard');
  assert.deepEqual(await actions({ action: 'console%' }), [], '% is no wildcard');
  assert.deepEqual(await actions({ action: 'consol' }), [], 'a whole part of the name, not the start of a word');
  assert.deepEqual(await actions({ action: 'Console' }), [], 'case counts');
  assert.deepEqual(await actions({ action: 'console.member.removed' }), ['console.member.removed']);
  assert.deepEqual(await actions({ actor: 'user:b' }), ['consoles.member', 'console.member.role-changed']);
  assert.deepEqual(await actions({ from: '2030-01-01T02:00:00.000Z', to: '2030-01-01T04:00:00.000Z' }), ['console.memberships', 'console.member.role-changed']);
  assert.deepEqual(await actions({ actor: 'user:a', action: 'console' }), ['console.memberships', 'console.member.removed']);

  const older = await audit.search({ before: last, limit: 2 });
  assert.deepEqual(older.map((event) => event.sequence), [last - 1, last - 2]);
  const newer = await audit.search({ after: first, limit: 2 });
  assert.deepEqual(newer.map((event) => event.sequence), [first + 2, first + 1], 'the page just after, newest first');
});
