import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { listRoutes } from '../../../testing/app-routes.ts';
import { createTestApp } from '../../../testing/test-kernel.ts';
import { createServiceNotify } from '../../notify/notify.contract.ts';
import { createServicePay } from '../../pay/pay.contract.ts';
import { equipService, openSigningIn, startWithService } from '../pages/console-pages.test-kit.ts';
import { createConsoleTeam, signInConsoleMember } from './console-teams-testing.contract.ts';

/** Every team page route of Notify, Pay, Exchange, the Marketplace and Forms (builder and submissions), read from the app itself (so a new one is tested without being listed here). */
function listTeamRoutes(app: FastifyInstance): Array<{ method: string; pattern: string }> {
  return listRoutes(app).filter(({ pattern }) => /^\/console\/(notify|pay|exchange|marketplace)\/|^\/console\/forms\/:organisationId(\/|$)/.test(pattern));
}

/** A real address for a route: the component's id in its place, a well-formed value for every other parameter. */
function fill(pattern: string, ids: { notify: string; pay: string; exchange: string }): string {
  return pattern
    .replace(/:serviceId\([^)]*\)/, ids.notify)
    .replace(':accountId', ids.pay)
    .replace(':organisationId', ids.exchange)
    .replace(':answerType', 'text')
    .replace(/:(\w+)\(([^)]*)\)/g, (_all, _name: string, rule: string) => (rule.includes('|') ? (rule.split('|')[0] as string) : randomUUID()))
    .replace(/:(\w+)/g, () => randomUUID());
}

async function startTwoOrganisations(t: Parameters<typeof createTestApp>[0]) {
  const { app, kernel } = await createTestApp(t);
  const notify = createServiceNotify(kernel);
  const pay = createServicePay({ db: kernel.db, config: kernel.config, audit: kernel.audit });
  const component = async (name: string) => ({
    notify: (await notify.createService({ name, actor: 'operator:test' })).id,
    pay: (await pay.createAccount({ name, actor: 'operator:test' })).id,
  });
  const ourComponents = await component('Ours');
  const theirComponents = await component('Theirs');
  const ourTeam = await createConsoleTeam(app, { notifyServiceId: ourComponents.notify, payAccountId: ourComponents.pay, name: 'Department A' });
  const theirTeam = await createConsoleTeam(app, { notifyServiceId: theirComponents.notify, payAccountId: theirComponents.pay, name: 'Department B' });
  // Exchange's pages are the organisation's own.
  const ours = { ...ourComponents, exchange: ourTeam.organisationId };
  const theirs = { ...theirComponents, exchange: theirTeam.organisationId };
  const routes = listTeamRoutes(app);
  assert.ok(routes.filter((route) => route.pattern.startsWith('/console/notify/')).length >= 14, 'every Notify team route is found (callbacks too)');
  assert.ok(routes.filter((route) => route.pattern.startsWith('/console/pay/')).length >= 11, 'every Pay team route is found');
  assert.ok(routes.filter((route) => route.pattern.startsWith('/console/exchange/')).length >= 4, 'every Exchange team route is found');
  assert.ok(routes.filter((route) => route.pattern.startsWith('/console/forms/') && route.pattern.includes('/submissions')).length >= 5, "every Forms submissions route is found");
  assert.ok(routes.filter((route) => route.pattern.startsWith('/console/forms/') && route.pattern.includes('/pages/')).length >= 8, "every Forms builder route is found");

  /** One browser's cookies (its CSRF secret kept) under whichever console identity the test gives it. */
  const jar = new Map<string, string>();
  const send = async (method: string, url: string) => {
    const response = await app.inject({
      method: method as 'GET' | 'POST',
      url,
      headers: {
        accept: 'text/html',
        cookie: [...jar].map(([name, value]) => `${name}=${value}`).join('; '),
        ...(method === 'GET' ? {} : { 'content-type': 'application/x-www-form-urlencoded' }),
      },
      ...(method === 'GET' ? {} : { payload: new URLSearchParams({ _csrf: csrf, status: 'active', type: 'email', amount: '100', available: '100' }).toString() }),
    });
    for (const cookie of response.cookies) if (cookie.name !== 'console_session') jar.set(cookie.name, cookie.value);
    return response;
  };
  const signInAs = async (role: 'owner' | 'developer' | 'viewer' | undefined) => {
    jar.delete('console_session');
    if (!role) return undefined;
    const member = await signInConsoleMember(app, { organisationId: ourTeam.organisationId, role });
    jar.set(member.cookieName, member.cookieValue);
    return member;
  };
  // A CSRF token for this browser, from a form of our own team's pages: every POST below carries it.
  await signInAs('developer');
  let csrf = '';
  const form = await send('GET', `/console/notify/${ours.notify}/templates/new`);
  csrf = /name="_csrf" value="([^"]+)"/.exec(form.body)?.[1] ?? '';
  assert.ok(csrf);
  return { app, kernel, ours, theirs, ourTeam, routes, send, signInAs, jar };
}

test("a member of organisation A gets 404 for every team route of organisation B's Notify service and Pay account, whatever their role", async (t) => {
  const { theirs, routes, send, signInAs } = await startTwoOrganisations(t);
  for (const role of ['owner', 'developer', 'viewer'] as const) {
    await signInAs(role);
    for (const route of routes) {
      const url = fill(route.pattern, theirs);
      const response = await send(route.method, url);
      assert.equal(response.statusCode, 404, `${role}: ${route.method} ${url}`);
      assert.doesNotMatch(response.body, /Theirs|Department B/, `${role}: ${route.method} ${url} names nothing of theirs`);
    }
  }
});

test('a viewer gets a 403 page for every change on the team pages and changes nothing; reading is let in', async (t) => {
  const { kernel, ours, ourTeam, routes, send, signInAs } = await startTwoOrganisations(t);
  const before = (await kernel.audit.listRecent({ limit: 500 })).length;
  await signInAs('viewer');
  for (const route of routes.filter((each) => each.method !== 'GET')) {
    const url = fill(route.pattern, ours);
    const response = await send(route.method, url);
    assert.equal(response.statusCode, 403, `${route.method} ${url}`);
    assert.match(response.body, /You cannot change this/);
    const wayBack = /^\/console\/(exchange|marketplace|forms)\//.test(route.pattern) ? `/console/organisations/${ourTeam.organisationId}` : ourTeam.servicePath;
    assert.match(response.body, new RegExp(`href="${wayBack}"`), 'a way back to the console');
  }
  assert.equal((await kernel.audit.listRecent({ limit: 500 })).length, before, 'nothing was done');
  for (const path of [`/console/notify/${ours.notify}`, `/console/notify/${ours.notify}/notifications`, `/console/pay/${ours.pay}/test/transactions`, `/console/pay/${ours.pay}/test/webhooks`, `/console/exchange/${ours.exchange}`]) {
    const page = await send('GET', path);
    assert.equal(page.statusCode, 200, path);
    assert.doesNotMatch(page.body, /Add a template|Add a webhook|Ask to become a member/, `${path}: no way to change offered`);
  }
});

test('a person signed out (or with a forged session cookie) is sent to the console sign-in (and back to the page after) from every team route', async (t) => {
  const { app, ours, theirs, routes, send, signInAs, jar } = await startTwoOrganisations(t);
  // A session token not signed by this Civitas, or signed but never issued, is no session.
  const forged = ['A'.repeat(43), app.signCookie('A'.repeat(43))];
  for (const cookie of [undefined, ...forged]) {
    await signInAs(undefined);
    if (cookie) jar.set('console_session', cookie);
    const response = await send('GET', `/console/notify/${ours.notify}`);
    assert.equal(response.statusCode, 303, String(cookie));
  }
  await signInAs(undefined);
  for (const ids of [ours, theirs]) {
    for (const route of routes) {
      const url = fill(route.pattern, ids);
      const response = await send(route.method, url);
      assert.equal(response.statusCode, 303, `${route.method} ${url}`);
      const back = route.method === 'GET' ? url : '/console';
      assert.equal(response.headers.location, `/console/sign-in?return=${encodeURIComponent(back)}`, `${route.method} ${url}`);
    }
  }
});

test("through One Login: the console's service page links to its Notify and Pay team pages; signed out, a team page signs the person in and comes back to it", async (t) => {
  const { civitas, owner, browser, service, servicePath } = await startWithService(t);
  await equipService(civitas.onboarding, service);
  const notifyServiceId = await civitas.onboarding.notifyServiceOf(service);
  const payAccountId = await civitas.onboarding.payAccountOf(service);
  const servicePage = await browser.get(`${civitas.baseUrl}${servicePath}`);
  const notifyPages = `/console/notify/${notifyServiceId}`;
  const payPages = `/console/pay/${payAccountId}/test/transactions`;
  for (const link of [notifyPages, payPages]) {
    assert.match(servicePage.html, new RegExp(`href="${link}"`));
    const page = await browser.get(`${civitas.baseUrl}${link}`);
    assert.equal(page.status, 200, link);
    assert.match(page.html, new RegExp(`href="${servicePath}"`), `${link} links back to the console's service page`);
  }

  const elsewhere = civitas.browser();
  const signedIn = await openSigningIn(elsewhere, owner, `${civitas.baseUrl}${notifyPages}/templates/new`);
  assert.equal(signedIn.status, 200);
  assert.equal(new URL(signedIn.url).pathname, `${notifyPages}/templates/new`, 'back where the person was going');
  assert.match(signedIn.html, /What kind of template do you want to add\?/);
});
