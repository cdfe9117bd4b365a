import assert from 'node:assert/strict';
import { test } from 'node:test';
import { expectNoAccessibilityViolations, expectNoPageProblems, launchBrowser, openPage, startVisit } from '../../../../testing/browser.ts';
import { createOperatorStore } from '../../operators/operator.store.ts';
import { CLI_ACTOR } from '../../organisations/organisations.ts';
import { openSigningIn } from '../console-pages.test-kit.ts';
import { leaveOnlyTextMessages, makeFailedJob, startWithOperator } from './operator-pages.test-kit.ts';

/**
 * Every operator page, with something on it (an organisation and service, a failed job, audit
 * events, a second operator), and the forms with their errors shown, in English and Welsh, in
 * Chromium under the real Content-Security-Policy: axe finds no WCAG 2.2 AA violation, the page is
 * in its language, and nothing on it failed to load or run.
 */
test('operator pages in English and Welsh: axe finds nothing, nothing fails to load', async (t) => {
  const browser = await launchBrowser(t);
  const { civitas, browser: formClient } = await startWithOperator(t);
  const { kernel, organisations, baseUrl } = civitas;
  const { organisation } = await organisations.createOrganisation({ name: 'Department for Fishing', ownerEmail: 'owner@example.gov.uk', actor: CLI_ACTOR });
  await organisations.createService({ organisationId: organisation.id, name: 'Apply for a fishing licence', actor: CLI_ACTOR });
  await makeFailedJob(kernel, 'test.broken', 'SMTP 550: mailbox unavailable');
  await organisations.addOperator({ email: 'second@example.gov.uk', actor: CLI_ACTOR });
  const second = (await createOperatorStore(kernel.db).list()).find((row) => row.email === 'second@example.gov.uk');
  assert.ok(second);
  // A verification to show, and a page of events with a link to the next.
  const verifyPage = await formClient.get('/console/operator/audit');
  await formClient.submit(verifyPage, {}, '/console/operator/audit/verify');

  const paths = [
    '/console',
    '/console/operator',
    '/console/operator/organisations',
    '/console/operator/audit',
    '/console/operator/audit?action=console&from=2000-01-01',
    '/console/operator/audit?from=2026-02-30&action=not%20an%20action',
    '/console/operator/jobs',
    '/console/operator/jobs?done=not-retried',
    '/console/operator/audit?done=verified',
    '/console/operator/signing-keys',
    '/console/operator/retention',
    '/console/operator/health',
    '/console/operator/operators',
    '/console/operator/operators?done=added',
    `/console/operator/operators/${second.id}/remove`,
  ];
  const sessionCookies = [...formClient.cookies].map(([name, value]) => ({ name, value, url: baseUrl }));
  // An operator whose One Login has text messages only: the page telling them to add a passkey.
  const weak = await civitas.account('weak@example.gov.uk');
  await organisations.addOperator({ email: weak.email, actor: CLI_ACTOR });
  const weakClient = civitas.browser();
  await openSigningIn(weakClient, weak, '/console/operator');
  await leaveOnlyTextMessages(kernel, weak);
  const weakCookies = [...weakClient.cookies].map(([name, value]) => ({ name, value, url: baseUrl }));
  // One browser page for the whole walk: a new context for each visit costs as much as the visit.
  const walker = await openPage(t, browser);
  for (const locale of ['en', 'cy'] as const) {
    for (const path of paths) {
      await t.test(`${path} (${locale})`, async () => {
        const { page, problems } = walker;
        await startVisit(walker, sessionCookies);
        const expected = path.includes('2026-02-30') ? 400 : 200;
        const response = await page.goto(`${baseUrl}${path}${path.includes('?') ? '&' : '?'}lang=${locale}`);
        assert.equal(response?.status(), expected, `${path} answers ${expected}`);
        assert.equal(await page.getAttribute('html', 'lang'), locale);
        await expectNoAccessibilityViolations(page);
        expectNoPageProblems(problems, { expectedDocumentStatus: expected === 200 ? undefined : expected });
      });
    }
    await t.test(`the page asking for a passkey or an authenticator app (${locale})`, async () => {
      const { page, problems } = walker;
      await startVisit(walker, weakCookies);
      const response = await page.goto(`${baseUrl}/console/operator?lang=${locale}`);
      assert.equal(response?.status(), 403);
      assert.equal(await page.getAttribute('html', 'lang'), locale);
      await expectNoAccessibilityViolations(page);
      expectNoPageProblems(problems, { expectedDocumentStatus: 403 });
    });
    await t.test(`/console/operator/operators/add, and the form with its error (${locale})`, async () => {
      const { page, problems } = walker;
      await startVisit(walker, sessionCookies);
      const response = await page.goto(`${baseUrl}/console/operator/operators/add?lang=${locale}`);
      assert.equal(response?.status(), 200, '/console/operator/operators/add answers 200');
      assert.equal(await page.getAttribute('html', 'lang'), locale);
      await expectNoAccessibilityViolations(page);
      expectNoPageProblems(problems);
      await page.fill('#email', 'not an address');
      await page.keyboard.press('Tab');
      await page.keyboard.press('Enter');
      await page.waitForSelector('.govuk-error-summary');
      await expectNoAccessibilityViolations(page);
      expectNoPageProblems(problems, { expectedDocumentStatus: 400 });
    });
  }
});
