import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import type { Locale } from '../../../platform/http/i18n.ts';
import { clickToNextPage, expectAccessiblePage, expectLanguageAndOneHeading, expectNoPageProblems, launchBrowser, openPage, startTestServer } from '../../../testing/browser.ts';
import { createConsoleTeam, signInConsoleMember } from '../../console/teams/console-teams-testing.contract.ts';

/**
 * The form builder in Chromium under the real Content-Security-Policy, in English and Welsh: a
 * team creates a form, adds a selection question and a text question, an exit page, a route,
 * sees errors on the fields and publishing refused, fills in the settings, previews a page and
 * publishes. axe finds no WCAG 2.2 AA violation on any builder page.
 */
const browser = await launchBrowser(after);

for (const locale of ['en', 'cy'] as const satisfies readonly Locale[]) {
  test(`the form builder's pages are accessible in ${locale === 'en' ? 'English' : 'Welsh'}`, async (t) => {
    const { baseUrl, app } = await startTestServer(t);
    const { page, problems } = await openPage(t, browser);
    const team = await createConsoleTeam(app, {});
    const member = await signInConsoleMember(app, { organisationId: team.organisationId, role: 'owner', email: `owner-${team.organisationId.slice(0, 6)}@example.gov.uk` });
    await page.context().addCookies([{ name: member.cookieName, value: member.cookieValue, url: baseUrl }]);
    /** Submits, and checks the page it leads to: with axe unless `scan` is false, for a page axe has scanned unchanged or scans later with more in it. */
    const submit = async (what: string, { scan = true } = {}) => {
      await clickToNextPage(page, page.locator('main form button.govuk-button:not(.govuk-button--secondary):not(.govuk-button--warning)').first());
      await (scan ? expectAccessiblePage(page, locale, what) : expectLanguageAndOneHeading(page, locale, what));
    };

    await page.goto(`${baseUrl}/console/organisations/${team.organisationId}?lang=${locale}`);
    await clickToNextPage(page, page.locator(`main a[href="/console/forms/${team.organisationId}"]`));
    await expectAccessiblePage(page, locale, 'the organisation’s forms');
    await clickToNextPage(page, page.locator(`main a[href="/console/forms/${team.organisationId}/services/${team.serviceId}"]`));
    await expectAccessiblePage(page, locale, 'a service with no forms');
    await clickToNextPage(page, page.locator('main a.govuk-button'));
    await expectAccessiblePage(page, locale, 'create a form');
    await page.locator('#slug').fill('Not a slug!');
    await submit('create a form, with errors');
    assert.equal(await page.locator('.govuk-error-summary a[href="#name"]').count(), 1);
    await page.locator('#name').fill('Apply for a fishing licence');
    await page.locator('#slug').fill(`fishing-${locale}`);
    await submit('the new form');

    await clickToNextPage(page, page.locator('main a[href$="/pages/new"]'));
    await expectAccessiblePage(page, locale, 'choose an answer type');
    await page.locator('input[name="answerType"][value="selection"]').check();
    await submit('a new selection question');
    await page.locator('#question').fill('What kind of licence do you need?');
    await page.locator('#options').fill('Rod licence');
    await submit('a selection question with errors');
    assert.equal(await page.locator('.govuk-error-summary a[href="#options"]').count(), 1);
    await page.locator('#options').fill('Rod licence\nNet licence');
    await page.locator('input[name="noneOfTheAbove"]').check();
    await submit('the form with a question');
    // The second new text question's page is the first one's again; the form's page, with more in
    // it each time, is scanned again with the exit page.
    for (const [index, question] of ['What is your name?', 'Tell us about your fishing'].entries()) {
      await clickToNextPage(page, page.locator('main a[href$="/pages/new"]'));
      await page.locator('input[name="answerType"][value="text"]').check();
      await submit('a new text question', { scan: index === 0 });
      await page.locator('#question').fill(question);
      await submit('the form with questions', { scan: false });
    }

    await clickToNextPage(page, page.locator('main a[href$="/exit-pages/new"]'));
    await expectAccessiblePage(page, locale, 'a new exit page');
    await page.locator('#heading').fill('You cannot apply');
    await page.locator('#body').fill('You need a **rod** or a **net** licence.');
    await submit('the form with an exit page');

    await clickToNextPage(page, page.locator('main a[href$="/routes"]').first());
    await expectAccessiblePage(page, locale, 'routing');
    await page.locator('#route-2').selectOption({ label: locale === 'en' ? 'Exit page: You cannot apply' : 'Tudalen gadael: You cannot apply' });
    await page.locator('#route-1').selectOption('tell-us-about-your-fishing');
    await submit('the form with routes');

    await clickToNextPage(page, page.locator('main form[action$="/publish"] button'));
    await expectAccessiblePage(page, locale, 'publishing refused');
    assert.ok((await page.locator('.govuk-error-summary li').count()) >= 2);

    await clickToNextPage(page, page.locator('main a[href$="/settings"]').last());
    await expectAccessiblePage(page, locale, 'settings');
    await page.locator('#whatHappensNext').fill('We will reply within 10 working days.');
    await page.locator('#privacyUrl').fill('http://example.gov.uk/privacy');
    await submit('settings with errors');
    assert.equal(await page.locator('.govuk-error-summary a[href="#privacyUrl"]').count(), 1);
    await page.locator('#privacyUrl').fill('https://example.gov.uk/privacy');
    await submit('the form with settings');

    await clickToNextPage(page, page.locator('main a[href$="/preview"]').first());
    await expectAccessiblePage(page, locale, 'a preview');
    assert.equal(await page.locator('input[name="answer"][value="none"]').count(), 1);
    await page.goBack();
    const formUrl = page.url();
    await clickToNextPage(page, page.locator('main a[href$="/pages/what-is-your-name"]'));
    await expectAccessiblePage(page, locale, 'edit a question');
    await clickToNextPage(page, page.locator('main a[href$="/answer-type"]'));
    await expectAccessiblePage(page, locale, 'change the answer type');
    await page.locator('input[name="answerType"][value="number"]').check();
    await submit('a question changing its answer type');
    assert.equal(await page.locator('input[type="hidden"][name="answerType"][value="number"]').count(), 1);
    await page.goto(formUrl);
    await clickToNextPage(page, page.locator('main a[href$="/preview/check-answers"]'));
    await expectAccessiblePage(page, locale, 'a preview of check your answers');
    await submit('a preview of the confirmation');
    assert.equal(await page.locator('.govuk-panel--confirmation').count(), 1);
    await page.goto(formUrl);
    await clickToNextPage(page, page.locator('main a[href$="/delete"]'));
    await expectAccessiblePage(page, locale, 'delete a form never published');
    await page.goto(formUrl);

    await clickToNextPage(page, page.locator('main form[action$="/publish"] button'));
    await expectAccessiblePage(page, locale, 'published');
    assert.equal(await page.locator('.govuk-notification-banner--success').count(), 1);
    await page.goto(`${baseUrl}/console/forms/${team.organisationId}/services/${team.serviceId}`);
    await expectAccessiblePage(page, locale, 'the list of forms');
    await page.goto(`${baseUrl}/console/forms/${team.organisationId}`);
    await expectAccessiblePage(page, locale, 'the organisation’s forms, one published');
    problems.consoleErrors = problems.consoleErrors.filter((text) => !/^Failed to load resource: the server responded with a status of 400 \(Bad Request\)/.test(text));
    expectNoPageProblems(problems);
  });
}
