import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { test } from 'node:test';
import type { Kernel } from '../../../platform/kernel.ts';
import { createTestKernel } from '../../../testing/test-kernel.ts';
import { readLatestMessage } from '../../identity/testing/identity-testing.contract.ts';
import { findOrCreateExampleOrganisation } from '../console.contract.ts';
import { createOrganisationStore, type InvitationRow } from './organisation.store.ts';
import { CLI_ACTOR, createOrganisations, INVITATION_SECONDS } from './organisations.ts';

const BASE_URL = 'http://localhost:3000';

async function setUp(t: Parameters<typeof createTestKernel>[0]) {
  const kernel = await createTestKernel(t);
  let now = new Date('2026-03-01T09:00:00.000Z');
  const organisations = createOrganisations({ db: kernel.db, audit: kernel.audit, platform: kernel, baseUrl: BASE_URL, clock: () => now });
  return { kernel, organisations, advance: (ms: number) => (now = new Date(now.getTime() + ms)) };
}

async function invitationToken(kernel: Kernel, email: string): Promise<string> {
  const message = await readLatestMessage(kernel, email);
  const token = /\/console\/invitations\/([A-Za-z0-9_-]{43})/.exec(message?.text ?? '')?.[1];
  assert.ok(token, 'the invitation email holds its link');
  return token;
}

const ffion = { personKey: 'sub-ffion', email: 'ffion@example.gov.uk' };
const owain = { personKey: 'sub-owain', email: 'owain@example.gov.uk' };

test('an organisation is created with an emailed invitation for its owner, who joins once, and services are added', async (t) => {
  const { kernel, organisations, advance } = await setUp(t);
  const { organisation } = await organisations.createOrganisation({ name: '  Department for Fishing ', type: 'department', govukSlug: 'department-for-fishing', ownerEmail: 'Ffion@Example.gov.uk', actor: CLI_ACTOR });
  assert.equal(organisation.name, 'Department for Fishing');
  const message = await readLatestMessage(kernel, 'ffion@example.gov.uk');
  assert.match(message?.subject ?? '', /Join Department for Fishing on the Civitas console/);
  assert.match(message?.text ?? '', /gwahoddiad i ymuno â Department for Fishing/, 'in Welsh as well');
  const token = await invitationToken(kernel, 'ffion@example.gov.uk');

  const stored = await kernel.db.withTables<{ console_invitation: InvitationRow }>().selectFrom('console_invitation').selectAll().execute();
  assert.equal(stored.length, 1);
  assert.ok(!JSON.stringify(stored).includes(token), 'only the hash of the token is kept');
  assert.equal(stored[0]?.expires_at, new Date(Date.parse('2026-03-01T09:00:00.000Z') + INVITATION_SECONDS * 1000).toISOString());

  assert.deepEqual(await organisations.acceptInvitation({ token, person: owain }), { accepted: false, reason: 'other-person' });
  assert.equal((await organisations.describeInvitation(token)).state, 'open', "someone else's attempt does not use it up");
  advance(60_000);
  assert.deepEqual(await organisations.acceptInvitation({ token, person: ffion }), { accepted: true, organisationId: organisation.id });
  assert.deepEqual(await organisations.acceptInvitation({ token, person: ffion }), { accepted: false, reason: 'used' });
  assert.equal((await organisations.describeInvitation(token)).state, 'used');
  assert.deepEqual(await organisations.acceptInvitation({ token: randomBytes(32).toString('base64url'), person: ffion }), { accepted: false, reason: 'unknown' });
  assert.deepEqual(await organisations.acceptInvitation({ token: 'short', person: ffion }), { accepted: false, reason: 'unknown' });

  const [membership] = await organisations.listMembers(organisation.id);
  assert.equal(membership?.role, 'owner');
  assert.equal(membership?.person_key, 'sub-ffion');
  assert.deepEqual((await organisations.listOrganisationsOf('sub-ffion')).map((row) => row.id), [organisation.id]);
  assert.deepEqual(await organisations.listOrganisationsOf('sub-owain'), []);

  const service = await organisations.createService({ organisationId: organisation.id, name: 'Apply for a fishing licence', actor: CLI_ACTOR });
  assert.equal((await organisations.findService(organisation.id, service.id))?.name, 'Apply for a fishing licence');
  await assert.rejects(organisations.createService({ organisationId: 'no-such-organisation', name: 'x', actor: CLI_ACTOR }), { code: 'console.ORGANISATION_NOT_FOUND' });

  const audit = await kernel.db.withTables<{ audit_event: { action: string; actor: string; details: string } }>().selectFrom('audit_event').select(['action', 'actor', 'details']).where('action', 'like', 'console.%').execute();
  assert.deepEqual(audit.map((event) => event.action).sort(), [
    'console.invitation.accepted',
    'console.invitation.created',
    'console.invitation.refused',
    'console.invitation.refused',
    'console.organisation.created',
    'console.service.created',
  ]);
  assert.ok(!JSON.stringify(audit).includes('@'), 'no email address in the audit trail');
});

test('bad input is refused before anything is stored', async (t) => {
  const { organisations } = await setUp(t);
  const owner = { ownerEmail: 'ffion@example.gov.uk', actor: CLI_ACTOR };
  await assert.rejects(organisations.createOrganisation({ name: '', ...owner }), { code: 'console.INVALID_NAME' });
  await assert.rejects(organisations.createOrganisation({ name: 'x'.repeat(256), ...owner }), { code: 'console.INVALID_NAME' });
  await assert.rejects(organisations.createOrganisation({ name: 'Fishing\r\nBcc: everyone', ...owner }), { code: 'console.INVALID_NAME' });
  await assert.rejects(organisations.createOrganisation({ name: 'Fishing', type: 'guild', ...owner }), { code: 'console.INVALID_TYPE' });
  await assert.rejects(organisations.createOrganisation({ name: 'Fishing', govukSlug: '../admin', ...owner }), { code: 'console.INVALID_SLUG' });
  await assert.rejects(organisations.createOrganisation({ name: 'Fishing', ownerEmail: 'not an email', actor: CLI_ACTOR }), { code: 'console.INVALID_EMAIL' });
  assert.deepEqual(await organisations.listOrganisations(), []);
  const { organisation } = await organisations.createOrganisation({ name: 'Fishing', ...owner });
  await assert.rejects(organisations.invite({ organisationId: organisation.id, email: 'owain@example.gov.uk', role: 'admin', actor: CLI_ACTOR }), { code: 'console.INVALID_ROLE' });
  assert.equal((await organisations.listPendingInvitations(organisation.id)).length, 1);
});

test('an invitation expires after 72 hours', async (t) => {
  const { kernel, organisations, advance } = await setUp(t);
  await organisations.createOrganisation({ name: 'Fishing', ownerEmail: 'ffion@example.gov.uk', actor: CLI_ACTOR });
  const token = await invitationToken(kernel, 'ffion@example.gov.uk');
  advance(INVITATION_SECONDS * 1000);
  assert.equal((await organisations.describeInvitation(token)).state, 'expired');
  assert.deepEqual(await organisations.acceptInvitation({ token, person: ffion }), { accepted: false, reason: 'expired' });
});

test('roles change and members leave, but an organisation always keeps an owner', async (t) => {
  const { kernel, organisations } = await setUp(t);
  const { organisation } = await organisations.createOrganisation({ name: 'Fishing', ownerEmail: ffion.email, actor: CLI_ACTOR });
  await organisations.acceptInvitation({ token: await invitationToken(kernel, ffion.email), person: ffion });
  await organisations.invite({ organisationId: organisation.id, email: owain.email, role: 'viewer', actor: CLI_ACTOR });
  await organisations.acceptInvitation({ token: await invitationToken(kernel, owain.email), person: owain });
  const idOf = async (personKey: string) => (await organisations.findMembership(organisation.id, personKey))?.id as string;
  const ffionId = await idOf(ffion.personKey);
  const owainId = await idOf(owain.personKey);

  await assert.rejects(organisations.changeRole({ organisationId: organisation.id, membershipId: ffionId, role: 'developer', actor: CLI_ACTOR }), { code: 'console.LAST_OWNER' });
  await assert.rejects(organisations.removeMember({ organisationId: organisation.id, membershipId: ffionId, actor: CLI_ACTOR }), { code: 'console.LAST_OWNER' });
  await organisations.changeRole({ organisationId: organisation.id, membershipId: owainId, role: 'owner', actor: CLI_ACTOR });
  await organisations.changeRole({ organisationId: organisation.id, membershipId: ffionId, role: 'viewer', actor: CLI_ACTOR });
  await assert.rejects(organisations.removeMember({ organisationId: organisation.id, membershipId: owainId, actor: CLI_ACTOR }), { code: 'console.LAST_OWNER' });
  await organisations.removeMember({ organisationId: organisation.id, membershipId: ffionId, actor: CLI_ACTOR });
  assert.deepEqual((await organisations.listMembers(organisation.id)).map((member) => [member.email, member.role]), [[owain.email, 'owner']]);

  // Two owners demoting each other at once: one of the two is refused.
  await organisations.changeRole({ organisationId: organisation.id, membershipId: owainId, role: 'owner', actor: CLI_ACTOR });
  await organisations.invite({ organisationId: organisation.id, email: ffion.email, role: 'owner', actor: CLI_ACTOR });
  await organisations.acceptInvitation({ token: await invitationToken(kernel, ffion.email), person: ffion });
  const again = await idOf(ffion.personKey);
  const outcomes = await Promise.allSettled([
    organisations.changeRole({ organisationId: organisation.id, membershipId: again, role: 'viewer', actor: CLI_ACTOR }),
    organisations.changeRole({ organisationId: organisation.id, membershipId: owainId, role: 'viewer', actor: CLI_ACTOR }),
  ]);
  assert.equal(outcomes.filter((outcome) => outcome.status === 'fulfilled').length, 1);
  assert.equal((await organisations.listMembers(organisation.id)).filter((member) => member.role === 'owner').length, 1);

  // A member of another organisation is no member here.
  const { organisation: other } = await organisations.createOrganisation({ name: 'Other', ownerEmail: 'someone@example.gov.uk', actor: CLI_ACTOR });
  await assert.rejects(organisations.removeMember({ organisationId: other.id, membershipId: owainId, actor: CLI_ACTOR }), { code: 'console.MEMBER_NOT_FOUND' });
});

test('an operator granted by email becomes the first person who signs in with it, and only them', async (t) => {
  const { organisations } = await setUp(t);
  await organisations.addOperator({ email: 'Ops@Example.gov.uk', actor: CLI_ACTOR });
  await assert.rejects(organisations.addOperator({ email: 'ops@example.gov.uk', actor: CLI_ACTOR }), { code: 'console.OPERATOR_EXISTS' });
  await assert.rejects(organisations.addOperator({ email: 'nope', actor: CLI_ACTOR }), { code: 'console.INVALID_EMAIL' });
  assert.equal(await organisations.isOperator({ personKey: 'sub-x', email: 'someone@example.gov.uk' }), false);
  assert.equal(await organisations.isOperator({ personKey: 'sub-ops', email: 'ops@example.gov.uk' }), true);
  assert.equal(await organisations.isOperator({ personKey: 'sub-ops', email: 'changed@example.gov.uk' }), true, 'still them after an email change');
  assert.equal(await organisations.isOperator({ personKey: 'sub-later', email: 'ops@example.gov.uk' }), false, 'not whoever has the address later');
});

test("an example organisation (a module's built-in example) has no owner and no invitation, and is made once however often and however concurrently it is asked for", async (t) => {
  const { kernel } = await setUp(t);
  const ask = () => findOrCreateExampleOrganisation({ db: kernel.db, audit: kernel.audit }, { name: 'Example Borough Council (demo)', type: 'council', actor: 'system:test' });
  const made = await Promise.all([ask(), ask(), ask()]);
  assert.equal(new Set(made.map((organisation) => organisation.id)).size, 1);
  const store = createOrganisationStore(kernel.db);
  assert.equal((await store.listOrganisations()).length, 1);
  assert.deepEqual(await store.listMembers(made[0]?.id ?? ''), []);
  const invitations = await kernel.db.withTables<{ console_invitation: InvitationRow }>().selectFrom('console_invitation').selectAll().execute();
  assert.deepEqual(invitations, []);
});
