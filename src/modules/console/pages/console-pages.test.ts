import assert from 'node:assert/strict';
import { test } from 'node:test';
import { errorSummary, pageHeading } from '../../identity/testing/identity-testing.contract.ts';
import { CLI_ACTOR } from '../organisations/organisations.ts';
import { acceptInvitation, openSigningIn, readInvitationLink, startConsole } from './console-pages.test-kit.ts';

const MINUTE = 60_000;

test('an owner invited by email signs in, joins, creates a service, invites a viewer who joins, and changes roles', async (t) => {
  const civitas = await startConsole(t);
  const { organisations, kernel } = civitas;
  const ffion = await civitas.account('ffion@example.gov.uk');
  const owain = await civitas.account('owain@example.gov.uk');

  const anonymous = civitas.browser();
  const start = await anonymous.get('/console');
  assert.equal(start.status, 200);
  assert.match(start.html, /Sign in with your One Login/);
  const welsh = await anonymous.get('/console?lang=cy');
  assert.match(welsh.html, /Mewngofnodwch gyda&#39;ch One Login/);

  const { organisation } = await organisations.createOrganisation({ name: 'Department for Fishing', ownerEmail: ffion.email, actor: CLI_ACTOR });
  const owner = civitas.browser();
  let page = await acceptInvitation(owner, ffion, await readInvitationLink(kernel, ffion.email));
  assert.equal(new URL(page.url).pathname, `/console/organisations/${organisation.id}`);
  assert.equal(pageHeading(page), 'Department for Fishing');
  assert.match(page.html, /Owner/);
  const cookie = owner.cookies.get('console_session') ?? '';
  assert.ok(cookie.includes('.'), 'the session cookie is signed');

  page = await owner.get(`/console/organisations/${organisation.id}/services/new`);
  const empty = await owner.submit(page, { name: '' });
  assert.equal(empty.status, 400);
  assert.deepEqual(errorSummary(empty), ['Enter a name of 1 to 255 characters']);
  page = await owner.submit(page, { name: 'Apply for a fishing licence' });
  assert.equal(pageHeading(page), 'Apply for a fishing licence');
  assert.match(page.html, /Service created/);

  page = await owner.get(`/console/organisations/${organisation.id}/members/invite`);
  assert.equal(page.status, 200, 'a sign-in minutes ago is recent enough to invite');
  const bad = await owner.submit(page, { email: 'not an email' });
  assert.deepEqual(errorSummary(bad), ['Enter an email address in the correct format, like name@example.gov.uk', 'Choose a role']);
  page = await owner.submit(page, { email: owain.email, role: 'viewer' });
  assert.match(page.html, /Invitation sent/);
  assert.match(page.html, /owain@example.gov.uk/);

  const viewer = civitas.browser();
  page = await acceptInvitation(viewer, owain, await readInvitationLink(kernel, owain.email));
  assert.equal(pageHeading(page), 'Department for Fishing');
  assert.match(page.html, /Apply for a fishing licence/);
  assert.doesNotMatch(page.html, /Create a service/, 'a viewer is offered no owner actions');
  const forbidden = await viewer.get(`/console/organisations/${organisation.id}/services/new`);
  assert.equal(forbidden.status, 403);
  assert.equal(pageHeading(forbidden), 'You cannot do this');

  // The owner makes the viewer a developer; demoting the last owner is refused.
  const members = await organisations.listMembers(organisation.id);
  const owainId = members.find((member) => member.email === owain.email)?.id as string;
  const ffionId = members.find((member) => member.email === ffion.email)?.id as string;
  page = await owner.get(`/console/organisations/${organisation.id}/members/${owainId}/role`);
  page = await owner.submit(page, { role: 'developer' });
  assert.match(page.html, /Role changed/);
  page = await owner.get(`/console/organisations/${organisation.id}/members/${ffionId}/role`);
  const lastOwner = await owner.submit(page, { role: 'viewer' });
  assert.equal(lastOwner.status, 400);
  assert.deepEqual(errorSummary(lastOwner), ['An organisation must keep at least one owner. Make someone else an owner first.']);
  page = await owner.get(`/console/organisations/${organisation.id}/members/${ffionId}/remove`);
  const removeLast = await owner.submit(page, {});
  assert.equal(removeLast.status, 400);
  assert.equal((await organisations.listMembers(organisation.id)).find((member) => member.id === ffionId)?.role, 'owner');

  // 16 minutes on, inviting needs a fresh sign-in: One Login is asked with max_age.
  civitas.advance(16 * MINUTE);
  const reauth = await fetch(new URL(`/console/organisations/${organisation.id}/members/invite`, civitas.baseUrl), {
    redirect: 'manual',
    headers: { accept: 'text/html', cookie: [...owner.cookies].map(([name, value]) => `${name}=${value}`).join('; ') },
  });
  assert.equal(reauth.status, 303);
  const signIn = new URL(reauth.headers.get('location') as string, civitas.baseUrl);
  assert.equal(signIn.pathname, '/console/sign-in');
  assert.equal(signIn.searchParams.get('recent'), '1');
  const authorize = await fetch(signIn, { redirect: 'manual', headers: { accept: 'text/html' } });
  assert.equal(new URL(authorize.headers.get('location') as string).searchParams.get('max_age'), '900');

  // The audit trail names who did what for which organisation, without email addresses.
  const events = await kernel.db
    .withTables<{ audit_event: { action: string; actor: string; details: string } }>()
    .selectFrom('audit_event')
    .select(['action', 'actor', 'details'])
    .where('action', 'like', 'console.%')
    .execute();
  assert.ok(events.some((event) => event.action === 'console.service.created' && event.actor.startsWith('console-person:') && event.details.includes(organisation.id)));
  assert.ok(events.some((event) => event.action === 'console.member.last-owner-refused'));
  assert.ok(!JSON.stringify(events).includes('@'), 'no email address in the audit trail');
});

test('a session ends after 30 idle minutes and after 8 hours, at sign-out, and by back-channel logout from One Login', async (t) => {
  const civitas = await startConsole(t);
  const { kernel } = civitas;
  const ffion = await civitas.account('ffion@example.gov.uk');
  const browser = civitas.browser();
  const signedIn = async () => (await browser.get('/console')).html.includes(`signed in as ${ffion.email}`);

  let page = await openSigningIn(browser, ffion, '/console/sign-in');
  assert.equal(new URL(page.url).pathname, '/console');
  assert.ok(await signedIn());
  assert.match(page.html, /not a member of any organisation/);

  civitas.advance(29 * MINUTE);
  assert.ok(await signedIn(), 'a request within 30 minutes keeps it');
  civitas.advance(31 * MINUTE);
  assert.equal(await signedIn(), false, '30 minutes idle');
  assert.equal(browser.cookies.has('console_session'), false, 'the ended session cookie is cleared');

  page = await openSigningIn(browser, ffion, '/console/sign-in');
  for (let hour = 0; hour < 8; hour += 1) {
    civitas.advance(25 * MINUTE);
    assert.ok(await signedIn(), `still signed in at ${hour}`);
    civitas.advance(25 * MINUTE);
    assert.ok(await signedIn());
    civitas.advance(10 * MINUTE);
    if (hour < 7) assert.ok(await signedIn());
  }
  assert.equal(await signedIn(), false, 'ended at 8 hours however active');

  // Sign out: the console and One Login both end it, in one step.
  civitas.advance(-8 * 60 * MINUTE - 60 * MINUTE);
  page = await openSigningIn(browser, ffion, '/console/sign-in');
  assert.ok(await signedIn());
  const confirm = await browser.submit(await browser.get('/console'), {}, '/console/sign-out');
  assert.equal(new URL(confirm.url).pathname, '/logout', "One Login's page, which submits itself in a browser");
  const signOut = await browser.submit(confirm, {});
  assert.equal(new URL(signOut.url).pathname, '/console/signed-out');
  assert.match(signOut.html, /You have signed out of the console and of One Login/);
  assert.equal(await signedIn(), false);

  // Back-channel logout: a forged token is refused; One Login's ends the session.
  const refused = await fetch(`${civitas.baseUrl}/console/backchannel-logout`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ logout_token: 'eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.' }),
  });
  assert.equal(refused.status, 400);
  const laptop = civitas.browser();
  await openSigningIn(laptop, ffion, '/console/sign-in');
  assert.ok((await laptop.get('/console')).html.includes('signed in as'));
  await laptop.submit(await laptop.get('/logout'), {});
  await kernel.createWorker().runUntilIdle();
  const after = await laptop.get('/console');
  assert.doesNotMatch(after.html, /signed in as/, 'signing out at One Login ends the console session');
});

test('an owner withdraws an invitation: its link stops working; a viewer, another organisation and a second withdrawal cannot', async (t) => {
  const civitas = await startConsole(t);
  const { organisations, kernel } = civitas;
  const ffion = await civitas.account('ffion@example.gov.uk');
  const gareth = await civitas.account('gareth@example.gov.uk');
  const { organisation } = await organisations.createOrganisation({ name: 'Department for Fishing', ownerEmail: ffion.email, actor: CLI_ACTOR });
  const other = await organisations.createOrganisation({ name: 'Department for Boats', ownerEmail: gareth.email, actor: CLI_ACTOR });
  const owner = civitas.browser();
  await acceptInvitation(owner, ffion, await readInvitationLink(kernel, ffion.email));
  const otherOwner = civitas.browser();
  await acceptInvitation(otherOwner, gareth, await readInvitationLink(kernel, gareth.email));

  const { invitationId } = await organisations.invite({ organisationId: organisation.id, email: 'owain@example.gov.uk', role: 'viewer', actor: CLI_ACTOR });
  const link = await readInvitationLink(kernel, 'owain@example.gov.uk');
  const withdrawPath = `/console/organisations/${organisation.id}/invitations/${invitationId}/withdraw`;
  let page = await owner.get(`/console/organisations/${organisation.id}`);
  assert.ok(page.html.includes(`href="${withdrawPath}"`), 'the pending invitation has a withdraw link');

  assert.equal((await otherOwner.get(withdrawPath)).status, 404, "another organisation's owner does not find it");
  assert.equal((await otherOwner.get(`/console/organisations/${other.organisation.id}/invitations/${invitationId}/withdraw`)).status, 404, 'nor under their own organisation');

  page = await owner.get(withdrawPath);
  assert.equal(pageHeading(page), 'Withdraw the invitation to owain@example.gov.uk?');
  page = await owner.submit(page, {});
  assert.equal(new URL(page.url).pathname, `/console/organisations/${organisation.id}`);
  assert.match(page.html, /Invitation withdrawn/);
  assert.ok(!page.html.includes(withdrawPath), 'it is no longer pending');
  assert.equal((await owner.get(withdrawPath)).status, 404, 'a second withdrawal finds nothing');

  const owain = await civitas.account('owain@example.gov.uk');
  const refused = await openSigningIn(civitas.browser(), owain, link);
  assert.doesNotMatch(refused.html, /Join organisation/, 'the withdrawn link joins no one');
  assert.equal((await organisations.listMembers(organisation.id)).some((member) => member.email === owain.email), false);
  const events = await kernel.db.withTables<{ audit_event: { action: string; subject: string } }>().selectFrom('audit_event').select(['action', 'subject']).where('action', '=', 'console.invitation.withdrawn').execute();
  assert.deepEqual(events.map((event) => event.subject), [`console-invitation:${invitationId}`]);
});
