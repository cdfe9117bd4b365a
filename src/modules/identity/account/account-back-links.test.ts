import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatDate, formatDateTime } from '../../../platform/http/dates.ts';
import { pageHeading, type FormPage } from '../testing/form-client.ts';
import { createTestAccount } from '../testing/identity-test-kit.ts';
import { signInToAccountPages, startWithClock } from './account-pages.test-kit.ts';

function backLinkOf(page: FormPage): string | undefined {
  const match = /<a href="([^"]+)" class="govuk-back-link">/.exec(page.html);
  if (match) assert.ok(match.index < page.html.indexOf('<main'), 'above the main content');
  return match?.[1];
}

test('account pages: a back link to the page before on every page but the first, dates as GOV.UK writes them', async (t) => {
  const { kernel, baseUrl } = await startWithClock(t);
  const account = await createTestAccount(kernel);
  const browser = await signInToAccountPages(baseUrl, account);

  const overview = await browser.get('/account');
  assert.equal(backLinkOf(overview), undefined, 'the first page has none');
  const expected: Record<string, string> = {
    '/account/activity': '/account',
    '/account/report-activity': '/account/activity',
    '/account/change-password': '/account',
    '/account/security-methods': '/account',
    '/account/sign-out-everywhere': '/account',
    '/account/delete': '/account',
    '/account/change-email': '/account',
    '/account/add-text-message': '/account/security-methods',
  };
  for (const [path, back] of Object.entries(expected)) {
    const page = await browser.get(path);
    assert.equal(backLinkOf(page), back, path);
    assert.equal((await browser.get(back)).status, 200, `${back} is a page`);
  }

  // The service used and the sign-in are dated "2 December 2026 at 5:48pm", UK time, not raw ISO text.
  const activity = await browser.get('/account/activity');
  assert.ok(!/\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}/.test(activity.html), 'no ISO timestamps on the page');
  const events = await kernel.audit.listRecent({ subject: `account:${account.id}`, limit: 1 });
  const when = formatDateTime(events[0]!.occurredAt, 'en');
  assert.match(when, /^\d{1,2} [A-Z][a-z]+ \d{4} at (\d{1,2}(:\d{2})?(am|pm)|midnight|midday)$/);
  assert.ok(activity.html.includes(when), `the activity page says ${when}`);
  const methods = await browser.get('/account/security-methods');
  assert.ok(methods.html.includes(formatDate(new Date(), 'en')) || methods.html.includes(formatDate(new Date(Date.now() - 60_000), 'en')));

  browser.cookies.set('civitas_lang', 'cy');
  const welsh = await browser.get('/account/activity');
  assert.ok(welsh.html.includes(formatDateTime(events[0]!.occurredAt, 'cy')), 'in Welsh, Welsh dates');
  const problem = await browser.submit(await browser.get('/account/change-password'), { currentPassword: '', newPassword: '' });
  assert.match(problem.html, /<title>Gwall: /);
  assert.match(problem.html, /<span class="govuk-visually-hidden">Gwall:<\/span>/);
  assert.equal(backLinkOf(problem), '/account');
  assert.ok(pageHeading(problem).length > 0);
});
