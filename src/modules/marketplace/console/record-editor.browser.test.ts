import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { clickToNextPage, expectAccessiblePage, expectLanguageAndOneHeading, expectNoPageProblems, launchBrowser, openPage, startTestServer } from '../../../testing/browser.ts';
import { signInConsoleMember } from '../../console/teams/console-teams-testing.contract.ts';
import { setUpProviderAndClient } from '../../exchange/exchange-testing.contract.ts';

/**
 * The console's record editor in Chromium under the real Content-Security-Policy, in English and
 * Welsh: the organisation's records, a new dataset written a question a page (each kind of
 * question, with the model's problems on the field and in the error summary), publishing early
 * (errors linking to their pages) then for real, editing the published record, a service's
 * prefilled draft, and the pages as a viewer sees them. axe finds no WCAG 2.2 AA violation on any.
 */
const browser = await launchBrowser(after);
const OGL = 'http://www.nationalarchives.gov.uk/doc/open-government-licence/version/3/';

for (const locale of ['en', 'cy'] as const) {
  test(`writing, publishing and editing a record in the console, in ${locale === 'en' ? 'English' : 'Welsh'}`, async (t) => {
    const { baseUrl, app, kernel } = await startTestServer(t);
    const { providerMember } = await setUpProviderAndClient(kernel, { baseUrl: 'https://provider.example.gov.uk/pip', fields: false });
    const organisationId = providerMember.organisation_id;
    const base = `/console/marketplace/${organisationId}`;
    const { page, problems } = await openPage(t, browser);
    const check = (what: string) => expectAccessiblePage(page, locale, what);
    const signIn = async (role: 'owner' | 'viewer') => {
      const member = await signInConsoleMember(app, { organisationId, role, email: `${role}-${organisationId.slice(-6)}@example.gov.uk` });
      await page.context().clearCookies();
      await page.context().addCookies([{ name: member.cookieName, value: member.cookieValue, url: baseUrl }]);
    };
    const click = async (selector: string, what: string) => {
      await clickToNextPage(page, page.locator(selector).first());
      await check(what);
    };
    /**
     * Answers a slot, which leads back to the draft's summary. axe scans the summary with one slot
     * answered; with more it is scanned again once, every slot answered.
     */
    let summariesScanned = 0;
    const answer = async (slot: string, fill: () => Promise<void>, what: string) => {
      await page.goto(`${draft}/${slot}`);
      await fill();
      await clickToNextPage(page, page.locator('form button[type="submit"], form .govuk-button').first());
      assert.equal(new URL(page.url()).pathname, new URL(draft).pathname, `${what}: back at the summary`);
      await (summariesScanned++ === 0 ? check(what) : expectLanguageAndOneHeading(page, locale, what));
    };

    await signIn('owner');
    await page.goto(`${baseUrl}${base}?lang=${locale}`);
    await check('the organisation’s records, none yet');
    await click('button[value="dcat:Dataset"]', 'a new dataset’s summary');
    const draft = page.url();

    await page.goto(`${draft}/modified`);
    await check('a short answer');
    await page.locator('#answer').fill('2026-02-30');
    await click('form .govuk-button', 'a date the model refuses');
    assert.equal(await page.locator('.govuk-error-summary a[href="#answer"]').count(), 1);
    assert.equal(await page.locator('.govuk-error-message').count(), 1);

    await page.goto(`${draft}/contactPoint`);
    await check('the contact point’s fields');
    await page.locator('#contactName').fill('Data team');
    await page.locator('#email').fill('not an address');
    await click('form .govuk-button', 'a contact point with a wrong email address');
    assert.equal(await page.locator('.govuk-error-summary a[href="#email"]').count(), 1);

    await page.goto(`${draft}/accessRights`);
    await check('a choice of the model’s values');
    await page.goto(`${draft}/keyword`);
    await check('a list, one value a line');
    await page.goto(`${draft}/description`);
    await check('a long answer');

    await page.goto(draft);
    await click('form[action$="/publish"] .govuk-button', 'publishing before the required slots are answered');
    assert.ok((await page.locator('.govuk-error-summary a').count()) > 5, 'each unanswered slot is named');

    const answers: Record<string, string> = {
      identifier: 'road-casualties', title: 'Road casualties', description: 'Reported road casualties in Great Britain.', creator: 'department-for-transport',
      publisher: 'department-for-transport', licence: OGL, modified: '2026-02-28', version: '1.0', keyword: 'roads\ncasualties',
    };
    for (const [slot, text] of Object.entries(answers)) await answer(slot, () => page.locator('#answer').fill(text), `answering ${slot}`);
    await answer('accessRights', () => page.locator('input[name="answer"][value="OPEN"]').check(), 'answering accessRights');
    await answer('securityClassification', () => page.locator('input[name="answer"][value="OFFICIAL"]').check(), 'answering securityClassification');
    await answer('updateFrequency', () => page.locator('input[name="answer"][value="freq:annual"]').check(), 'answering updateFrequency');
    await answer('contactPoint', async () => {
      await page.locator('#contactName').fill('Data team');
      await page.locator('#email').fill('data@example.gov.uk');
    }, 'answering contactPoint');
    await page.goto(draft);
    await check('the summary, every slot answered');
    await click('form[action$="/publish"] .govuk-button', 'the record published');
    assert.equal(await page.locator('.govuk-error-summary').count(), 0);

    await page.goto(`${baseUrl}${base}`);
    await check('the organisation’s records, one published');
    await click('form input[name="edit"] ~ button', 'editing the published record');
    const editing = page.url();
    await page.goto(`${editing}/title`);
    await page.locator('#answer').fill('');
    await click('form .govuk-button', 'a required answer taken away');
    assert.equal(await page.locator('.govuk-error-summary a[href="#answer"]').count(), 1);

    await page.goto(`${baseUrl}${base}`);
    await click('form input[name="service"] ~ button', 'a service’s draft, prefilled from its OpenAPI description');

    await signIn('viewer');
    await page.goto(`${baseUrl}${base}?lang=${locale}`);
    await check('the organisation’s records as a viewer sees them');
    assert.equal(await page.locator(`form[action="${base}/drafts"]`).count(), 0, 'a viewer is offered nothing to change');
    await page.goto(editing);
    await check('a draft’s summary as a viewer sees it');
    assert.equal(await page.locator('form[action$="/publish"]').count(), 0);
    problems.consoleErrors = problems.consoleErrors.filter((text) => !/status of 400 \(Bad Request\)/.test(text));
    expectNoPageProblems(problems);
  });
}
