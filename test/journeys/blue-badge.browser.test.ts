import assert from 'node:assert/strict';
import { after, test, type TestContext } from 'node:test';
import type { Page } from 'playwright-core';
import { signInOnOneLoginPages } from '../../src/modules/identity/testing/browser-sign-in.ts';
import { createTestAccount, startIdentityServer } from '../../src/modules/identity/testing/identity-test-kit.ts';
import { SMALL_PNG } from '../../src/modules/forms/files/file-samples.test-kit.ts';
import { findConsoleService } from '../../src/modules/console/console.contract.ts';
import { signInConsoleMember } from '../../src/modules/console/teams/console-teams-testing.contract.ts';
import { expectNoAccessibilityViolations, expectNoPageProblems, launchBrowser, openPage, type PageProblems } from '../../src/testing/browser.ts';

/**
 * "Apply for a Blue Badge", the whole journey in Chromium, in English and in Welsh: from the home
 * page to the form, signing in with One Login, the PIP check (consent on Exchange's page, the
 * award read through Exchange), eligible without the questions about the condition, a photo, £10
 * on Pay's pages with the sandbox card, the confirmation, then the council team's submission pages
 * in the console. axe finds no WCAG 2.2 AA violation on the form's pages (the check and its result
 * included), the consent page and the team's pages.
 */

const browser = await launchBrowser(after);
const FORM = '/forms/apply-for-a-blue-badge';

const TEXT = {
  en: { continue: 'Continue', eligible: 'You are eligible', done: 'Your form has been submitted', check: 'Check your PIP award', refused: 'You did not give permission', unusable: 'This answer could not be used', exit: 'You are unlikely to get a Blue Badge' },
  cy: { continue: 'Parhau', eligible: 'Rydych yn gymwys', done: 'Mae eich ffurflen wedi’i chyflwyno', check: 'Gwirio eich dyfarniad PIP', refused: 'Ni roesoch ganiatâd', unusable: 'Nid oedd modd defnyddio’r ateb hwn', exit: 'Rydych yn annhebygol o gael Bathodyn Glas' },
} as const;

async function check(page: Page, problems: PageProblems, lang: 'en' | 'cy', pathname?: string, expectedDocumentStatus?: number) {
  if (pathname !== undefined) assert.equal(new URL(page.url()).pathname, pathname);
  assert.equal(await page.locator('html').getAttribute('lang'), lang, page.url());
  await expectNoAccessibilityViolations(page);
  expectNoPageProblems(problems, expectedDocumentStatus === undefined ? {} : { expectedDocumentStatus });
}

async function continueTo(page: Page, pathname: string) {
  await page.locator('main button.govuk-button').click();
  await page.waitForURL((url) => url.pathname === pathname);
}

async function applyForABlueBadge(t: TestContext, lang: 'en' | 'cy') {
  const text = TEXT[lang];
  const { kernel, baseUrl, app } = await startIdentityServer(t, { environment: { DEMO_EXCHANGE: 'true', DEMO_SERVICE: 'true', OUTBOUND_ALLOW_PRIVATE_NETWORK: 'false' } });
  const alex = await createTestAccount(kernel, 'alex@example.com');
  const { page, problems } = await openPage(t, browser);
  const at = (id: string) => `${FORM}/pages/${id}`;

  await page.goto(`${baseUrl}/?lang=${lang}`);
  await page.locator(`main a[href="${FORM}"]`).click();
  await signInOnOneLoginPages(page, alex, text.continue);
  await page.waitForURL((url) => url.pathname === at('pip-reference'));
  await check(page, problems, lang, at('pip-reference'));
  await page.fill('#answer', 'QQ123456A');
  // The name and date of birth before the check: the award is found only for the person it is of.
  await continueTo(page, at('full-name'));
  await check(page, problems, lang, at('full-name'));
  await page.fill('#full_name', 'Alex Example');
  await continueTo(page, at('date-of-birth'));
  await check(page, problems, lang, at('date-of-birth'));
  await page.fill('#day', '12');
  await page.fill('#month', '4');
  await page.fill('#year', '1968');
  await continueTo(page, at('pip-check'));
  assert.equal(await page.locator('h1').innerText(), text.check);
  await check(page, problems, lang, at('pip-check'));

  await page.locator('main button.govuk-button').click();
  await page.waitForURL((url) => url.pathname.startsWith('/account/consent/') || url.pathname.includes('/sign-in/'));
  if (new URL(page.url()).pathname.includes('/sign-in/')) await signInOnOneLoginPages(page, alex, text.continue);
  await page.waitForURL(/\/account\/consent\/[0-9a-f-]{36}$/);
  await check(page, problems, lang);
  await page.locator('input[name="answer"][value="yes"]').check();
  await page.getByRole('button', { name: text.continue }).click();
  await page.waitForURL((url) => url.pathname === at('pip-check/result'));
  assert.equal(await page.locator('h1').innerText(), text.eligible);
  await check(page, problems, lang, at('pip-check/result'));

  await page.locator('main a.govuk-button').click();
  await page.waitForURL((url) => url.pathname === at('address'));
  await page.fill('#address_line_1', '1 Example Street');
  await page.fill('#town', 'Exampleton');
  await page.fill('#postcode', 'ZZ1 1AA');
  await continueTo(page, at('email'));
  await continueTo(page, at('photo'));
  await check(page, problems, lang, at('photo'));
  await page.setInputFiles('#answer', { name: 'alex.png', mimeType: 'image/png', buffer: SMALL_PNG });
  await continueTo(page, `${FORM}/check-answers`);
  await check(page, problems, lang, `${FORM}/check-answers`);
  assert.match(await page.locator('main').innerText(), /rate\.mobility: enhanced/);

  await page.locator('main button.govuk-button').click();
  await page.waitForURL(/\/pay\//);
  await page.locator('[name="cardNo"]').fill('4444333322221111');
  await page.locator('[name="expiryMonth"]').fill('12');
  await page.locator('[name="expiryYear"]').fill('2035');
  await page.locator('[name="cardholderName"]').fill('Alex Example');
  await page.locator('[name="cvc"]').fill('123');
  await page.locator('[name="addressLine1"]').fill('1 Example Street');
  await page.locator('[name="addressCity"]').fill('Exampleton');
  await page.locator('[name="addressPostcode"]').fill('ZZ1 1AA');
  const email = page.locator('[name="email"]');
  if ((await email.count()) > 0) await email.fill('alex@example.com');
  await page.locator('main button.govuk-button').first().click();
  await page.waitForURL((url) => url.pathname.endsWith('/confirm') || url.pathname === `${FORM}/confirmation`);
  if (new URL(page.url()).pathname.endsWith('/confirm')) {
    await page.locator('main button.govuk-button').first().click();
    await page.waitForURL((url) => url.pathname === `${FORM}/confirmation`);
  }
  assert.match(await page.locator('main').innerText(), new RegExp(text.done));
  assert.match(await page.locator('main').innerText(), /BB-[23456789A-HJ-NP-Z]{8}/);
  await check(page, problems, lang, `${FORM}/confirmation`);

  // The example council's team, signed in to the console: the submissions and Alex's, with the evidence.
  const form = await kernel.db.withTables<{ forms_form: { id: string; service_id: string; slug: string } }>().selectFrom('forms_form').select(['id', 'service_id']).where('slug', '=', 'apply-for-a-blue-badge').executeTakeFirstOrThrow();
  const council = await findConsoleService(kernel.db, form.service_id);
  const member = await signInConsoleMember(app, { organisationId: council?.organisationId as string, role: 'viewer' });
  await page.context().addCookies([{ name: member.cookieName, value: member.cookieValue, url: baseUrl }]);
  const listPath = `/console/forms/${council?.organisationId}/forms/${form.id}/submissions`;
  await page.goto(`${baseUrl}${listPath}?lang=${lang}`);
  await check(page, problems, lang, listPath);
  await page.locator('main table a.govuk-link').first().click();
  await page.waitForURL((url) => url.pathname.startsWith(`${listPath}/`));
  assert.match(await page.locator('main').innerText(), /rate\.mobility: enhanced/);
  await check(page, problems, lang);
}

test('Apply for a Blue Badge in Chromium, in English: eligible through PIP via Exchange, photo, £10 through Pay, confirmation; axe clean', (t) => applyForABlueBadge(t, 'en'));
test('Apply for a Blue Badge in Chromium, in Welsh: the same journey in Welsh; axe clean', (t) => applyForABlueBadge(t, 'cy'));

/** Refusing consent: the result page, the long form with its routing to the exit page, then a consent answer that cannot be used (400). */
async function refuseConsent(t: TestContext, lang: 'en' | 'cy') {
  const text = TEXT[lang];
  const { kernel, baseUrl } = await startIdentityServer(t, { environment: { DEMO_EXCHANGE: 'true', DEMO_SERVICE: 'true', OUTBOUND_ALLOW_PRIVATE_NETWORK: 'false' } });
  const sam = await createTestAccount(kernel, 'sam@example.com');
  const { page, problems } = await openPage(t, browser);
  const at = (id: string) => `${FORM}/pages/${id}`;
  await page.goto(`${baseUrl}${FORM}?lang=${lang}`);
  await signInOnOneLoginPages(page, sam, text.continue);
  await page.waitForURL((url) => url.pathname === at('pip-reference'));
  await page.locator('main button.govuk-button').click();
  await page.waitForSelector('.govuk-error-summary');
  await check(page, problems, lang, at('pip-reference'));
  await page.fill('#answer', 'QQ123456B');
  await continueTo(page, at('full-name'));
  await page.fill('#full_name', 'Sam Sample');
  await continueTo(page, at('date-of-birth'));
  await page.fill('#day', '30');
  await page.fill('#month', '11');
  await page.fill('#year', '1990');
  await continueTo(page, at('pip-check'));
  await page.locator('main button.govuk-button').click();
  await page.waitForURL((url) => url.pathname.startsWith('/account/consent/') || url.pathname.includes('/sign-in/'));
  if (new URL(page.url()).pathname.includes('/sign-in/')) await signInOnOneLoginPages(page, sam, text.continue);
  await page.waitForURL(/\/account\/consent\/[0-9a-f-]{36}$/);
  await page.locator('input[name="answer"][value="no"]').check();
  await page.getByRole('button', { name: text.continue }).click();
  await page.waitForURL((url) => url.pathname === at('pip-check/result'));
  assert.equal(await page.locator('h1').innerText(), text.refused);
  await check(page, problems, lang, at('pip-check/result'));
  const next = await page.locator('main a.govuk-button').getAttribute('href');

  await page.goto(`${baseUrl}${next}`);
  await check(page, problems, lang, at('walking'));
  await page.check('input[name="answer"][value="over-80"]');
  await continueTo(page, `${FORM}/exit/walks-too-far`);
  assert.equal(await page.locator('h1').innerText(), text.exit);
  await check(page, problems, lang, `${FORM}/exit/walks-too-far`);

  // Last, as the browser keeps reporting the 400 it was answered with.
  await page.goto(`${baseUrl}${at('pip-check/consent-answer')}?state=made-up&consent_token=x.y.z`);
  assert.equal(await page.locator('h1').innerText(), text.unusable);
  await check(page, problems, lang, at('pip-check/consent-answer'), 400);
}

test('Blue Badge in Chromium, refusing consent, in English: the result page, the long form to its exit page, and an unusable answer (400); axe clean', (t) => refuseConsent(t, 'en'));
test('Blue Badge in Chromium, refusing consent, in Welsh; axe clean', (t) => refuseConsent(t, 'cy'));
