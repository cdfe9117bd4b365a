import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import type { Page } from 'playwright-core';
import type { Locale } from '../../../platform/http/i18n.ts';
import { expectAccessiblePage, expectNoPageProblems, launchBrowser, openPage, startTestServer } from '../../../testing/browser.ts';
import { signInConsoleMember, startWithOperator } from '../../console/teams/console-teams-testing.contract.ts';
import { addOrganisation, createTestRegistry, OPERATOR, setUpProviderAndClient } from '../testing/exchange-fixtures.ts';

/**
 * An organisation's Exchange pages in Chromium under the real Content-Security-Policy, in English
 * and Welsh: asking to become a member (with its errors), waiting, and a member's subsystems,
 * services and agreements, approved and ended from the page; a refused request with its reason; adding a subsystem or a service; granting and revoking access; a subsystem's keys, one added and the last revoked. axe finds no WCAG 2.2 AA violation.
 */
const browser = await launchBrowser(after);

const check = (page: Page, locale: Locale, what: string) => expectAccessiblePage(page, locale, what);

for (const locale of ['en', 'cy'] as const) {
  test(`an organisation's Exchange pages are accessible in ${locale === 'en' ? 'English' : 'Welsh'}`, async (t) => {
    const { baseUrl, app, kernel } = await startTestServer(t);
    const { page, problems } = await openPage(t, browser);
    const signIn = async (organisationId: string) => {
      const member = await signInConsoleMember(app, { organisationId, role: 'owner', email: `owner-${organisationId.slice(-6)}@example.gov.uk` });
      await page.context().addCookies([{ name: member.cookieName, value: member.cookieValue, url: baseUrl }]);
    };
    const submit = async (form: string, what: string) => {
      await Promise.all([page.waitForLoadState('load'), page.locator(`form[action$="${form}"] button`).first().click()]);
      await page.waitForLoadState('load');
      await check(page, locale, what);
    };

    const newcomer = await addOrganisation(kernel, 'Riverbank Council');
    await signIn(newcomer);
    await page.goto(`${baseUrl}/console/exchange/${newcomer}?lang=${locale}`);
    await check(page, locale, 'not a member yet');
    await submit('/membership', 'asking to become a member, with errors');
    assert.equal(await page.locator('.govuk-error-summary a').count(), 2);
    await page.locator('input[name="memberClass"][value="GOV"]').check();
    await page.locator('#memberCode').fill('RB005');
    await submit('/membership', 'waiting for approval');
    assert.equal(await page.locator('.govuk-notification-banner').count(), 1);
    const registry = createTestRegistry(kernel);
    const asked = (await registry.listPendingMembers()).find((member) => member.member_code === 'RB005');
    await registry.refuseMember({ memberId: asked!.id, actor: OPERATOR, reason: 'RB005 is not a code we can match to Riverbank Council' });
    await page.goto(`${baseUrl}/console/exchange/${newcomer}?lang=${locale}`);
    await check(page, locale, 'the request refused, with its reason');
    assert.equal(await page.locator('.govuk-inset-text').count(), 1);

    const setUp = await setUpProviderAndClient(kernel, { baseUrl: 'https://benefits.example.gov.uk/pip', fields: false });
    const agreementId = await setUp.agreements.add({ providerMemberId: setUp.providerMember.id, consumerMemberId: setUp.clientMember.id, serviceId: setUp.serviceId, purpose: 'Blue Badge eligibility', lawfulBasis: 'public-task', legalGateway: 'Digital Economy Act 2017', fields: '$.status,$.rate', until: '2099-12-31', actor: OPERATOR });
    await signIn(setUp.providerMember.organisation_id);
    await page.goto(`${baseUrl}/console/exchange/${setUp.providerMember.organisation_id}?lang=${locale}`);
    await check(page, locale, 'a provider with a subsystem, a service and a draft agreement');
    await submit('/approve', 'the agreement approved by one side');
    await setUp.agreements.approve(agreementId, setUp.clientMember.id, OPERATOR);
    await page.goto(`${baseUrl}/console/exchange/${setUp.providerMember.organisation_id}?lang=${locale}`);
    await submit('/suspend', 'the agreement suspended');
    await submit('/resume', 'the agreement resumed');
    await submit('/end', 'the agreement ended');
    await page.goto(`${baseUrl}/console/exchange/${setUp.providerMember.organisation_id}/services/${setUp.serviceId}/access?lang=${locale}`);
    await check(page, locale, 'access rights of a service');
    await page.locator('#endpoint').fill('FETCH awards');
    await submit('/access', 'granting access, with errors');
    await page.locator('#client').fill(setUp.client);
    await page.locator('#endpoint').fill('GET /awards/*');
    await submit('/access', 'access granted');
    await submit('/revoke', 'access revoked');
    await page.goto(`${baseUrl}/console/exchange/${setUp.providerMember.organisation_id}?lang=${locale}`);
    await Promise.all([page.waitForLoadState('load'), page.locator('a[href$="/keys"]').first().click()]);
    await check(page, locale, 'keys of a subsystem');
    await submit('/keys', 'adding a key, with errors');
    await Promise.all([page.waitForLoadState('load'), page.locator('a[href$="/revoke"]').first().click()]);
    await check(page, locale, 'revoking the last key');
    await submit('/revoke', 'revoking the last key, unconfirmed');
    assert.equal(await page.locator('.govuk-error-summary a').count(), 1);
    await page.locator('input[name="confirm"]').check();
    await submit('/revoke', 'the last key revoked');
    for (const kind of ['subsystems', 'services']) {
      await page.goto(`${baseUrl}/console/exchange/${setUp.providerMember.organisation_id}/${kind}/new?lang=${locale}`);
      await check(page, locale, `add to ${kind}`);
      await submit(`/${kind}/new`, `add to ${kind}, with errors`);
    }
    problems.consoleErrors = problems.consoleErrors.filter((text) => !/^Failed to load resource: the server responded with a status of 400 \(Bad Request\) \(http:\/\/127\.0\.0\.1:\d+\/console\/exchange\//.test(text));
    expectNoPageProblems(problems);
  });
}

for (const locale of ['en', 'cy'] as const) {
  test(`the operators' page of organisations waiting to join Exchange is accessible in ${locale === 'en' ? 'English' : 'Welsh'}`, async (t) => {
    const { civitas, browser: operator } = await startWithOperator(t);
    const { page, problems } = await openPage(t, browser);
    await page.context().addCookies([...operator.cookies].map(([name, value]) => ({ name, value, url: civitas.baseUrl })));
    const registry = createTestRegistry(civitas.kernel);
    for (const [name, code] of [['Riverside Council', 'RC002'], ['Hillside Council', 'HC003']] as const) {
      await registry.addMember({ organisationId: await addOrganisation(civitas.kernel, name), memberClass: 'GOV', memberCode: code, actor: { audit: 'console-person:asker', isOperator: false } });
    }
    await page.goto(`${civitas.baseUrl}/console/operator/exchange-members?lang=${locale}`);
    await check(page, locale, 'organisations waiting to join');
    await Promise.all([page.waitForLoadState('load'), page.locator('form[action$="/approve"] button').first().click()]);
    await page.waitForLoadState('load');
    await check(page, locale, 'one approved');
    await page.locator('textarea[name="reason"]').first().fill('x'.repeat(501));
    await Promise.all([page.waitForLoadState('load'), page.locator('form[action$="/refuse"] button').first().click()]);
    await page.waitForLoadState('load');
    await check(page, locale, 'refusing with a reason too long');
    assert.equal(await page.locator('.govuk-error-summary a').count(), 1);
    await page.locator('textarea[name="reason"]').first().fill('We cannot match HC003 to Hillside Council');
    await Promise.all([page.waitForLoadState('load'), page.locator('form[action$="/refuse"] button').first().click()]);
    await page.waitForLoadState('load');
    await check(page, locale, 'the other refused, none waiting');
    assert.equal(await page.locator('.govuk-summary-card').count(), 0);
    problems.consoleErrors = problems.consoleErrors.filter((text) => !/^Failed to load resource: the server responded with a status of 400 \(Bad Request\) \(http:\/\/127\.0\.0\.1:\d+\/console\/operator\/exchange-members\/[0-9a-f-]+\/refuse:0\)/.test(text));
    expectNoPageProblems(problems);
  });
}
