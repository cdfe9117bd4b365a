import assert from 'node:assert/strict';
import { test } from 'node:test';
import { errorSummary, pageHeading } from '../../../identity/testing/identity-testing.contract.ts';
import { CLI_ACTOR } from '../../organisations/organisations.ts';
import { makeFailedJob, postFrom, startWithOperator } from './operator-pages.test-kit.ts';

test('an operator with an authenticator app opens every operator page, in English and Welsh, from the service navigation', async (t) => {
  const { civitas, browser, start } = await startWithOperator(t);
  assert.equal(pageHeading(start), 'Operator pages');
  const home = await browser.get('/console');
  assert.match(home.html, /href="\/console\/operator"/, 'operators have the operator pages in the service navigation');
  const { organisation } = await civitas.organisations.createOrganisation({ name: 'Department for Fishing', ownerEmail: 'owner@example.gov.uk', actor: CLI_ACTOR });
  const service = await civitas.organisations.createService({ organisationId: organisation.id, name: 'Apply for a fishing licence', actor: CLI_ACTOR });

  const headings: Record<string, [string, string]> = {
    '/console/operator/organisations': ['All organisations and services', 'Pob sefydliad a gwasanaeth'],
    '/console/operator/audit': ['Audit trail', 'Trywydd archwilio'],
    '/console/operator/jobs': ['Failed jobs', 'Swyddi a fethodd'],
    '/console/operator/signing-keys': ['One Login signing keys', 'Allweddi llofnodi One Login'],
    '/console/operator/retention': ['Retention settings', 'Gosodiadau cadw'],
    '/console/operator/health': ['Platform health', 'Iechyd y platfform'],
    '/console/operator/operators': ['Operators', 'Gweithredwyr'],
  };
  for (const [path, [english, welsh]] of Object.entries(headings)) {
    assert.match(start.html, new RegExp(`href="${path}"`), `the start page links to ${path}`);
    const page = await browser.get(`${path}?lang=en`);
    assert.equal(page.status, 200, path);
    assert.equal(pageHeading(page), english);
    const cymraeg = await browser.get(`${path}?lang=cy`);
    assert.equal(cymraeg.status, 200, `${path} in Welsh`);
    assert.equal(pageHeading(cymraeg), welsh);
  }
  const organisations = await browser.get('/console/operator/organisations?lang=en');
  assert.match(organisations.html, new RegExp(`href="/console/organisations/${organisation.id}/services/${service.id}"`));
  assert.match(organisations.html, /Department for Fishing/);
  const retention = await browser.get('/console/operator/retention');
  assert.match(retention.html, /You can only look at these settings here/);
  assert.match(retention.html, /Sessions end after 8 hours, or after 30 minutes without use/);
});

test('the audit trail is searched by actor, action and days, a page at a time, shows no email address or phone number, and is verified by a button', async (t) => {
  const { civitas, browser } = await startWithOperator(t);
  const { audit } = civitas.kernel;
  for (let index = 0; index < 55; index += 1) {
    await audit.record({ actor: 'system', action: 'test.paging.step', subject: `step:${index}`, outcome: 'success' });
  }
  await audit.record({ actor: 'someone@example.com', action: 'test.personal.data', subject: 'mailto:someone@example.com', outcome: 'success', details: { to: 'someone@example.com', phone: '+447700900123', count: 3 } });

  const firstPage = await browser.get('/console/operator/audit?action=test.paging');
  assert.equal(firstPage.status, 200);
  assert.equal([...firstPage.html.matchAll(/test\.paging\.step/g)].length, 50);
  assert.match(firstPage.html, /step:54/);
  const older = /href="([^"]+)"[^>]*>\s*<svg[^>]*>[\s\S]*?<\/svg>\s*<span class="govuk-pagination__link-title">\s*Older events/.exec(firstPage.html)?.[1]
    ?? /<div class="govuk-pagination__next">\s*<a[^>]*href="([^"]+)"/.exec(firstPage.html)?.[1];
  assert.ok(older, 'a link to older events');
  const secondPage = await browser.get(older.replaceAll('&amp;', '&'));
  assert.equal([...secondPage.html.matchAll(/test\.paging\.step/g)].length, 5);
  assert.match(secondPage.html, /step:0</);
  assert.match(secondPage.html, /govuk-pagination__prev/);

  const personal = await browser.get('/console/operator/audit?action=test.personal');
  assert.match(personal.html, /test\.personal\.data/);
  assert.doesNotMatch(personal.html, /someone@example\.com|7700900123/);
  assert.match(personal.html, /count: 3/);

  const byActor = await browser.get('/console/operator/audit?actor=operator%3Acli');
  assert.match(byActor.html, /console\.operator\.added/);
  assert.doesNotMatch(byActor.html, /test\.paging\.step/);
  const today = new Date().toISOString().slice(0, 10);
  const byDay = await browser.get(`/console/operator/audit?action=test.paging&from=${today}&to=${today}`);
  assert.match(byDay.html, /step:54/);
  const beforeToday = await browser.get('/console/operator/audit?action=test.paging&to=2000-01-01');
  assert.match(beforeToday.html, /No events match your search/);

  const refused = await browser.get('/console/operator/audit?from=2026-02-30&to=yesterday&action=no%20spaces');
  assert.equal(refused.status, 400);
  assert.deepEqual(errorSummary(refused), [
    'Enter an action of up to 120 letters, digits, dots, hyphens and underscores, like console.member',
    'Enter a real date, like 2026-03-27',
    'Enter a real date, like 2026-03-27',
  ]);
  const backwards = await browser.get('/console/operator/audit?from=2026-03-02&to=2026-03-01');
  assert.deepEqual(errorSummary(backwards), ['The date to search to must be the same as or after the date to search from']);

  assert.match(firstPage.html, /has not been checked from these pages yet/);
  const verified = await postFrom(browser, firstPage, '/console/operator/audit/verify');
  assert.deepEqual(verified, { status: 303, location: '/console/operator/audit?done=verified' });
  const after = await browser.get(verified.location);
  assert.match(after.html, /The audit trail has been checked/);
  assert.match(after.html, /intact\. Events checked: \d+/);
  const [event] = await audit.search({ action: 'console.audit.verified' });
  assert.equal(event?.outcome, 'success');
  assert.match(event?.actor ?? '', /^console-person:/);
});

test('failed jobs are listed without personal data and put back in the queue, one or all, each recorded in the audit trail', async (t) => {
  const { civitas, browser } = await startWithOperator(t);
  const { kernel } = civitas;
  const first = await makeFailedJob(kernel, 'test.broken-one', 'SMTP 550: no mailbox for someone@example.com');
  const second = await makeFailedJob(kernel, 'test.broken-two', 'gateway refused +447700900123');
  const third = await makeFailedJob(kernel, 'test.broken-three', 'timed out');

  const page = await browser.get('/console/operator/jobs');
  assert.equal(page.status, 200);
  for (const id of [first, second, third]) assert.match(page.html, new RegExp(id));
  assert.match(page.html, /SMTP 550: no mailbox for \[hidden\]/);
  assert.doesNotMatch(page.html, /someone@example\.com|7700900123/);

  const health = await browser.get('/console/operator/health');
  assert.match(health.html, /0 waiting to retry, 3 out of tries/);
  assert.match(health.html, /test\.broken-one/);

  const one = await postFrom(browser, page, `/console/operator/jobs/${first}/retry`);
  assert.deepEqual(one, { status: 303, location: '/console/operator/jobs?done=retried' });
  assert.match((await browser.get(one.location)).html, /The job has been put back in the queue/);
  const again = await postFrom(browser, page, `/console/operator/jobs/${first}/retry`);
  assert.equal(again.location, '/console/operator/jobs?done=not-retried', 'a job no longer failed is not put back twice');
  const all = await postFrom(browser, page, '/console/operator/jobs/retry-all');
  assert.deepEqual(all, { status: 303, location: '/console/operator/jobs?done=retried-all' });
  const failed = await kernel.jobs.list({ status: 'failed' });
  assert.deepEqual(failed, []);
  const pending = (await kernel.jobs.list({ status: 'pending' })).filter((job) => job.type.startsWith('test.')).map((job) => job.id).sort();
  assert.deepEqual(pending, [first, second, third].sort());
  const retried = await kernel.audit.search({ action: 'console.job.retried' });
  assert.deepEqual(retried.map((event) => event.subject).sort(), [first, second, third].map((id) => `job:${id}`).sort());
  assert.ok(retried.every((event) => event.actor.startsWith('console-person:')));
});

test("One Login's signing keys are rotated from the page after a recent sign-in, and the rotation is audited", async (t) => {
  const { civitas, browser } = await startWithOperator(t);
  const page = await browser.get('/console/operator/signing-keys');
  assert.equal(page.status, 200);
  const signingBefore = [...page.html.matchAll(/<code>([^<]+)<\/code><\/td>\s*<td[^>]*>\s*ES256\s*<\/td>\s*<td[^>]*>\s*Signing now/g)].map((match) => match[1]);
  assert.equal(signingBefore.length, 1);
  const rotated = await postFrom(browser, page, '/console/operator/signing-keys/rotate');
  assert.deepEqual(rotated, { status: 303, location: '/console/operator/signing-keys?done=rotated' });
  const after = await browser.get(rotated.location);
  assert.match(after.html, /The signing keys have been rotated/);
  assert.match(after.html, new RegExp(`<code>${signingBefore[0]}</code></td>\\s*<td[^>]*>\\s*ES256\\s*</td>\\s*<td[^>]*>\\s*Retired`));
  const [event] = await civitas.kernel.audit.search({ action: 'identity.signing-keys.rotated' });
  assert.match(event?.actor ?? '', /^console-person:/);

  civitas.advance(16 * 60 * 1000);
  const stale = await postFrom(browser, page, '/console/operator/signing-keys/rotate');
  assert.equal(stale.status, 303);
  assert.equal(stale.location, '/console/sign-in?return=%2Fconsole%2Foperator%2Fsigning-keys&recent=1', 'back to the page of the button after signing in again');
});

test('an operator grants the role by email and removes another operator, never themselves; each change audited', async (t) => {
  const { civitas, browser } = await startWithOperator(t);
  const form = await browser.get('/console/operator/operators/add');
  assert.equal(pageHeading(form), 'Add an operator');
  const wrong = await browser.submit(form, { email: 'not an address' });
  assert.equal(wrong.status, 400);
  assert.deepEqual(errorSummary(wrong), ['Enter an email address in the correct format, of 254 characters or fewer, like name@example.gov.uk']);
  const tooLong = await browser.submit(form, { email: `${'a'.repeat(250)}@example.gov.uk` });
  assert.equal(tooLong.status, 400);
  const added = await browser.submit(form, { email: 'Bryn@Example.gov.uk' });
  assert.equal(added.url.endsWith('/console/operator/operators?done=added'), true, added.url);
  assert.match(added.html, /Operator added/);
  assert.match(added.html, /bryn@example\.gov\.uk/);
  assert.match(added.html, /Not signed in yet/);
  const twice = await browser.submit(form, { email: 'bryn@example.gov.uk' });
  assert.deepEqual(errorSummary(twice), ['That email address is an operator already']);
  const [grant] = await civitas.kernel.audit.search({ action: 'console.operator.added' });
  assert.match(grant?.actor ?? '', /^console-person:/);

  const operators = await civitas.organisations.isOperator({ personKey: 'sub-of-bryn', email: 'bryn@example.gov.uk' });
  assert.equal(operators, true);
  const list = await browser.get('/console/operator/operators');
  const own = /<td class="govuk-table__cell">olwen@example\.gov\.uk[\s\S]*?<\/tr>/.exec(list.html)?.[0] ?? '';
  assert.match(own, />You</, 'no remove link on one’s own row');
  const rows = await (await import('../../operators/operator.store.ts')).createOperatorStore(civitas.kernel.db).list();
  const self = rows.find((row) => row.email === 'olwen@example.gov.uk');
  const bryn = rows.find((row) => row.email === 'bryn@example.gov.uk');
  assert.ok(self && bryn);

  const selfForm = await browser.get(`/console/operator/operators/${self.id}/remove`);
  const refused = await browser.submit(selfForm, {});
  assert.equal(refused.status, 400);
  assert.deepEqual(errorSummary(refused), ['You cannot remove yourself as an operator. Ask another operator to do it']);
  const [denied] = await civitas.kernel.audit.search({ action: 'console.operator.remove-refused' });
  assert.equal(denied?.outcome, 'denied');

  const removeForm = await browser.get(`/console/operator/operators/${bryn.id}/remove`);
  assert.equal(pageHeading(removeForm), 'Remove bryn@example.gov.uk as an operator?');
  const removed = await browser.submit(removeForm, {});
  assert.match(removed.url, /\/console\/operator\/operators\?done=removed$/);
  assert.doesNotMatch(removed.html, /bryn@example\.gov\.uk/);
  const [removal] = await civitas.kernel.audit.search({ action: 'console.operator.removed' });
  assert.equal(removal?.subject, `console-operator:${bryn.id}`);
  assert.equal((await browser.get(`/console/operator/operators/${bryn.id}/remove`)).status, 404);
  assert.equal(await civitas.organisations.isOperator({ personKey: 'sub-of-bryn', email: 'bryn@example.gov.uk' }), false);
});

test('the health page shows /readyz, the queue and the figures /metrics gives', async (t) => {
  const { civitas, browser } = await startWithOperator(t);
  await civitas.kernel.jobs.enqueue(civitas.kernel.db, { type: 'test.waiting', payload: {} });
  const page = await browser.get('/console/operator/health');
  assert.equal(page.status, 200);
  const html = page.html.replace(/>\s+</g, '><').replace(/\s+/g, ' ');
  assert.match(html, /\/readyz ?<\/dt><dd[^>]*><strong class="govuk-tag govuk-tag--green"> ?Ready/);
  assert.match(html, /test\.waiting<\/td><td[^>]*>1<\/td>/);
  assert.match(page.html, /civitas_sign_ins_total/, 'the operator’s own sign-in is counted');
  assert.match(page.html, /\/console\/operator/, 'the routes asked most');
});
