import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import type { Page } from 'playwright-core';
import type { Locale } from '../../../platform/http/i18n.ts';
import { clickToNextPage, expectAccessiblePage, expectNoPageProblems, launchBrowser, openPage } from '../../../testing/browser.ts';
import { startWithOperator } from '../../console/teams/console-teams-testing.contract.ts';

/**
 * The operators' guidance pages in Chromium under the real Content-Security-Policy, in English and
 * Welsh: the list, the form (empty and with errors on its fields), the preview of a guide, the
 * history and a version. axe finds no WCAG 2.2 AA violation.
 */
const browser = await launchBrowser(after);
const BASE = '/console/operator/guidance';

const check = (page: Page, locale: Locale, what: string) => expectAccessiblePage(page, locale, what);

for (const locale of ['en', 'cy'] as const) {
  test(`the guidance authoring pages are accessible in ${locale === 'en' ? 'English' : 'Welsh'}`, async (t) => {
    const { civitas, browser: operator } = await startWithOperator(t);
    const { page, problems } = await openPage(t, browser);
    await page.context().addCookies([...operator.cookies].map(([name, value]) => ({ name, value, url: civitas.baseUrl })));
    const press = async (button: string, what: string) => {
      await clickToNextPage(page, page.locator(`button[value="${button}"]`));
      await check(page, locale, what);
    };

    await page.goto(`${civitas.baseUrl}${BASE}?lang=${locale}`);
    await check(page, locale, 'no pages yet');
    await page.goto(`${civitas.baseUrl}${BASE}/new?lang=${locale}`);
    await check(page, locale, 'the empty form');
    await page.locator('#slug').fill('Not a slug');
    await page.locator('#title').fill('Fishing permits');
    await press('preview', 'the form with errors');
    assert.ok((await page.locator('.govuk-error-summary a').count()) >= 2, 'the slug and the type');
    await page.locator('#slug').fill('fishing-permits');
    await page.locator('#type').check();
    await page.locator('#lang').check();
    await page.locator('#description').fill('Who needs one and how to get it');
    await page.locator('#body').fill('# Who can get one\n\nAnyone.\n\n:::callout\nYou need a rod.\n:::\n\n# How to apply\n\n## Online\n\n- [Apply](/guidance/apply)\n- pay £10');
    await press('preview', 'the preview of a guide');
    assert.equal(await page.locator('.govuk-notification-banner').count(), 1);
    await press('draft', 'the history after saving a draft');
    await clickToNextPage(page, page.locator('a.govuk-button').first());
    await check(page, locale, 'the edit form');
    await press('publish', 'the history after publishing');
    await page.goto(`${civitas.baseUrl}${BASE}?lang=${locale}`);
    await check(page, locale, 'the list with a page');
    await page.goto(`${civitas.baseUrl}${BASE}/fishing-permits/en/versions/1?lang=${locale}`);
    await check(page, locale, 'a version');
    // The form with errors answers 400, as a form with errors should.
    problems.consoleErrors = problems.consoleErrors.filter((text) => !/^Failed to load resource: the server responded with a status of 400 \(Bad Request\) \(http:\/\/127\.0\.0\.1:\d+\/console\/operator\/guidance\/new:0\)$/.test(text));
    expectNoPageProblems(problems);
  });
}
