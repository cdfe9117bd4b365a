import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { clickToNextPage, expectAccessiblePage, expectNoPageProblems, launchBrowser, openPage, startTestServer } from '../../../testing/browser.ts';
import { signInConsoleMember } from '../../console/teams/console-teams-testing.contract.ts';
import { sendSignedCall, setUpProviderAndClient, startTestProvider } from '../../exchange/exchange-testing.contract.ts';
import { recordPath } from '../pages/record-address.ts';
import { publishPipRecords } from './access-testing.ts';

/**
 * Asking for data in Chromium under the real Content-Security-Policy, in English and Welsh: from
 * a dataset's page to the form (its errors, then sent), the provider's review (refusing without a
 * reason, then approving), the requester's status page, a signed call that the agreement now
 * lets through, cut to the fields agreed, and the record page as a viewer sees it (no button).
 * axe finds no WCAG 2.2 AA violation on any page.
 */
const browser = await launchBrowser(after);

for (const locale of ['en', 'cy'] as const) {
  test(`asking for data, from a record page to a signed call, in ${locale === 'en' ? 'English' : 'Welsh'}`, async (t) => {
    const provider = await startTestProvider((_request, response) => {
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end(JSON.stringify({ status: 'awarded', rate: 'enhanced', name: 'Ann Example' }));
    });
    t.after(() => provider.server.close());
    const { baseUrl, app, kernel } = await startTestServer(t);
    const exchange = await setUpProviderAndClient(kernel, { baseUrl: provider.baseUrl, grant: false, fields: false });
    await publishPipRecords(kernel, exchange);
    const { page, problems } = await openPage(t, browser);
    const check = (what: string) => expectAccessiblePage(page, locale, what);
    const signIn = async (organisationId: string, role: 'owner' | 'viewer' = 'owner') => {
      const member = await signInConsoleMember(app, { organisationId, role, email: `${role}-${organisationId.slice(-6)}@example.gov.uk` });
      await page.context().addCookies([{ name: member.cookieName, value: member.cookieValue, url: baseUrl }]);
    };
    const click = async (selector: string, what: string) => {
      await clickToNextPage(page, page.locator(selector).first());
      await check(what);
    };

    await signIn(exchange.clientMember.organisation_id);
    await page.goto(`${baseUrl}${recordPath('/console/data', 'pip-awards')}?lang=${locale}`);
    await check('a dataset served by an Exchange service');
    await click('a.govuk-button[href*="/requests/new"]', 'the request form');
    await click('form button', 'the request form, with errors');
    assert.equal(await page.locator('.govuk-error-summary a').count(), 4, 'every field but the fields, which start all chosen');
    await page.locator('#purpose').fill('Blue Badge eligibility');
    await page.locator('input[name="lawfulBasis"][value="public-task"]').check();
    await page.locator('input[name="fields"][value="$.name"]').uncheck();
    await page.locator('#until-day').fill('31');
    await page.locator('#until-month').fill('12');
    await page.locator('#until-year').fill(String(new Date().getUTCFullYear() + 1));
    await page.locator(`input[name="subsystem"][value="${exchange.client}"]`).check();
    await click('form button', 'the request sent');
    const statusPath = new URL(page.url()).pathname;
    const requestId = statusPath.split('/').pop()!;

    await signIn(exchange.providerMember.organisation_id);
    await page.goto(`${baseUrl}/console/marketplace/${exchange.providerMember.organisation_id}/requests?lang=${locale}`);
    await check('the provider’s requests');
    await click(`a[href$="/requests/${requestId}"]`, 'the review page');
    await click('form[action$="/refuse"] button', 'refusing without a reason');
    assert.equal(await page.locator('.govuk-error-summary a[href="#reason"]').count(), 1);
    await click('form[action$="/approve"] button', 'the request approved');

    const call = await sendSignedCall(app, { path: `/r1/${exchange.service}/awards/AB123456C`, client: exchange.client, key: exchange.clientKeys[0]! });
    assert.equal(call.statusCode, 200, call.body);
    assert.deepEqual(call.json(), { status: 'awarded', rate: 'enhanced' }, 'the name was not asked for: cut at the gateway');

    await signIn(exchange.clientMember.organisation_id);
    await page.goto(`${baseUrl}${statusPath}?lang=${locale}`);
    await check('the requester’s approved request');

    await signIn(exchange.clientMember.organisation_id, 'viewer');
    await page.goto(`${baseUrl}${recordPath('/console/data', 'pip-awards')}`);
    await check('a dataset’s page as a viewer sees it: no button, and why');
    assert.equal(await page.locator('a.govuk-button[href*="/requests/new"]').count(), 0);
    assert.equal(await page.locator('.govuk-inset-text').count(), 2, 'members only, and why a viewer cannot ask');
    problems.consoleErrors = problems.consoleErrors.filter((text) => !/status of 400 \(Bad Request\)/.test(text));
    expectNoPageProblems(problems);
  });
}
