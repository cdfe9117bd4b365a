import assert from 'node:assert/strict';
import { test } from 'node:test';
import { clickToNextPage, expectNoAccessibilityViolations, expectNoPageProblems, launchBrowser, openPage, startTestServer } from '../../../../testing/browser.ts';
import { createProblemReports } from '../../problem-reports/problem-reports.ts';

test('in Chromium: the phase banner opens "Report a problem" in a new tab; errors and the character count are accessible; Reload and Back after sending send nothing again', async (t) => {
  const browser = await launchBrowser(t);
  const { baseUrl, kernel } = await startTestServer(t);
  const { context, page, problems } = await openPage(t, browser);

  await page.goto(`${baseUrl}/privacy`);
  const [tab] = await Promise.all([context.waitForEvent('page'), page.getByRole('link', { name: 'reporting a problem (opens in new tab)' }).click()]);
  await tab.waitForLoadState('load');
  assert.equal(new URL(tab.url()).pathname, '/report-a-problem');
  assert.equal(await tab.locator('input[name="page"]').inputValue(), '/privacy');
  await tab.close();

  await page.goto(`${baseUrl}/report-a-problem?page=%2Fprivacy`);
  await page.getByLabel('What went wrong?').fill('w'.repeat(3001));
  await page.getByText('You have 1 character too many', { exact: true }).first().waitFor({ state: 'attached' });
  await clickToNextPage(page, page.getByRole('button', { name: 'Send report' }));
  assert.equal(await page.title(), 'Error: Report a problem - Civitas');
  assert.match((await page.locator('.govuk-error-summary').textContent()) ?? '', /What went wrong must be 3,000 characters or less/);
  await expectNoAccessibilityViolations(page);

  // As on every GOV.UK form, a page with errors is the answer to its POST: the journey that
  // follows starts again from the form itself, so Back after sending leads to a page of a GET.
  await page.goto(`${baseUrl}/report-a-problem?page=%2Fprivacy`);
  await page.getByLabel('What went wrong?').fill('The pay button did nothing');
  await page.getByRole('button', { name: 'Send report' }).click();
  await page.waitForURL(`${baseUrl}/report-a-problem/sent`);
  await expectNoAccessibilityViolations(page);
  await page.reload();
  await page.goBack();
  assert.equal(new URL(page.url()).pathname, '/report-a-problem');
  await page.goForward();
  assert.equal(new URL(page.url()).pathname, '/report-a-problem/sent');
  const reports = await createProblemReports({ db: kernel.db }).listRecent(10);
  assert.deepEqual(reports.map((report) => [report.whatWentWrong, report.page]), [['The pay button did nothing', '/privacy']], 'one report, once');
  expectNoPageProblems(problems, { expectedDocumentStatus: 400 });
});
