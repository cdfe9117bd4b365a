import assert from 'node:assert/strict';
import { test } from 'node:test';
import { modules } from '../../../app.ts';
import { createWelshWalk } from '../../../testing/english-in-welsh.ts';
import { createTestApp } from '../../../testing/test-kernel.ts';
import { aggregateServiceEvents } from '../../../platform/events/service-event.jobs.ts';
import { createServiceEventStore } from '../../../platform/events/service-event.store.ts';
import { consoleMemberBrowser, createConsoleTeam } from '../../console/teams/console-teams-testing.contract.ts';

const MONTH = new Date().toISOString().slice(0, 7);

test("an owner enters the month's figures (errors on their fields first), publishes, reads comments no one else sees, and stops publishing", async (t) => {
  const { app } = await createTestApp(t);
  const team = await createConsoleTeam(app, {});
  const owner = await consoleMemberBrowser(app, team.organisationId, 'owner');
  const base = `/console/insight/${team.organisationId}`;
  const servicePage = `${base}/services/${team.serviceId}`;

  const organisationPage = await owner.send('GET', `/console/organisations/${team.organisationId}`);
  assert.match(organisationPage.body, new RegExp(`href="${base}"`));
  for (let n = 0; n < 7; n += 1) app.serviceEvents.record({ service: `console-service:${team.serviceId}`, type: n < 4 ? 'forms.form.started' : 'forms.form.submitted', journeyId: `journey-team-${String(n).padStart(8, '0')}` });
  await app.serviceEvents.flush();
  await aggregateServiceEvents({ db: app.db, store: createServiceEventStore(), now: new Date() });
  const list = await owner.send('GET', base);
  assert.equal(list.statusCode, 200);
  const row = /<tr class="govuk-table__row">\s*<th scope="row" class="govuk-table__header">Apply for a fishing licence<\/th>([\s\S]*?)<\/tr>/.exec(list.body)?.[1] ?? '';
  assert.deepEqual([...row.matchAll(/<td[^>]*>([^<]*)<\/td>/g)].map((cell) => cell[1]), ['75%', 'No data', 'No data', 'No data', '3'], "the organisation's table: this month's measures of each service");
  assert.match(list.body, new RegExp(`href="${servicePage}">Apply for a fishing licence<`));

  await owner.send('GET', servicePage);
  for (const [form, message] of [
    [{ nonDigital: 'lots', cost: '' }, /must be a whole number/],
    [{ nonDigital: '', cost: '12.345' }, /must be an amount of money/],
    [{ nonDigital: '', cost: '' }, /Enter transactions by other channels, total cost, or both/],
    [{ nonDigital: '-3', cost: '£-1' }, /must be a whole number[\s\S]*must be an amount of money/],
  ] as const) {
    const refused = await owner.send('POST', `${servicePage}/figures`, { month: MONTH, ...form });
    assert.equal(refused.statusCode, 400, JSON.stringify(form));
    assert.match(refused.body, /govuk-error-summary/);
    assert.match(refused.body, message);
  }
  const saved = await owner.send('POST', `${servicePage}/figures`, { month: MONTH, nonDigital: '1,200', cost: '£2,500.50' });
  assert.equal(saved.statusCode, 303);
  const afterSave = await owner.send('GET', String(saved.headers.location));
  assert.match(afterSave.body, /Your figures were saved/);
  assert.match(afterSave.body, /name="nonDigital"[^>]*value="1200"|value="1200"[^>]*name="nonDigital"/);
  assert.match(afterSave.body, /value="2500.50"/);

  const visitor = await app.inject({ method: 'GET', url: `/feedback/${team.serviceId}` });
  const token = /name="_csrf" value="([^"]+)"/.exec(visitor.body)?.[1] ?? '';
  const cookie = visitor.cookies.map((c) => `${c.name}=${c.value}`).join('; ');
  const sent = await app.inject({ method: 'POST', url: `/feedback/${team.serviceId}`, headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' }, payload: new URLSearchParams({ _csrf: token, rating: '2', comment: 'The <b>upload</b> page timed out' }).toString() });
  assert.equal(sent.statusCode, 303);
  const withComment = await owner.send('GET', servicePage);
  assert.match(withComment.body, /Dissatisfied, /);
  assert.match(withComment.body, /The &lt;b&gt;upload&lt;\/b&gt; page timed out/, 'the comment is shown, escaped');

  const badSlug = await owner.send('POST', `${servicePage}/publish`, { slug: 'fishing licences!' });
  assert.equal(badSlug.statusCode, 400);
  assert.match(badSlug.body, /only lower-case letters, numbers and single hyphens/);
  assert.equal((await owner.send('POST', `${servicePage}/publish`, { slug: 'apply-for-a-fishing-licence' })).statusCode, 303);
  const published = await app.inject({ method: 'GET', url: '/performance/apply-for-a-fishing-licence' });
  assert.equal(published.statusCode, 200);
  assert.doesNotMatch(published.body, /upload/, 'comments stay in the console');
  assert.match((await owner.send('GET', base)).body, /published at \/performance\/apply-for-a-fishing-licence/);

  // What a person wrote is shown as they wrote it.
  const walk = createWelshWalk(modules, { names: ['Apply for a fishing licence', 'Department for Fishing', 'The <b>upload</b> page timed out'] });
  for (const path of [base, servicePage]) walk.check((await owner.send('GET', `${path}?lang=cy`)).body, path);
  walk.check((await owner.send('POST', `${servicePage}/figures?lang=cy`, { month: MONTH, nonDigital: 'x', cost: 'y' })).body, 'figures with errors');
  assert.equal(walk.report(), '', 'English on Welsh pages');

  for (let press = 0; press < 2; press += 1) assert.equal((await owner.send('POST', `${servicePage}/unpublish`)).statusCode, 303, 'a second press changes nothing');
  assert.equal((await app.inject({ method: 'GET', url: '/performance/apply-for-a-fishing-licence' })).statusCode, 404);
});

test('attacker: a viewer reads but cannot change; another organisation and the signed-out see nothing; a forged month or service is not found', async (t) => {
  const { app } = await createTestApp(t);
  const team = await createConsoleTeam(app, {});
  const other = await createConsoleTeam(app, { name: 'Department for Rivers' });
  const servicePage = `/console/insight/${team.organisationId}/services/${team.serviceId}`;

  const viewer = await consoleMemberBrowser(app, team.organisationId, 'viewer');
  const read = await viewer.send('GET', servicePage);
  assert.equal(read.statusCode, 200);
  assert.doesNotMatch(read.body, /action="[^"]*\/figures"/, 'no form to change figures');
  assert.match(read.body, /Only owners and developers can enter figures/);
  for (const action of ['figures', 'publish', 'unpublish']) assert.equal((await viewer.send('POST', `${servicePage}/${action}`, { month: MONTH, nonDigital: '1', slug: 'x' })).statusCode, 403, action);

  const stranger = await consoleMemberBrowser(app, other.organisationId, 'owner');
  for (const path of [`/console/insight/${team.organisationId}`, servicePage, `/console/insight/${other.organisationId}/services/${team.serviceId}`]) {
    assert.equal((await stranger.send('GET', path)).statusCode, 404, path);
  }
  assert.equal((await stranger.send('POST', `/console/insight/${other.organisationId}/services/${team.serviceId}/publish`, { slug: 'stolen' })).statusCode, 404, "another organisation's service under one's own");
  assert.equal((await app.inject({ method: 'GET', url: '/performance/stolen' })).statusCode, 404);

  const signedOut = await app.inject({ method: 'GET', url: servicePage });
  assert.equal(signedOut.statusCode, 303);
  assert.match(String(signedOut.headers.location), /^\/console\/sign-in/);

  const owner = await consoleMemberBrowser(app, team.organisationId, 'owner');
  const forged: Array<[string, number]> = [
    [`${servicePage}?month=2026-13`, 404],
    [`${servicePage}?month=${'9'.repeat(8)}`, 400],
    [`/console/insight/${team.organisationId}/services/no-such-service`, 404],
  ];
  for (const [path, status] of forged) assert.equal((await owner.send('GET', path)).statusCode, status, path);
  await owner.send('GET', servicePage);
  assert.equal((await owner.send('POST', `${servicePage}/figures`, { month: '2026-13', nonDigital: '1' })).statusCode, 404);
  assert.equal((await owner.send('POST', `${servicePage}/figures`, { month: MONTH, nonDigital: '9'.repeat(2000) })).statusCode, 400);
});
