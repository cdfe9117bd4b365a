import assert from 'node:assert/strict';
import { test } from 'node:test';
import { pageHeading, type FormClient, type FormPage } from '../../identity/testing/identity-testing.contract.ts';
import { createOrganisationStore } from '../organisations/organisation.store.ts';
import { CLI_ACTOR } from '../organisations/organisations.ts';
import { acceptInvitation, equipService, openSigningIn, readInvitationLink, startConsole } from './console-pages.test-kit.ts';

type Ids = { org: string; service: string; member: string; client: string; notifyKey: string; payKey: string; invitation: string };
/** Who may use a route: any member, owners only, or owners and developers (keys and clients). */
type Access = 'member' | 'owner' | 'builder';
type Route = { method: 'GET' | 'POST'; url: string; access: Access; fields?: Record<string, string> };

/** Every URL of an organisation's pages, with the methods it answers and who may use it. */
function organisationRoutes(ids: Ids): Route[] {
  const base = `/console/organisations/${ids.org}`;
  const service = `${base}/services/${ids.service}`;
  return [
    { method: 'GET', url: base, access: 'member' },
    { method: 'GET', url: service, access: 'member' },
    { method: 'GET', url: `${base}/services/new`, access: 'owner' },
    { method: 'POST', url: `${base}/services/new`, access: 'owner', fields: { name: 'Planted service' } },
    { method: 'GET', url: `${base}/members/invite`, access: 'owner' },
    { method: 'POST', url: `${base}/members/invite`, access: 'owner', fields: { email: 'mallory@example.gov.uk', role: 'owner' } },
    { method: 'GET', url: `${base}/members/${ids.member}/role`, access: 'owner' },
    { method: 'POST', url: `${base}/members/${ids.member}/role`, access: 'owner', fields: { role: 'viewer' } },
    { method: 'GET', url: `${base}/members/${ids.member}/remove`, access: 'owner' },
    { method: 'POST', url: `${base}/members/${ids.member}/remove`, access: 'owner', fields: {} },
    { method: 'GET', url: `${base}/invitations/${ids.invitation}/withdraw`, access: 'owner' },
    { method: 'POST', url: `${base}/invitations/${ids.invitation}/withdraw`, access: 'owner', fields: {} },
    { method: 'GET', url: `${service}/clients/new`, access: 'builder' },
    {
      method: 'POST',
      url: `${service}/clients/new`,
      access: 'builder',
      fields: { redirectUris: 'https://evil.example/callback', jwksUri: 'https://evil.example/jwks', levels: 'Cl', requirePkce: 'no' },
    },
    { method: 'GET', url: `${service}/clients/${ids.client}/redirect-uris`, access: 'builder' },
    { method: 'POST', url: `${service}/clients/${ids.client}/redirect-uris`, access: 'builder', fields: { redirectUris: 'https://evil.example/callback' } },
    { method: 'POST', url: `${service}/notify/service`, access: 'builder', fields: {} },
    { method: 'GET', url: `${service}/notify/keys/new`, access: 'builder' },
    { method: 'POST', url: `${service}/notify/keys/new`, access: 'builder', fields: { name: 'Planted', keyType: 'normal' } },
    { method: 'GET', url: `${service}/notify/keys/${ids.notifyKey}/revoke`, access: 'builder' },
    { method: 'POST', url: `${service}/notify/keys/${ids.notifyKey}/revoke`, access: 'builder', fields: {} },
    { method: 'POST', url: `${service}/pay/account`, access: 'builder', fields: {} },
    { method: 'GET', url: `${service}/pay/keys/new`, access: 'builder' },
    { method: 'POST', url: `${service}/pay/keys/new`, access: 'builder', fields: { description: 'Planted' } },
    { method: 'GET', url: `${service}/pay/keys/${ids.payKey}/revoke`, access: 'builder' },
    { method: 'POST', url: `${service}/pay/keys/${ids.payKey}/revoke`, access: 'builder', fields: {} },
  ];
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
  const equippedA = await equipService(civitas.onboarding, serviceA);
  const equippedB = await equipService(civitas.onboarding, serviceB);
  const invitationOfB = (await organisations.listPendingInvitations(b.id))[0]?.id as string;
  const idsOfB = { org: b.id, service: serviceB.id, member: 'member-of-b', client: equippedB.clientId, notifyKey: equippedB.notifyKeyId, payKey: equippedB.payKeyId, invitation: invitationOfB };
  const bIds = [serviceB.id, 'member-of-b', equippedB.clientId, equippedB.notifyKeyId, equippedB.payKeyId, invitationOfB];
  const namesB = (route: Route) => bIds.some((id) => route.url.includes(id));

  const browser = civitas.browser();
  const home = await acceptInvitation(browser, alice, await readInvitationLink(kernel, alice.email));
  assert.equal(pageHeading(home), 'Organisation A');
  const memberA = (await organisations.listMembers(a.id))[0]?.id as string;
  const csrfPage = await browser.get(`/console/organisations/${a.id}/services/new`);
  assert.equal(csrfPage.status, 200);

  // Owner of A: every one of A's pages opens (the table covers every route).
  const { invitationId: invitationOfA } = await organisations.invite({ organisationId: a.id, email: 'carol@example.gov.uk', role: 'viewer', actor: CLI_ACTOR });
  const idsOfA = { org: a.id, service: serviceA.id, member: memberA, client: equippedA.clientId, notifyKey: equippedA.notifyKeyId, payKey: equippedA.payKeyId, invitation: invitationOfA };
  for (const route of organisationRoutes(idsOfA).filter((route) => route.method === 'GET')) {
    assert.equal(await ask(browser, csrfPage, route), 200, `${route.method} ${route.url}`);
  }
  const attacks = [
    ...organisationRoutes(idsOfB),
    // B's service, member, client and keys under A's address, and under A's own service.
    ...organisationRoutes({ ...idsOfB, org: a.id }).filter(namesB),
    ...organisationRoutes({ ...idsOfB, org: a.id, service: serviceA.id }).filter(namesB),
    ...organisationRoutes({ ...idsOfB, org: 'no-such-organisation' }),
  ];
  for (const route of attacks) {
    assert.equal(await ask(browser, csrfPage, route), 404, `${route.method} ${route.url}`);
  }
  assert.deepEqual((await organisations.listServices(b.id)).map((service) => service.name), ['Service of B'], 'nothing planted in B');
  assert.deepEqual((await organisations.listMembers(b.id)).map((member) => member.role), ['owner'], "B's member unchanged");
  assert.equal((await organisations.listPendingInvitations(b.id)).length, 1, 'no invitation sent for B');
  // B's client and keys are as they were: A's owner could neither change nor revoke them by id.
  assert.deepEqual((await civitas.onboarding.listClients(serviceB)).map((client) => client.redirectUris), [['https://service.example.gov.uk/callback']]);
  assert.deepEqual((await civitas.onboarding.listNotifyKeys(serviceB)).map((key) => [key.name, key.revokedAt]), [['Existing key', null]]);
  assert.deepEqual((await civitas.onboarding.listPayKeys(serviceB)).map((key) => [key.description, key.revokedAt]), [['Existing key', null]]);
  assert.equal((await civitas.onboarding.listNotifyKeys(serviceA)).filter((key) => key.revokedAt === null).length, 1, "nothing made in A's service either");
  assert.doesNotMatch((await browser.get('/console')).html, /Organisation B/, 'B is not listed');

  // Signed out, every organisation URL sends the person to sign in, whoever's it is.
  for (const route of organisationRoutes(idsOfB).filter((route) => route.method === 'GET')) {
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
  assert.equal((await operator.get(`/console/organisations/${b.id}/services/${serviceB.id}`)).status, 200);
  assert.equal((await operator.get(`/console/organisations/${b.id}/services/${serviceB.id}/notify/keys/new`)).status, 403, 'an operator makes no keys for a team');
});

test('a viewer gets 403 for every owner and developer action, a developer for every owner action, and nothing changes', async (t) => {
  const civitas = await startConsole(t);
  const { organisations, kernel } = civitas;
  const vera = await civitas.account('vera@example.gov.uk');
  const { organisation } = await organisations.createOrganisation({ name: 'Organisation A', ownerEmail: 'owner@example.gov.uk', actor: CLI_ACTOR });
  const service = await organisations.createService({ organisationId: organisation.id, name: 'Service of A', actor: CLI_ACTOR });
  await createOrganisationStore(kernel.db).insertMembership({ id: 'the-owner', organisation_id: organisation.id, person_key: 'sub-owner', email: 'owner@example.gov.uk', role: 'owner', created_at: new Date().toISOString() });
  const equipped = await equipService(civitas.onboarding, service);
  await organisations.invite({ organisationId: organisation.id, email: vera.email, role: 'viewer', actor: CLI_ACTOR });
  const browser = civitas.browser();
  await acceptInvitation(browser, vera, await readInvitationLink(kernel, vera.email));
  // The start page's sign-out form gives a valid CSRF token: a 403 below is the role's, not a missing token's.
  const csrfPage = await browser.get('/console');
  assert.match(csrfPage.html, /name="_csrf" value="[^"]+"/);
  const { invitationId: pending } = await organisations.invite({ organisationId: organisation.id, email: 'carol@example.gov.uk', role: 'viewer', actor: CLI_ACTOR });
  const veraId = (await organisations.findMembership(organisation.id, (await organisations.listMembers(organisation.id)).find((member) => member.email === vera.email)?.person_key as string))?.id as string;

  for (const role of ['viewer', 'developer'] as const) {
    await createOrganisationStore(kernel.db).setRole(veraId, role);
    for (const member of ['the-owner', veraId]) {
      const ids = { org: organisation.id, service: service.id, member, client: equipped.clientId, notifyKey: equipped.notifyKeyId, payKey: equipped.payKeyId, invitation: pending };
      for (const route of organisationRoutes(ids)) {
        // A developer's own actions are the subject of the onboarding tests; here only that the pages open.
        if (role === 'developer' && route.access === 'builder' && route.method === 'POST') continue;
        const allowed = route.access === 'member' || (role === 'developer' && route.access === 'builder');
        assert.equal(await ask(browser, csrfPage, route), allowed ? 200 : 403, `${role}: ${route.method} ${route.url}`);
      }
    }
  }
  assert.equal((await organisations.listServices(organisation.id)).length, 1);
  assert.deepEqual((await organisations.listMembers(organisation.id)).map((member) => member.role).sort(), ['developer', 'owner']);
  assert.equal((await organisations.listPendingInvitations(organisation.id)).length, 2, "the first owner's invitation and Carol's, neither withdrawn");
  assert.equal((await civitas.onboarding.listClients(service)).length, 1, 'no client registered');
  assert.deepEqual((await civitas.onboarding.listNotifyKeys(service)).map((key) => key.revokedAt), [null], 'no Notify key made or revoked');
  assert.deepEqual((await civitas.onboarding.listPayKeys(service)).map((key) => key.revokedAt), [null], 'no Pay key made or revoked');
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
