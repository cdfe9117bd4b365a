import assert from 'node:assert/strict';
import { test } from 'node:test';
import { pageHeading, type FormClient, type FormPage } from '../../identity/testing/identity-testing.contract.ts';
import { createOrganisationStore } from '../organisations/organisation.store.ts';
import { CLI_ACTOR } from '../organisations/organisations.ts';
import { acceptInvitation, openSigningIn, readInvitationLink, startConsole } from './console-pages.test-kit.ts';

/** Every URL of an organisation's pages, with the methods it answers. */
function organisationRoutes(ids: { org: string; service: string; member: string }) {
  const base = `/console/organisations/${ids.org}`;
  return [
    { method: 'GET', url: base },
    { method: 'GET', url: `${base}/services/${ids.service}` },
    { method: 'GET', url: `${base}/services/new` },
    { method: 'POST', url: `${base}/services/new`, fields: { name: 'Planted service' } },
    { method: 'GET', url: `${base}/members/invite` },
    { method: 'POST', url: `${base}/members/invite`, fields: { email: 'mallory@example.gov.uk', role: 'owner' } },
    { method: 'GET', url: `${base}/members/${ids.member}/role` },
    { method: 'POST', url: `${base}/members/${ids.member}/role`, fields: { role: 'viewer' } },
    { method: 'GET', url: `${base}/members/${ids.member}/remove` },
    { method: 'POST', url: `${base}/members/${ids.member}/remove`, fields: {} },
  ] as const;
}

async function ask(browser: FormClient, csrfPage: FormPage, route: { method: string; url: string; fields?: Record<string, string> }) {
  if (route.method === 'GET') return (await browser.get(route.url)).status;
  return (await browser.post({ ...csrfPage, url: new URL(route.url, csrfPage.url).toString() }, route.fields ?? {})).status;
}

test("a member of organisation A gets 404 for every URL of organisation B, and for B's services and members under A's address", async (t) => {
  const civitas = await startConsole(t);
  const { organisations, kernel } = civitas;
  const alice = await civitas.account('alice@example.gov.uk');
  const { organisation: a } = await organisations.createOrganisation({ name: 'Organisation A', ownerEmail: alice.email, actor: CLI_ACTOR });
  const { organisation: b } = await organisations.createOrganisation({ name: 'Organisation B', ownerEmail: 'bob@example.gov.uk', actor: CLI_ACTOR });
  const serviceA = await organisations.createService({ organisationId: a.id, name: 'Service of A', actor: CLI_ACTOR });
  const serviceB = await organisations.createService({ organisationId: b.id, name: 'Service of B', actor: CLI_ACTOR });
  await createOrganisationStore(kernel.db).insertMembership({ id: 'member-of-b', organisation_id: b.id, person_key: 'sub-bob', email: 'bob@example.gov.uk', role: 'owner', created_at: new Date().toISOString() });

  const browser = civitas.browser();
  const home = await acceptInvitation(browser, alice, await readInvitationLink(kernel, alice.email));
  assert.equal(pageHeading(home), 'Organisation A');
  const memberA = (await organisations.listMembers(a.id))[0]?.id as string;
  const csrfPage = await browser.get(`/console/organisations/${a.id}/services/new`);
  assert.equal(csrfPage.status, 200);

  // Owner of A: every one of A's pages opens (the table covers every route).
  for (const route of organisationRoutes({ org: a.id, service: serviceA.id, member: memberA }).filter((route) => route.method === 'GET')) {
    assert.equal(await ask(browser, csrfPage, route), 200, `${route.method} ${route.url}`);
  }
  const attacks = [
    ...organisationRoutes({ org: b.id, service: serviceB.id, member: 'member-of-b' }),
    ...organisationRoutes({ org: a.id, service: serviceB.id, member: 'member-of-b' }).filter((route) => route.url.includes(serviceB.id) || route.url.includes('member-of-b')),
    ...organisationRoutes({ org: 'no-such-organisation', service: serviceB.id, member: 'member-of-b' }),
  ];
  for (const route of attacks) {
    assert.equal(await ask(browser, csrfPage, route), 404, `${route.method} ${route.url}`);
  }
  assert.deepEqual((await organisations.listServices(b.id)).map((service) => service.name), ['Service of B'], 'nothing planted in B');
  assert.deepEqual((await organisations.listMembers(b.id)).map((member) => member.role), ['owner'], "B's member unchanged");
  assert.equal((await organisations.listPendingInvitations(b.id)).length, 1, 'no invitation sent for B');
  assert.doesNotMatch((await browser.get('/console')).html, /Organisation B/, 'B is not listed');

  // Signed out, every organisation URL sends the person to sign in, whoever's it is.
  for (const route of organisationRoutes({ org: b.id, service: serviceB.id, member: 'member-of-b' }).filter((route) => route.method === 'GET')) {
    const response = await fetch(new URL(route.url, civitas.baseUrl), { redirect: 'manual', headers: { accept: 'text/html' } });
    assert.equal(response.status, 303, route.url);
    assert.match(response.headers.get('location') ?? '', /^\/console\/sign-in\?return=/);
  }

  // An operator sees every organisation, and may look but not act as an owner.
  await organisations.addOperator({ email: 'operator@example.gov.uk', actor: CLI_ACTOR });
  const operatorAccount = await civitas.account('operator@example.gov.uk');
  const operator = civitas.browser();
  const list = await openSigningIn(operator, operatorAccount, '/console/sign-in');
  assert.match(list.html, /Organisation A/);
  assert.match(list.html, /Organisation B/);
  assert.equal((await operator.get(`/console/organisations/${b.id}`)).status, 200);
  assert.equal((await operator.get(`/console/organisations/${b.id}/services/new`)).status, 403);
});

test('a viewer or developer gets 403 for every owner action, and changes nothing', async (t) => {
  const civitas = await startConsole(t);
  const { organisations, kernel } = civitas;
  const vera = await civitas.account('vera@example.gov.uk');
  const { organisation } = await organisations.createOrganisation({ name: 'Organisation A', ownerEmail: 'owner@example.gov.uk', actor: CLI_ACTOR });
  const service = await organisations.createService({ organisationId: organisation.id, name: 'Service of A', actor: CLI_ACTOR });
  await createOrganisationStore(kernel.db).insertMembership({ id: 'the-owner', organisation_id: organisation.id, person_key: 'sub-owner', email: 'owner@example.gov.uk', role: 'owner', created_at: new Date().toISOString() });
  await organisations.invite({ organisationId: organisation.id, email: vera.email, role: 'viewer', actor: CLI_ACTOR });
  const browser = civitas.browser();
  await acceptInvitation(browser, vera, await readInvitationLink(kernel, vera.email));
  const csrfPage = await browser.get(`/console/organisations/${organisation.id}`);
  const veraId = (await organisations.findMembership(organisation.id, (await organisations.listMembers(organisation.id)).find((member) => member.email === vera.email)?.person_key as string))?.id as string;

  for (const role of ['viewer', 'developer'] as const) {
    await createOrganisationStore(kernel.db).setRole(veraId, role);
    for (const member of ['the-owner', veraId]) {
      for (const route of organisationRoutes({ org: organisation.id, service: service.id, member })) {
        const expected = route.url.endsWith(organisation.id) || route.url.includes(`/services/${service.id}`) ? 200 : 403;
        assert.equal(await ask(browser, csrfPage, route), expected, `${role}: ${route.method} ${route.url}`);
      }
    }
  }
  assert.equal((await organisations.listServices(organisation.id)).length, 1);
  assert.deepEqual((await organisations.listMembers(organisation.id)).map((member) => member.role).sort(), ['developer', 'owner']);
  assert.equal((await organisations.listPendingInvitations(organisation.id)).length, 1, "only the first owner's invitation, from the CLI");
});

test("an invitation link cannot be replayed, used after 72 hours, or used by someone it was not sent to", async (t) => {
  const civitas = await startConsole(t);
  const { organisations, kernel } = civitas;
  const ffion = await civitas.account('ffion@example.gov.uk');
  const mallory = await civitas.account('mallory@example.gov.uk');
  const { organisation } = await organisations.createOrganisation({ name: 'Organisation A', ownerEmail: ffion.email, actor: CLI_ACTOR });
  const link = await readInvitationLink(kernel, ffion.email);

  // Someone else who got hold of the link is told it is not theirs, and cannot join with it.
  const intruder = civitas.browser();
  const refused = await openSigningIn(intruder, mallory, link);
  assert.equal(refused.status, 403);
  assert.equal(pageHeading(refused), 'This invitation is for someone else');
  const forced = await intruder.post({ ...(await intruder.get('/console')), url: link }, {});
  assert.equal(forced.status, 303);
  assert.equal((await intruder.get(link)).status, 403);
  assert.equal((await organisations.listMembers(organisation.id)).length, 0, 'nobody joined');

  // Its owner joins; the link then works no more, for anyone.
  const owner = civitas.browser();
  await acceptInvitation(owner, ffion, link);
  const replay = await owner.get(link);
  assert.equal(replay.status, 410);
  assert.equal(pageHeading(replay), 'This invitation has already been used');
  assert.equal((await organisations.listMembers(organisation.id)).length, 1);

  const unknown = await owner.get('/console/invitations/not-a-real-invitation-token');
  assert.equal(unknown.status, 404);
  assert.equal(pageHeading(unknown), 'This invitation link does not work');

  // A second invitation, opened 72 hours later.
  await organisations.invite({ organisationId: organisation.id, email: mallory.email, role: 'viewer', actor: CLI_ACTOR });
  const late = await readInvitationLink(kernel, mallory.email);
  civitas.advance(72 * 60 * 60 * 1000);
  const expired = await intruder.get(late);
  assert.equal(expired.status, 410);
  assert.equal(pageHeading(expired), 'This invitation has expired');
  assert.equal((await organisations.listMembers(organisation.id)).length, 1);
});
