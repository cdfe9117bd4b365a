import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Browser } from 'playwright-core';
import { expectNoAccessibilityViolations, expectNoPageProblems, launchBrowser, openPage, startVisit } from '../../../testing/browser.ts';
import { equipService, startWithService } from './console-pages.test-kit.ts';

/**
 * Every console page a service team sees, signed out and signed in as an owner, in English and
 * Welsh, in Chromium under the real Content-Security-Policy: axe finds no WCAG 2.2 AA violation,
 * the page is in its language, and nothing on it failed to load or run. Forms are also checked
 * with their errors shown, and walked with the keyboard alone to their button.
 */

let browser: Browser;

test('console pages, signed out and as an owner, in English and Welsh: axe finds nothing, nothing fails to load', async (t) => {
  browser = await launchBrowser(t);
  const { civitas, browser: formClient, organisation, servicePath } = await startWithService(t);
  const { baseUrl } = civitas;
  const equipped = await equipService(civitas.onboarding, (await civitas.organisations.createService({
    organisationId: organisation.id,
    name: 'Register a boat',
    actor: { audit: 'operator:test', label: 'operator:test' },
  })));
  const { invitationId } = await civitas.organisations.invite({ organisationId: organisation.id, email: 'owain@example.gov.uk', role: 'viewer', actor: { audit: 'operator:test', label: 'operator:test' } });
  const organisationPath = `/console/organisations/${organisation.id}`;
  const organisationPage = await formClient.get(organisationPath);
  const memberId = /\/members\/([A-Za-z0-9_-]+)\/role/.exec(organisationPage.html)?.[1];
  assert.ok(memberId, "the organisation page links to a member's role");
  const equippedPath = /href="([^"]+\/services\/[^"/]+)"[^>]*>\s*Register a boat/.exec(organisationPage.html)?.[1];
  assert.ok(equippedPath, 'the organisation page links to each service');

  const signedIn = [
    '/console',
    organisationPath,
    `${organisationPath}/services/new`,
    `${organisationPath}/members/invite`,
    `${organisationPath}/members/${memberId}/role`,
    `${organisationPath}/members/${memberId}/remove`,
    `${organisationPath}/invitations/${invitationId}/withdraw`,
    servicePath,
    `${servicePath}/clients/new`,
    equippedPath,
    `${equippedPath}/notify/keys/new`,
    `${equippedPath}/pay/keys/new`,
    `${equippedPath}/clients/${equipped.clientId}/redirect-uris`,
    `${equippedPath}/notify/keys/${equipped.notifyKeyId}/revoke`,
    `${equippedPath}/pay/keys/${equipped.payKeyId}/revoke`,
  ];
  const signedOut = ['/console', '/console/signed-out'];
  const sessionCookies = [...formClient.cookies].map(([name, value]) => ({ name, value, url: baseUrl }));

  // One browser page for the whole walk: a new context for each visit costs as much as the visit.
  const walker = await openPage(t, browser);
  const newServicePath = `${organisationPath}/services/new`;

  for (const locale of ['en', 'cy'] as const) {
    // The form test below visits the new-service form in Welsh.
    const signedInHere = signedIn.filter((path) => !(locale === 'cy' && path === newServicePath));
    for (const [path, cookies] of [...signedOut.map((path) => [path, []] as const), ...signedInHere.map((path) => [path, sessionCookies] as const)]) {
      await t.test(`${path} (${locale}${cookies.length ? ', signed in' : ''})`, async () => {
        const { page, problems } = walker;
        await startVisit(walker, cookies);
        const response = await page.goto(`${baseUrl}${path}?lang=${locale}`);
        assert.equal(response?.status(), 200, `${path} answers 200`);
        assert.equal(await page.getAttribute('html', 'lang'), locale);
        await expectNoAccessibilityViolations(page);
        expectNoPageProblems(problems);
      });
    }
  }

  await t.test(`${newServicePath} (cy, signed in), and with its errors shown, reached by keyboard alone`, async () => {
    const { page, problems } = walker;
    await startVisit(walker, sessionCookies);
    const response = await page.goto(`${baseUrl}${newServicePath}?lang=cy`);
    assert.equal(response?.status(), 200, `${newServicePath} answers 200`);
    assert.equal(await page.getAttribute('html', 'lang'), 'cy');
    await expectNoAccessibilityViolations(page);
    expectNoPageProblems(problems);
    await page.locator('form button[type="submit"], form .govuk-button').first().click();
    await page.waitForLoadState();
    assert.ok(await page.locator('.govuk-error-summary').isVisible(), 'the error summary is shown');
    assert.match((await page.locator('.govuk-error-message').first().textContent()) ?? '', /Gwall:/);
    await expectNoAccessibilityViolations(page);
    // Tab from the top of the page until the focus reaches the form's button.
    let reached = false;
    for (let presses = 0; presses < 40 && !reached; presses += 1) {
      await page.keyboard.press('Tab');
      reached = (await page.locator('form .govuk-button:focus').count()) === 1;
    }
    assert.ok(reached, 'the form button is reached with the Tab key');
    expectNoPageProblems(problems, { expectedDocumentStatus: 400 });
  });
});
