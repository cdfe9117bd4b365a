import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import type { Page } from 'playwright-core';
import { expectNoAccessibilityViolations, expectNoPageProblems, launchBrowser, openPage, startTestServer } from '../../../../testing/browser.ts';
import { EXAMPLES_DIRECTORY } from '../../guidance.cli.ts';
import { openGuidanceLibrary } from '../../guidance.contract.ts';
import { importGuidanceFolder } from '../../import/import-folder.ts';

const browser = await launchBrowser(after);

async function askAndRate(page: Page, baseUrl: string, question: string, lang: 'en' | 'cy') {
  await page.goto(`${baseUrl}/ask?lang=${lang}`);
  await page.fill('#question', question);
  await page.click('form[action="/ask"] button');
  assert.match(page.url(), /\/ask\/answer\?passage=/);
  assert.ok((await page.locator('main .govuk-inset-text a').count()) > 0, 'each passage links to its source');
  await page.check('input[name=useful][value=yes]');
  await page.click('form[action^="/ask/feedback"] button');
  assert.match(await page.textContent('.govuk-notification-banner') ?? '', lang === 'en' ? /Thank you/ : /Diolch/);
}

test('the /ask journey in Chromium with JavaScript, English and Welsh, axe clean at every step', async (t) => {
  const { baseUrl, kernel } = await startTestServer(t);
  await importGuidanceFolder({ directory: EXAMPLES_DIRECTORY, library: openGuidanceLibrary(kernel), actor: 'test', publish: true });
  for (const [question, lang] of [['How much does a Blue Badge cost?', 'en'], ['Faint mae Bathodyn Glas yn ei gostio?', 'cy']] as const) {
    const { page, problems } = await openPage(t, browser);
    await page.goto(`${baseUrl}/ask?lang=${lang}`);
    await expectNoAccessibilityViolations(page);
    await page.click('form[action="/ask"] button');
    assert.equal(await page.getAttribute('#question', 'aria-describedby')?.then((value) => value?.includes('question-error')), true);
    await expectNoAccessibilityViolations(page);
    await page.fill('#question', question);
    await page.click('form[action="/ask"] button');
    await expectNoAccessibilityViolations(page);
    await page.goto(`${baseUrl}/ask/answer?refused=personal-data&lang=${lang}`);
    await expectNoAccessibilityViolations(page);
    await page.goto(`${baseUrl}/ask/transparency?lang=${lang}`);
    await expectNoAccessibilityViolations(page);
    await askAndRate(page, baseUrl, question, lang);
    await expectNoAccessibilityViolations(page);
    expectNoPageProblems(problems);
  }
});

test('the /ask journey works without JavaScript', async (t) => {
  const { baseUrl, kernel } = await startTestServer(t);
  await importGuidanceFolder({ directory: EXAMPLES_DIRECTORY, library: openGuidanceLibrary(kernel), actor: 'test', publish: true });
  const context = await browser.newContext({ javaScriptEnabled: false });
  t.after(() => context.close());
  await askAndRate(await context.newPage(), baseUrl, 'What happens if I do not pay a parking fine?', 'en');
});
