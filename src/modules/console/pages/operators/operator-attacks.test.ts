import assert from 'node:assert/strict';
import { test } from 'node:test';
import { openGuidanceLibrary } from '../../../guidance/guidance.contract.ts';
import { findSecurityMethodsOf, createInternalRelyingParty } from '../../../identity/identity.contract.ts';
import { pageHeading, type FormClient, type FormPage } from '../../../identity/testing/identity-testing.contract.ts';
import { secretBoxesOf } from '../../../../platform/secrets/secret-box.ts';
import { createOperatorStore } from '../../operators/operator.store.ts';
import { CLI_ACTOR } from '../../organisations/organisations.ts';
import { acceptInvitation, openSigningIn, readInvitationLink } from '../console-pages.test-kit.ts';
import { leaveOnlyTextMessages, makeFailedJob, startWithOperator } from './operator-pages.test-kit.ts';

type Ids = { job: string; operator: string; member: string };
/** A made-up Exchange member id: the gate answers before the page looks for it. */
const MEMBER = '00000000-0000-4000-8000-000000000000';
/** A guidance page the operator routes of Guidance's authoring name (the first test makes it, so the operator's GETs answer 200). */
const GUIDANCE_PAGE = 'fishing-permits';
/** `recent`: asks for a sign-in in the last 15 minutes, returning to `returnTo` (the route itself if unset). */
type Route = { method: 'GET' | 'POST'; url: string; fields?: Record<string, string>; recent?: boolean; returnTo?: string };

/** Every operator route, with the methods it answers and whether it asks for a recent sign-in. */
function operatorRoutes(ids: Ids): Route[] {
  const base = '/console/operator';
  return [
    { method: 'GET', url: base },
    { method: 'GET', url: `${base}/organisations` },
    { method: 'GET', url: `${base}/audit` },
    { method: 'POST', url: `${base}/audit/verify` },
    { method: 'GET', url: `${base}/jobs` },
    { method: 'POST', url: `${base}/jobs/${ids.job}/retry` },
    { method: 'POST', url: `${base}/jobs/retry-all` },
    { method: 'GET', url: `${base}/signing-keys` },
    { method: 'POST', url: `${base}/signing-keys/rotate`, recent: true, returnTo: `${base}/signing-keys` },
    { method: 'GET', url: `${base}/retention` },
    { method: 'GET', url: `${base}/health` },
    { method: 'GET', url: `${base}/operators` },
    { method: 'GET', url: `${base}/operators/add`, recent: true },
    { method: 'POST', url: `${base}/operators/add`, fields: { email: 'mallory@example.gov.uk' }, recent: true },
    { method: 'GET', url: `${base}/operators/${ids.operator}/remove`, recent: true },
    { method: 'POST', url: `${base}/operators/${ids.operator}/remove`, recent: true },
    // Exchange's, gated by the console through team access.
    { method: 'GET', url: `${base}/exchange-members` },
    { method: 'POST', url: `${base}/exchange-members/${ids.member}/approve` },
    { method: 'POST', url: `${base}/exchange-members/${ids.member}/refuse` },
    // Guidance's authoring pages, gated the same way.
    { method: 'GET', url: `${base}/guidance` },
    { method: 'GET', url: `${base}/guidance/new` },
    { method: 'POST', url: `${base}/guidance/new`, fields: { title: 'Mallory', slug: 'mallory', type: 'answer', lang: 'en', body: 'Hi', action: 'publish' } },
    { method: 'GET', url: `${base}/guidance/${GUIDANCE_PAGE}/en/edit` },
    { method: 'POST', url: `${base}/guidance/${GUIDANCE_PAGE}/en/edit`, fields: { title: 'Mallory', body: 'Hi', action: 'publish' } },
    { method: 'GET', url: `${base}/guidance/${GUIDANCE_PAGE}/en/history` },
    { method: 'GET', url: `${base}/guidance/${GUIDANCE_PAGE}/en/versions/1` },
    { method: 'POST', url: `${base}/guidance/${GUIDANCE_PAGE}/en/versions/1/publish` },
  ];
}

async function ask(browser: FormClient, csrfPage: FormPage, route: Route): Promise<{ status: number; location: string; html: string }> {
  if (route.method === 'GET') {
    const response = await fetch(new URL(route.url, csrfPage.url), { redirect: 'manual', headers: { accept: 'text/html', cookie: [...browser.cookies].map(([name, value]) => `${name}=${value}`).join('; ') } });
    return { status: response.status, location: response.headers.get('location') ?? '', html: await response.text() };
  }
  const response = await browser.post({ ...csrfPage, url: new URL(route.url, csrfPage.url).toString() }, route.fields ?? {});
  return { status: response.status, location: response.headers.get('location') ?? '', html: await response.text() };
}

/** Nothing an attempt could have changed has changed: the failed job, the keys' states, the operators, no audit event by the attacker. */
async function snapshot(civitas: Awaited<ReturnType<typeof startWithOperator>>['civitas']) {
  const { kernel } = civitas;
  return JSON.stringify({
    failed: (await kernel.jobs.list({ status: 'failed' })).map((job) => job.id),
    operators: (await createOperatorStore(kernel.db).list()).map((row) => row.email),
    events: (await kernel.audit.search({ action: 'console', limit: 500 })).filter((event) => !/\.(bound|added)$/.test(event.action)).length,
    keys: (await kernel.audit.search({ action: 'identity.signing-keys.rotated' })).length,
    guidance: (await kernel.audit.search({ action: 'guidance', limit: 500 })).length,
  });
}

test('every operator route: signed out goes to sign-in, a member who is not an operator gets 404, an operator with text messages only is told to add a passkey; nothing changes', async (t) => {
  const { civitas, browser: operatorBrowser } = await startWithOperator(t);
  const { kernel, organisations } = civitas;
  const job = await makeFailedJob(kernel, 'test.broken', 'refused');
  const other = await organisations.addOperator({ email: 'second@example.gov.uk', actor: CLI_ACTOR });
  const routes = operatorRoutes({ job, operator: other.operatorId, member: MEMBER });
  await openGuidanceLibrary({ db: kernel.db, audit: kernel.audit }).save({
    draft: { slug: GUIDANCE_PAGE, lang: 'en', title: 'Fishing permits', description: '', content: { type: 'answer', body: 'Yes.' } },
    actor: CLI_ACTOR.audit,
    publish: false,
  });

  // An owner of an organisation, signed in, but no operator.
  const owner = await civitas.account('owner@example.gov.uk');
  const { organisation } = await organisations.createOrganisation({ name: 'Department for Fishing', ownerEmail: owner.email, actor: CLI_ACTOR });
  const member = civitas.browser();
  await acceptInvitation(member, owner, await readInvitationLink(kernel, owner.email));
  const memberCsrf = await member.get(`/console/organisations/${organisation.id}/services/new`);
  assert.equal(memberCsrf.status, 200);

  // Signed out: a CSRF token from a public form (One Login's sign-in page), no console session.
  const stranger = civitas.browser();
  const strangerCsrf = await stranger.get(`${(await stranger.get('/console/sign-in')).url}/email`);
  assert.match(strangerCsrf.html, /name="_csrf"/);

  // An operator whose One Login now has text messages only.
  const weak = await civitas.account('weak@example.gov.uk');
  await organisations.addOperator({ email: weak.email, actor: CLI_ACTOR });
  const weakBrowser = civitas.browser();
  assert.equal((await openSigningIn(weakBrowser, weak, '/console/operator')).status, 200);
  const weakCsrf = await weakBrowser.get('/console');
  await leaveOnlyTextMessages(kernel, weak);

  const before = await snapshot(civitas);
  for (const route of routes) {
    const name = `${route.method} ${route.url}`;
    const signedOut = await ask(stranger, strangerCsrf, route);
    assert.equal(signedOut.status, 303, `signed out: ${name}`);
    assert.equal(signedOut.location, `/console/sign-in?return=${encodeURIComponent(route.url)}`, `signed out: ${name}`);

    const notOperator = await ask(member, memberCsrf, route);
    assert.equal(notOperator.status, 404, `not an operator: ${name}`);

    const textOnly = await ask(weakBrowser, weakCsrf, route);
    assert.equal(textOnly.status, 403, `text messages only: ${name}`);
    assert.equal(pageHeading({ url: '', status: 403, html: textOnly.html }), 'Add a passkey or an authenticator app to your One Login', name);
    assert.match(textOnly.html, /href="\/account"/);
  }
  assert.equal(await snapshot(civitas), before, 'no attempt changed anything');
  // Another organisation's pages are an operator's too: refused the same way without a strong method.
  const organisationPath = `/console/organisations/${organisation.id}`;
  const otherOrganisation = await ask(weakBrowser, weakCsrf, { method: 'GET', url: organisationPath });
  assert.equal(otherOrganisation.status, 403);
  assert.match(otherOrganisation.html, /Add a passkey or an authenticator app to your One Login/);
  assert.doesNotMatch((await weakBrowser.get('/console')).html, /Department for Fishing/, 'the start page lists only their own organisations');
  assert.equal((await operatorBrowser.get(organisationPath)).status, 200);
  assert.match((await operatorBrowser.get('/console')).html, /Department for Fishing/);
  const home = await member.get('/console');
  assert.doesNotMatch(home.html, /href="\/console\/operator"/, 'no operator navigation for members');

  // The operator's own browser still opens everything (the table covers every route).
  const csrf = await operatorBrowser.get('/console/operator/jobs');
  for (const route of routes.filter((candidate) => candidate.method === 'GET')) {
    assert.equal((await ask(operatorBrowser, csrf, route)).status, 200, route.url);
  }
});

test('every operator form needs its CSRF token, and the sensitive ones a sign-in in the last 15 minutes', async (t) => {
  const { civitas, browser } = await startWithOperator(t);
  const job = await makeFailedJob(civitas.kernel, 'test.broken', 'refused');
  const other = await civitas.organisations.addOperator({ email: 'second@example.gov.uk', actor: CLI_ACTOR });
  const routes = operatorRoutes({ job, operator: other.operatorId, member: MEMBER });
  const noToken = { url: `${civitas.baseUrl}/console/operator`, status: 200, html: '' };
  const before = await snapshot(civitas);
  for (const route of routes.filter((candidate) => candidate.method === 'POST')) {
    assert.equal((await ask(browser, noToken, route)).status, 403, `no CSRF token: ${route.url}`);
  }
  assert.equal(await snapshot(civitas), before);

  civitas.advance(16 * 60 * 1000);
  const csrf = await browser.get('/console/operator/jobs');
  for (const route of routes.filter((candidate) => candidate.recent)) {
    const answer = await ask(browser, csrf, route);
    assert.equal(answer.status, 303, route.url);
    assert.equal(answer.location, `/console/sign-in?return=${encodeURIComponent(route.returnTo ?? route.url)}&recent=1`, route.url);
  }
  assert.equal(await snapshot(civitas), before);
});

test('the last operator cannot be removed, and a removed operator loses the pages at once', async (t) => {
  const { civitas, browser } = await startWithOperator(t);
  const store = createOperatorStore(civitas.kernel.db);
  const [self] = await store.list();
  assert.ok(self);
  // Another operator signs in and removes the first; then the first's open session is refused.
  const second = await civitas.account('second@example.gov.uk');
  await civitas.organisations.addOperator({ email: second.email, actor: CLI_ACTOR });
  const secondBrowser = civitas.browser();
  const form = await openSigningIn(secondBrowser, second, `/console/operator/operators/${self.id}/remove`);
  assert.equal(form.status, 200);
  const removed = await secondBrowser.submit(form, {});
  assert.match(removed.url, /done=removed$/);
  assert.equal((await browser.get('/console/operator')).status, 404);

  // Now one operator is left: removing them is refused even when asked by id (as a race would).
  const [last] = await store.list();
  assert.ok(last);
  await assert.rejects(
    () => (async () => {
      const { createOperators } = await import('../../operators/operators.ts');
      const operators = createOperators({ db: civitas.kernel.db, audit: civitas.kernel.audit, organisations: civitas.organisations, securityMethodsOf: async () => [{ kind: 'auth-app', settled: true }] });
      await operators.remove({ operatorId: last.id, actor: CLI_ACTOR, by: { personKey: 'someone-else', email: 'someone@example.gov.uk' } });
    })(),
    { code: 'console.LAST_OPERATOR' },
  );
  assert.equal((await store.list()).length, 1);
  const lastForm = await secondBrowser.get(`/console/operator/operators/${last.id}/remove`);
  assert.equal(lastForm.status, 200);
  const refused = await secondBrowser.submit(lastForm, {});
  assert.equal(refused.status, 400, 'the last operator is oneself here: refused');
});

test("One Login reports security methods only for the subject it gave the console: another account's subject, or an email address moved, finds nothing", async (t) => {
  const { civitas } = await startWithOperator(t);
  const relyingParty = createInternalRelyingParty(civitas.kernel.db, { name: 'console', displayName: 'Civitas console', baseUrl: civitas.kernel.config.BASE_URL, callbackPath: '/console/callback', signedOutPath: '/console/signed-out' }, secretBoxesOf(civitas.kernel.config));
  const [session] = await civitas.kernel.db.withTables<{ console_session: { person_key: string; email: string } }>().selectFrom('console_session').select(['person_key', 'email']).execute();
  assert.ok(session);
  assert.deepEqual(await findSecurityMethodsOf(civitas.kernel.db, { relyingParty, subject: session.person_key, email: session.email }), [{ kind: 'auth-app', settled: true }]);
  const other = await civitas.account('other@example.gov.uk');
  assert.equal(await findSecurityMethodsOf(civitas.kernel.db, { relyingParty, subject: session.person_key, email: other.email }), undefined);
  assert.equal(await findSecurityMethodsOf(civitas.kernel.db, { relyingParty, subject: 'urn:fdc:civitas:2024:forged', email: session.email }), undefined);
  assert.equal(await findSecurityMethodsOf(civitas.kernel.db, { relyingParty, subject: session.person_key, email: 'nobody@example.gov.uk' }), undefined);
});

test('attacker: an operator whose session was opened by a text-message sign-in is sent to sign in again with a passkey or app, even after adding one; the ID token says how the sign-in was made', async (t) => {
  const { civitas, browser } = await startWithOperator(t);
  const { kernel } = civitas;
  type SessionTable = { console_session: { authentication_methods: string } };
  const sessions = kernel.db.withTables<SessionTable>();
  assert.deepEqual((await sessions.selectFrom('console_session').select('authentication_methods').execute()).map((row) => row.authentication_methods), ['pwd otp'], 'a sign-in with the authenticator app says otp');

  // The same session as if One Login had been passed with a code sent by text message, the
  // account holding an authenticator app all the same (added after, or chosen not to be used).
  await sessions.updateTable('console_session').set({ authentication_methods: 'pwd sms' }).execute();
  const csrfPage = await browser.get('/console');
  for (const route of operatorRoutes({ job: 'any-job', operator: 'any-operator', member: MEMBER })) {
    const answer = await ask(browser, csrfPage, route);
    assert.equal(answer.status, 403, `${route.method} ${route.url}`);
    if (route.method === 'GET') {
      assert.match(answer.html, /Sign in again with your passkey or authenticator app/, route.url);
      assert.ok(answer.html.includes(`/console/sign-in?return=${encodeURIComponent(route.url)}&amp;recent=now`), `${route.url}: signing in again comes back here`);
    }
  }
  const signInAgain = await fetch(new URL('/console/sign-in?return=%2Fconsole%2Foperator&recent=now', civitas.baseUrl), { redirect: 'manual' });
  assert.equal(signInAgain.status, 303);
  assert.equal(new URL(signInAgain.headers.get('location') ?? '').searchParams.get('max_age'), '0', 'One Login is asked to sign the person in again, whatever their session');
});

test('attacker: audit paging past the largest sequence, or not a whole number, is refused with 400, never a 500', async (t) => {
  const { browser } = await startWithOperator(t);
  for (const query of ['before=2147483648', 'after=1e30', 'before=-1', 'after=abc']) {
    assert.equal((await browser.get(`/console/operator/audit?${query}`)).status, 400, query);
  }
  assert.equal((await browser.get('/console/operator/audit?before=2147483647')).status, 200);
});

test('attacker: a passkey or app added to an operator\'s One Login in the last week (after a text message or the mailbox, say) closes the operators\' pages until it settles', async (t) => {
  const { civitas, browser, operator } = await startWithOperator(t);
  type Tables = { identity_account: { id: string; created_at: string }; identity_security_method: { account_id: string; created_at: string } };
  const tables = civitas.kernel.db.withTables<Tables>();
  const daysAgo = (days: number) => new Date(Date.now() - days * 24 * 60 * 60 * 1000).toISOString();
  await tables.updateTable('identity_account').set({ created_at: daysAgo(30) }).where('id', '=', operator.id).execute();
  await tables.updateTable('identity_security_method').set({ created_at: daysAgo(1) }).where('account_id', '=', operator.id).execute();
  const refused = await browser.get('/console/operator');
  assert.equal(refused.status, 403);
  assert.equal(pageHeading(refused), 'A passkey or authenticator app was added to your One Login in the last week');
  assert.match(refused.html, /open again 7 days after/);
  assert.equal((await browser.get('/console/operator/audit')).status, 403);

  await tables.updateTable('identity_security_method').set({ created_at: daysAgo(8) }).where('account_id', '=', operator.id).execute();
  assert.equal((await browser.get('/console/operator')).status, 200, 'settled a week after it was added');

  // An account made ten minutes ago, its app added five minutes after: not one that came with it.
  const minutesAgo = (minutes: number) => new Date(Date.now() - minutes * 60 * 1000).toISOString();
  const accountMadeAt = minutesAgo(10);
  await tables.updateTable('identity_account').set({ created_at: accountMadeAt }).where('id', '=', operator.id).execute();
  await tables.updateTable('identity_security_method').set({ created_at: minutesAgo(5) }).where('account_id', '=', operator.id).execute();
  assert.equal((await browser.get('/console/operator')).status, 403, 'added in the account\'s first hour is still added after it');
  await tables.updateTable('identity_security_method').set({ created_at: accountMadeAt }).where('account_id', '=', operator.id).execute();
  assert.equal((await browser.get('/console/operator')).status, 200, 'the method the account was made with');
});
