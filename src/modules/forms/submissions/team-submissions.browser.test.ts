import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import type { Locale } from '../../../platform/http/i18n.ts';
import { clickToNextPage, expectAccessiblePage, expectNoPageProblems, launchBrowser, openPage, startTestServer } from '../../../testing/browser.ts';
import { createConsoleTeam, signInConsoleMember } from '../../console/teams/console-teams-testing.contract.ts';
import { createFormVersions } from '../versions/form-versions.ts';
import { POTHOLE_FORM, potholeForm, reportPothole } from './team-submissions.test-kit.ts';

/**
 * The team's submissions pages in Chromium under the real Content-Security-Policy, in English and
 * Welsh: the list, a search too long (error on the field), a search by reference, a submission,
 * marking it done; then the form taken down, as the person halfway through sees it. axe finds no
 * WCAG 2.2 AA violation on any of them.
 */
const browser = await launchBrowser(after);

for (const locale of ['en', 'cy'] as const satisfies readonly Locale[]) {
  test(`the team's submissions pages, and a form taken down, are accessible in ${locale === 'en' ? 'English' : 'Welsh'}`, async (t) => {
    const { baseUrl, app, kernel } = await startTestServer(t);
    const { page, problems } = await openPage(t, browser);
    const team = await createConsoleTeam(app, {});
    const versions = createFormVersions({ db: kernel.db, audit: kernel.audit });
    const { formId } = await versions.importForm({ serviceId: team.serviceId, definition: potholeForm(), actor: 'operator:test' });
    const reference = await reportPothole(app, { name: 'Ffion Jones', street: 'High Street', notes: ['Deep', 'Near the school'], photo: 'pothole.pdf' });
    await reportPothole(app, { name: 'Gwyn Evans', street: 'Heol y Bont', notes: [] });
    const member = await signInConsoleMember(app, { organisationId: team.organisationId, role: 'owner', email: `owner-${team.organisationId.slice(0, 6)}@example.gov.uk` });
    await page.context().addCookies([{ name: member.cookieName, value: member.cookieValue, url: baseUrl }]);
    const listPath = `/console/forms/${team.organisationId}/forms/${formId}/submissions`;
    const click = async (selector: string, what: string) => {
      await clickToNextPage(page, page.locator(selector).first());
      await expectAccessiblePage(page, locale, what);
    };

    await page.goto(`${baseUrl}${listPath}?lang=${locale}`);
    await expectAccessiblePage(page, locale, 'the submissions');
    assert.equal(await page.locator('main tbody tr').count(), 2);
    await page.locator('#q').fill('x'.repeat(101));
    await click('main form button', 'a search too long');
    assert.equal(await page.locator('.govuk-error-summary a[href="#q"]').count(), 1);
    assert.equal(await page.locator('#q-error').count(), 1);
    await page.locator('#q').fill(reference);
    await click('main form button', 'a search by reference');
    assert.equal(await page.locator('main tbody tr').count(), 1);
    await click(`main tbody a`, 'a submission');
    assert.equal(await page.locator('main a[href*="/files/"]').count(), 1, 'the photo is linked');
    await click('main form button', 'a submission marked as done');
    assert.equal(await page.locator('.govuk-notification-banner--success').count(), 1);
    assert.equal(await page.locator('main .govuk-tag--green').count(), 1);

    // A person halfway through when the form is taken down.
    await page.goto(`${baseUrl}${POTHOLE_FORM}/pages/full-name?lang=${locale}`);
    await page.locator('#answer').fill('Morgan');
    await clickToNextPage(page, page.locator('main form button').first());
    await versions.archive({ formId, actor: 'operator:test' });
    await page.goto(`${baseUrl}${POTHOLE_FORM}/pages/street?lang=${locale}`);
    await expectAccessiblePage(page, locale, 'the form taken down');
    assert.equal(await page.locator('main a[href="mailto:roads@example.gov.uk"]').count(), 1);
    // The search too long is answered 400, the form taken down 404: Chromium logs both documents' statuses.
    problems.consoleErrors = problems.consoleErrors.filter((text) => !/^Failed to load resource: the server responded with a status of 400 \(Bad Request\)/.test(text));
    expectNoPageProblems(problems, { expectedDocumentStatus: 404 });
  });
}
