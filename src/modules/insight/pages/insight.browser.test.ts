import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { aggregateServiceEvents } from '../../../platform/events/service-event.jobs.ts';
import { createServiceEventStore } from '../../../platform/events/service-event.store.ts';
import type { Locale } from '../../../platform/http/i18n.ts';
import { clickToNextPage, expectAccessiblePage, expectNoPageProblems, launchBrowser, openPage, startTestServer } from '../../../testing/browser.ts';
import { createConsoleTeam, signInConsoleMember } from '../../console/teams/console-teams-testing.contract.ts';
import { createInsight } from '../insight.ts';
import { createRoadmapTracker } from '../roadmap/roadmap.ts';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Insight's pages in Chromium under the real Content-Security-Policy, in English and Welsh: the
 * public list and a service's page with its chart, the roadmap tracker, the feedback question (refused without an
 * answer, then sent), and the team's page with its figures refused then saved. axe finds no WCAG
 * 2.2 AA violation; the chart has a text alternative and its numbers are in a table beside it.
 */
const browser = await launchBrowser(after);

for (const locale of ['en', 'cy'] as const satisfies readonly Locale[]) {
  test(`Insight's public, feedback and team pages are accessible in ${locale === 'en' ? 'English' : 'Welsh'}`, async (t) => {
    const { baseUrl, app, kernel } = await startTestServer(t);
    const { page, problems } = await openPage(t, browser);
    const team = await createConsoleTeam(app, {});
    const now = new Date();
    for (let n = 0; n < 12; n += 1) {
      kernel.serviceEvents.record({ service: `console-service:${team.serviceId}`, type: n < 9 ? 'forms.form.started' : 'forms.form.submitted', journeyId: `journey-browser-${String(n).padStart(4, '0')}`, at: now });
    }
    await kernel.serviceEvents.flush();
    await aggregateServiceEvents({ db: kernel.db, store: createServiceEventStore(), now });
    await createInsight({ db: kernel.db, audit: kernel.audit, serviceEvents: kernel.serviceEvents }).publish({ serviceId: team.serviceId, slug: 'fishing', actor: 'operator:test' });
    const visit = async (path: string, what: string) => {
      await page.goto(`${baseUrl}${path}${path.includes('?') ? '&' : '?'}lang=${locale}`);
      await expectAccessiblePage(page, locale, what);
    };
    const submit = async (selector: string, what: string) => {
      await clickToNextPage(page, page.locator(selector));
      await expectAccessiblePage(page, locale, what);
    };

    await visit('/performance', 'the services that publish');
    await visit('/performance/fishing', "a service's performance");
    assert.equal(await page.locator('svg[role="img"] title').count(), 1);
    assert.equal(await page.locator('#days tbody tr').count(), Number(new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + 1, 0)).getUTCDate()));

    const example = JSON.parse(readFileSync(join(import.meta.dirname, '../roadmap/roadmap-2022-2025.json'), 'utf8'));
    assert.equal((await createRoadmapTracker({ db: kernel.db, audit: kernel.audit }).importDocument(example, 'operator:test')).imported, true);
    await visit('/performance/roadmap', 'the roadmap tracker');
    await page.locator('details summary').first().click();
    await expectAccessiblePage(page, locale, 'the roadmap tracker with a history open');

    await visit(`/feedback/${team.serviceId}`, 'the feedback question');
    await submit('form button.govuk-button', 'feedback without an answer');
    assert.equal(await page.locator('.govuk-error-summary a[href="#rating"]').count(), 1);
    await page.locator('input[name="rating"][value="4"]').check();
    await submit('form button.govuk-button', 'feedback sent');
    assert.equal(await page.locator('.govuk-panel').count(), 1);

    const member = await signInConsoleMember(app, { organisationId: team.organisationId, role: 'owner', email: `owner-${team.organisationId.slice(-6)}@example.gov.uk` });
    await page.context().addCookies([{ name: member.cookieName, value: member.cookieValue, url: baseUrl }]);
    await visit(`/console/insight/${team.organisationId}`, "the organisation's services");
    await visit(`/console/insight/${team.organisationId}/services/${team.serviceId}`, "the team's page of a service");
    await page.locator('#non-digital').fill('many');
    await submit('form[action$="/figures"] button', 'figures refused');
    assert.equal(await page.locator('.govuk-error-summary a[href="#non-digital"]').count(), 1);
    await page.locator('#non-digital').fill('40');
    await page.locator('#cost').fill('1200');
    await submit('form[action$="/figures"] button', 'figures saved');
    assert.equal(await page.locator('.govuk-notification-banner').count(), 1);
    problems.consoleErrors = problems.consoleErrors.filter((text) => !/^Failed to load resource: the server responded with a status of 400 \(Bad Request\)/.test(text));
    expectNoPageProblems(problems);
  });
}
