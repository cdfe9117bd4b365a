import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import type { Locale } from '../../../platform/http/i18n.ts';
import { expectAccessiblePage, expectNoPageProblems, launchBrowser, openPage, startTestServer } from '../../../testing/browser.ts';
import { signInConsoleMember } from '../../console/teams/console-teams-testing.contract.ts';
import { setUpProviderAndClient } from '../testing/exchange-fixtures.ts';

/**
 * A subsystem's payloads page in Chromium under the real Content-Security-Policy, in English and
 * Welsh: reached from the member's Exchange page, refused without a choice and with days out of
 * range, then kept for 30 days. axe finds no WCAG 2.2 AA
 * violation.
 */
const browser = await launchBrowser(after);

for (const locale of ['en', 'cy'] as const satisfies readonly Locale[]) {
  test(`a subsystem's payloads page is accessible in ${locale === 'en' ? 'English' : 'Welsh'}`, async (t) => {
    const { baseUrl, app, kernel } = await startTestServer(t);
    const { page, problems } = await openPage(t, browser);
    const world = await setUpProviderAndClient(kernel, { baseUrl: 'https://benefits.example.gov.uk/pip' });
    const organisationId = world.clientMember.organisation_id;
    const member = await signInConsoleMember(app, { organisationId, role: 'owner', email: `owner-${organisationId.slice(-6)}@example.gov.uk` });
    await page.context().addCookies([{ name: member.cookieName, value: member.cookieValue, url: baseUrl }]);
    const submit = async (what: string) => {
      await Promise.all([page.waitForLoadState('load'), page.locator('form[action$="/payloads"] button').click()]);
      await page.waitForLoadState('load');
      await expectAccessiblePage(page, locale, what);
    };

    await page.goto(`${baseUrl}/console/exchange/${organisationId}?lang=${locale}`);
    await Promise.all([page.waitForLoadState('load'), page.locator('a[href$="/payloads"]').first().click()]);
    await expectAccessiblePage(page, locale, 'payloads of a subsystem, not kept');
    await page.locator('input[name="keep"][value="on"]').check();
    await page.locator('#days').fill('9000');
    await submit('payloads, days out of range');
    assert.equal(await page.locator('.govuk-error-summary a[href="#days"]').count(), 1);
    await page.locator('#days').fill('30');
    await submit('payloads kept for 30 days');
    assert.equal(await page.locator('.govuk-notification-banner').count(), 1);
    problems.consoleErrors = problems.consoleErrors.filter((text) => !/^Failed to load resource: the server responded with a status of 400 \(Bad Request\)/.test(text));
    expectNoPageProblems(problems);
  });
}
