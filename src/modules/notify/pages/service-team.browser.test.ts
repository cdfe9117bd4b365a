import { after, test } from 'node:test';
import type { Page } from 'playwright-core';
import {
  clickToNextPage,
  expectAccessiblePage,
  expectNoPageProblems,
  launchBrowser,
  openPage,
  startTestServer,
} from '../../../testing/browser.ts';
import type { Locale } from '../../../platform/http/i18n.ts';
import { createTestService } from '../fixtures/notify-fixtures.ts';
import { notifyCoreOf } from '../notify.core-cache.ts';
import { createConsoleTeam, signInConsoleMember } from '../../console/teams/console-teams-testing.contract.ts';

/**
 * Every Notify page in a real browser under the real Content-Security-Policy, in English and
 * Welsh: axe finds no WCAG 2.2 AA violation, and nothing on the page fails to load or run.
 */
const browser = await launchBrowser(after);
const LANGUAGES: Locale[] = ['en', 'cy'];

const check = (page: Page, locale: Locale, what: string) => expectAccessiblePage(page, locale, what);

for (const locale of LANGUAGES) {
  test(`every service-team and file page of Notify is accessible in ${locale === 'en' ? 'English' : 'Welsh'}`, async (t) => {
    const { baseUrl, app, kernel } = await startTestServer(t);
    const core = notifyCoreOf(kernel);
    const service = await createTestService(core, { name: 'Apply for a licence' });
    const serviceRow = await core.serviceAdmin.requireService(service.serviceId);
    const fileTemplate = await core.templates.create({
      serviceId: service.serviceId, type: 'email', name: 'File', subject: 'Your file', body: '((file))', createdBy: 'a@example.gov.uk', actor: 'operator:test',
    });
    const sent = await core.sender.send({
      sender: { service: serviceRow, apiKey: null }, type: 'email', template: fileTemplate, recipient: 'ffion@example.com',
      personalisation: { file: { file: Buffer.from('a,b\n').toString('base64'), filename: 'report.csv' } },
    });
    await core.sender.send({ sender: { service: serviceRow, apiKey: null }, type: 'sms', templateId: service.templates.sms.id, recipient: '07700900123', personalisation: { code: '1' } });
    const fileLink = sent.notification.body.slice(core.baseUrl.length);

    const { page, problems } = await openPage(t, browser);
    const go = async (path: string, what: string) => {
      await page.goto(`${baseUrl}${path}${path.includes('?') ? '&' : '?'}lang=${locale}`);
      await check(page, locale, what);
    };
    const submit = async (what: string) => {
      await clickToNextPage(page, page.locator('main form button.govuk-button').last());
      await check(page, locale, what);
    };

    await go('/notify', 'start page');
    const team = await createConsoleTeam(app, { notifyServiceId: service.serviceId });
    const member = await signInConsoleMember(app, { organisationId: team.organisationId, role: 'developer' });
    await page.context().addCookies([{ name: member.cookieName, value: member.cookieValue, url: baseUrl }]);
    const base = `/console/notify/${service.serviceId}`;
    await go(base, 'service page');
    await go(`${base}/notifications`, 'recent notifications');
    await go(`${base}/templates/new`, 'choose a template type');
    await submit('choose a template type, with an error');
    for (const type of ['email', 'sms', 'letter']) {
      await go(`${base}/templates/new/${type}`, `new ${type} template`);
    }
    await submit('new letter template, with errors');
    for (const template of Object.values(service.templates)) {
      await go(`${base}/templates/${template.id}`, `${template.type} template`);
      await go(`${base}/templates/${template.id}/edit`, `edit ${template.type} template`);
    }
    await go(`${base}/templates/${service.templates.email.id}`, 'email template');
    await page.locator('input.govuk-input').first().fill('Ffion');
    await submit('email template preview');

    await go(`${base}/callbacks`, 'callbacks, none set');
    await go(`${base}/callbacks/delivery-receipts`, 'callback for delivery receipts');
    await page.locator('#bearer_token').fill('short');
    await submit('callback for delivery receipts, with errors');
    await page.locator('#url').fill('https://callbacks.example.gov.uk/receipts');
    await page.locator('#bearer_token').fill('a-bearer-token-of-ours');
    await submit('callbacks, one saved (banner, token shown as set)');
    await go(`${base}/callbacks/delivery-receipts`, 'change the callback for delivery receipts');
    await go(`${base}/callbacks/delivery-receipts/remove`, 'remove the callback for delivery receipts');
    await go(`${base}/callbacks/received-text-messages`, 'callback for received text messages');

    await go(fileLink, 'confirm email address for a file');
    await submit('confirm email address, with an error');
    await page.locator('#email_address').fill('ffion@example.com');
    await submit('download page');
    await go('/notify/files/00000000-0000-4000-8000-000000000000?key=nope', 'file not available');
    // Chromium logs a console error for each page whose own document answered 400 or 404, as
    // the forms with errors and the missing file do on purpose.
    problems.consoleErrors = problems.consoleErrors.filter(
      (text) => !/^Failed to load resource: the server responded with a status of (400 \(Bad Request\)|404 \(Not Found\)) \(http:\/\/127\.0\.0\.1:\d+\/(console\/)?notify\//.test(text),
    );
    expectNoPageProblems(problems);
  });
}
