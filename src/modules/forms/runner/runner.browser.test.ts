import assert from 'node:assert/strict';
import { after, test, type TestContext } from 'node:test';
import type { Page } from 'playwright-core';
import type { Locale } from '../../../platform/http/i18n.ts';
import { expectNoAccessibilityViolations, expectNoPageProblems, launchBrowser, openPage, startTestServer, type PageProblems } from '../../../testing/browser.ts';
import { createFormVersions } from '../versions/form-versions.ts';
import { SMALL_PDF, SMALL_PNG } from '../files/file-samples.test-kit.ts';
import { FORM, readExampleForm } from './runner.test-kit.ts';

/**
 * A person fills in the example form, with every answer type, a routing choice and "add another",
 * in headless Chromium under the real Content-Security-Policy, in English and in Welsh: axe finds
 * no WCAG 2.2 AA violation on any page (an error page included), and nothing fails to load or run.
 */

const browser = await launchBrowser(after);

const TEXT = {
  en: { check: 'Check your answers before submitting your form', done: 'Your form has been submitted', selectAnswer: 'Select an answer', wrongKind: 'The selected file must be a JPG, PNG or PDF' },
  cy: { check: 'Gwiriwch eich atebion cyn cyflwyno eich ffurflen', done: 'Mae eich ffurflen wedi’i chyflwyno', selectAnswer: 'Dewiswch ateb', wrongKind: 'Rhaid i’r ffeil a ddewiswyd fod yn JPG, PNG neu PDF' },
} as const;

async function checkPage(page: Page, problems: PageProblems, pathname: string): Promise<void> {
  assert.equal(new URL(page.url()).pathname, pathname);
  await expectNoAccessibilityViolations(page);
  expectNoPageProblems(problems);
}

async function continueTo(page: Page, problems: PageProblems, pathname: string): Promise<void> {
  await page.locator('main button.govuk-button').click();
  await page.waitForURL((url) => url.pathname === pathname);
  await checkPage(page, problems, pathname);
}

async function fillInTheForm(t: TestContext, locale: Locale): Promise<void> {
  const { baseUrl, kernel } = await startTestServer(t);
  const definition = readExampleForm();
  // A long list: a select, the form the autocomplete pattern takes without JavaScript.
  const rivers = Array.from({ length: 31 }, (_, index) => ({ value: `river-${index}`, label: { en: `River ${index}`, cy: `Afon ${index}` } }));
  definition.pages.splice(12, 0, { id: 'river', answerType: 'selection', question: { en: 'Which river?', cy: 'Pa afon?' }, settings: { options: rivers } });
  await createFormVersions({ db: kernel.db, audit: kernel.audit }).importForm({ serviceId: 'service-a', definition, actor: 'operator:test' });
  const { page, problems } = await openPage(t, browser);
  const text = TEXT[locale];
  const at = (id: string) => `${FORM}/pages/${id}`;

  await page.goto(`${baseUrl}${FORM}?lang=${locale}`);
  await checkPage(page, problems, at('licence-type'));
  await page.locator('main button.govuk-button').click();
  await page.waitForSelector('.govuk-error-summary');
  assert.match(await page.locator('.govuk-error-summary').innerText(), new RegExp(text.selectAnswer));
  await checkPage(page, problems, at('licence-type'));

  await page.check('input[name="answer"][value="rod"]');
  await continueTo(page, problems, at('full-name'));
  await page.fill('#title', 'Dr');
  await page.fill('#first_name', 'Ffion');
  await page.fill('#last_name', 'Jones');
  await continueTo(page, problems, at('organisation'));
  await page.fill('#answer', 'Clwb Pysgota Teifi');
  await continueTo(page, problems, at('email'));
  await page.fill('#answer', 'ffion@example.com');
  await continueTo(page, problems, at('phone'));
  await page.fill('#answer', '07700 900 982');
  await continueTo(page, problems, at('ni-number'));
  await page.fill('#answer', 'JH 12 34 56 C');
  await continueTo(page, problems, at('home-address'));
  await page.fill('#address_line_1', '1 Stryd Fawr');
  await page.fill('#town', 'Aberystwyth');
  await page.fill('#postcode', 'SY23 1AA');
  await continueTo(page, problems, at('abroad-address'));
  await page.fill('#address', '1 Rue de la Paix\nParis');
  await page.fill('#country', 'France');
  await continueTo(page, problems, at('date-of-birth'));
  await page.fill('#day', '27');
  await page.fill('#month', '3');
  await page.fill('#year', '1990');
  await continueTo(page, problems, at('start-date'));
  await page.fill('#day', '1');
  await page.fill('#month', '4');
  await page.fill('#year', '2027');
  await continueTo(page, problems, at('waters'));
  await page.check('input[name="answer"][value="rivers"]');
  await page.check('input[name="answer"][value="sea"]');
  await continueTo(page, problems, at('rods'));
  await page.fill('#answer', '2');
  await continueTo(page, problems, at('river'));
  await page.selectOption('#answer', 'river-30');
  await continueTo(page, problems, at('boat-name'));
  await page.fill('#answer', 'Morwennol');
  await continueTo(page, problems, `${at('boat-name')}/add-another`);
  await page.check('input[name="add_another"][value="yes"]');
  await continueTo(page, problems, at('boat-name'));
  await page.fill('#answer', 'Gwylan');
  await continueTo(page, problems, `${at('boat-name')}/add-another`);
  await page.locator(`a[href="${at('boat-name')}/remove?item=1"]`).click();
  await page.waitForURL((url) => url.pathname === `${at('boat-name')}/remove`);
  await checkPage(page, problems, `${at('boat-name')}/remove`);
  await page.check('input[name="remove"][value="yes"]');
  await continueTo(page, problems, `${at('boat-name')}/add-another`);
  await page.check('input[name="add_another"][value="yes"]');
  await continueTo(page, problems, at('boat-name'));
  await page.fill('#answer', 'Gwylan');
  await continueTo(page, problems, `${at('boat-name')}/add-another`);
  await page.check('input[name="add_another"][value="no"]');
  await continueTo(page, problems, at('experience'));
  await page.fill('#answer', 'Deng mlynedd ar afon Teifi');
  await continueTo(page, problems, at('licence-photo'));
  await page.setInputFiles('#answer', { name: 'trwydded.pdf', mimeType: 'application/pdf', buffer: Buffer.from('not a PDF at all') });
  await page.locator('main button.govuk-button').click();
  await page.waitForSelector('.govuk-error-summary');
  assert.match(await page.locator('.govuk-error-summary').innerText(), new RegExp(text.wrongKind));
  await checkPage(page, problems, at('licence-photo'));
  await page.setInputFiles('#answer', { name: 'trwydded.pdf', mimeType: 'application/pdf', buffer: SMALL_PDF });
  await continueTo(page, problems, `${FORM}/check-answers`);
  assert.match(await page.locator('main').innerText(), /trwydded\.pdf/);
  assert.equal(await page.locator('h1').innerText(), text.check);
  assert.match(await page.locator('main').innerText(), /Gwylan/);

  await continueTo(page, problems, `${FORM}/confirmation`);
  assert.equal((await page.locator('.govuk-panel__title').innerText()).trim(), text.done);
  assert.match(await page.locator('.govuk-panel__body').innerText(), /FISH-[A-Z0-9]{4}-[A-Z0-9]{4}/);
}

test('a person fills in a form with every answer type in English; axe finds nothing on any page', (t) => fillInTheForm(t, 'en'));

test('a person fills in a form with every answer type in Welsh; axe finds nothing on any page', (t) => fillInTheForm(t, 'cy'));

test('without JavaScript: the exit page, the server refusing "None of the above" with another answer, and a submission', async (t) => {
  const { baseUrl, kernel } = await startTestServer(t);
  await createFormVersions({ db: kernel.db, audit: kernel.audit }).importForm({ serviceId: 'service-a', definition: readExampleForm(), actor: 'operator:test' });
  const context = await browser.newContext({ javaScriptEnabled: false });
  t.after(() => context.close());
  const page = await context.newPage();
  const at = (id: string) => `${FORM}/pages/${id}`;
  const answer = async (fill: () => Promise<void>, next: string) => {
    await fill();
    await page.locator('main button.govuk-button').click();
    await page.waitForURL((url) => url.pathname === next);
  };

  await page.goto(`${baseUrl}${FORM}`);
  await answer(() => page.check('input[name="answer"][value="none"]'), `${FORM}/exit/cannot-apply`);
  await page.locator('.govuk-back-link').click();
  await page.waitForURL((url) => url.pathname === at('licence-type'));
  await answer(() => page.check('input[name="answer"][value="net"]'), at('organisation'));
  await answer(() => page.fill('#answer', 'Clwb Pysgota Teifi'), at('email'));
  await answer(() => page.fill('#answer', 'ffion@example.com'), at('phone'));
  await answer(() => page.fill('#answer', '07700 900 982'), at('ni-number'));
  await answer(() => page.fill('#answer', 'JH 12 34 56 C'), at('home-address'));
  await answer(async () => {
    await page.fill('#address_line_1', '1 Stryd Fawr');
    await page.fill('#town', 'Aberystwyth');
    await page.fill('#postcode', 'SY23 1AA');
  }, at('abroad-address'));
  await answer(async () => {}, at('date-of-birth'));
  await answer(async () => {
    await page.fill('#day', '27');
    await page.fill('#month', '3');
    await page.fill('#year', '1990');
  }, at('start-date'));
  await answer(async () => {
    await page.fill('#day', '1');
    await page.fill('#month', '4');
    await page.fill('#year', '2027');
  }, at('waters'));
  await answer(async () => {
    await page.check('input[name="answer"][value="sea"]');
    await page.check('input[name="answer"][value="none"]');
  }, at('waters'));
  assert.match(await page.locator('.govuk-error-summary').innerText(), /Select ‘None of the above’ or other answers, not both/);
  await answer(() => page.uncheck('input[name="answer"][value="none"]'), at('rods'));
  await answer(() => page.fill('#answer', '1'), at('boat-name'));
  await answer(() => page.fill('#answer', 'Morwennol'), `${at('boat-name')}/add-another`);
  await answer(() => page.check('input[name="add_another"][value="no"]'), at('experience'));
  await answer(async () => {}, at('licence-photo'));
  await answer(() => page.setInputFiles('#answer', { name: 'licence.png', mimeType: 'image/png', buffer: SMALL_PNG }), `${FORM}/check-answers`);
  assert.match(await page.locator('main').innerText(), /licence\.png/);
  await answer(async () => {}, `${FORM}/confirmation`);
  assert.match(await page.locator('.govuk-panel__body').innerText(), /FISH-[A-Z0-9]{4}-[A-Z0-9]{4}/);
});
