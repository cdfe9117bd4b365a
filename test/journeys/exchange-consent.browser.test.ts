import assert from 'node:assert/strict';
import { after, test, type TestContext } from 'node:test';
import type { Page } from 'playwright-core';
import { createAccountService } from '../../src/modules/identity/accounts/account.service.ts';
import { createProviderRuntime } from '../../src/modules/identity/provider/provider-runtime.ts';
import { createTestAccount, startIdentityServer } from '../../src/modules/identity/testing/identity-test-kit.ts';
import { registerClientOf } from '../../src/modules/exchange/testing/consent-fixtures.ts';
import { runCommand, setUpProviderAndClient } from '../../src/modules/exchange/testing/exchange-fixtures.ts';
import { sendSignedCall, startTestProvider } from '../../src/modules/exchange/testing/signed-calls.ts';
import { expectNoAccessibilityViolations, expectNoPageProblems, launchBrowser, openPage, type PageProblems } from '../../src/testing/browser.ts';

/**
 * A citizen, in Chromium, in English and in Welsh: a consumer sends them to the consent page;
 * they sign in, answer (after forgetting to), are sent back to the consumer; the consumer's call
 * works; they find it under "Who has seen my data" and withdraw; the next call is refused. Every
 * page is checked by axe.
 */

const browser = await launchBrowser(after);

const TEXT = {
  en: { continue: 'Continue', consentTitle: 'Share your information with Riverside Council', missing: 'Select whether you agree to share this information', sharingTitle: 'Who has seen my data', asked: 'Riverside Council asked Benefits Agency', shared: 'Information shared', withdrawn: 'You have withdrawn your consent', withdraw: 'Withdraw consent', fields: 'Award status, Rate of award' },
  cy: { continue: 'Parhau', consentTitle: 'Rhannu eich gwybodaeth gyda Riverside Council', missing: 'Dewiswch a ydych yn cytuno i rannu’r wybodaeth hon', sharingTitle: 'Pwy sydd wedi gweld fy nata', asked: 'Gofynnodd Riverside Council i Benefits Agency', shared: 'Rhannwyd y wybodaeth', withdrawn: 'Rydych wedi tynnu eich caniatâd yn ôl', withdraw: 'Tynnu caniatâd yn ôl', fields: 'Statws y dyfarniad, Cyfradd y dyfarniad' },
} as const;

async function check(page: Page, problems: PageProblems, lang: 'en' | 'cy') {
  assert.equal(await page.locator('html').getAttribute('lang'), lang, page.url());
  await expectNoAccessibilityViolations(page);
  expectNoPageProblems(problems);
}

const heading = (page: Page) => page.locator('h1').first().innerText();

async function giveConsentThenWithdraw(t: TestContext, lang: 'en' | 'cy') {
  const text = TEXT[lang];
  const provider = await startTestProvider((_request, response) => response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ status: 'awarded', rate: 'enhanced', name: 'Ann Example' })));
  t.after(() => provider.server.close());
  const { app, kernel, baseUrl } = await startIdentityServer(t, { environment: { OUTBOUND_ALLOW_PRIVATE_NETWORK: 'true' } });
  const setUp = await setUpProviderAndClient(kernel, { baseUrl: provider.baseUrl, underConsent: true });
  // The consumer's own page, where the person is sent back with the answer.
  const consumerSite = await startTestProvider((_request, response) => response.writeHead(200, { 'content-type': 'text/html' }).end(`<!doctype html><html lang="${lang}"><title>Blue Badge</title><main><h1>Blue Badge</h1></main></html>`));
  t.after(() => consumerSite.server.close());
  const returnUrl = `${new URL(consumerSite.baseUrl).origin}/consent-answer`;
  const oneLoginClientId = await registerClientOf(kernel, setUp.clientMember.organisation_id);
  await runCommand(kernel, 'exchange subsystem link-one-login', { subsystem: setUp.client, client: oneLoginClientId, 'return-url': [returnUrl] });
  const account = await createTestAccount(kernel, 'ann@example.com');
  const accounts = createAccountService({ db: kernel.db, secrets: kernel.secrets });
  const [known] = await createProviderRuntime({ db: kernel.db, config: kernel.config, accounts }).subjectsFor(account.id, [oneLoginClientId]);
  // Each call's X-Road-Id is the one Civitas made for it, as its answer says.
  const call = (_what: string) =>
    sendSignedCall(app, { path: `/r1/${setUp.service}/awards/AB123456C`, client: setUp.client, key: setUp.clientKeys[0]!, headers: { 'x-road-userid': `GB${known?.subject}`, 'x-road-issue': 'BB-42' } });
  assert.equal((await call('before-consent')).headers['x-road-error'], 'Server.ServerProxy.AccessDenied');

  const { page, problems } = await openPage(t, browser);
  await page.goto(`${baseUrl}/?lang=${lang}`);

  // The consumer's link: signing in first, then the consent page.
  const link = `${baseUrl}/account/consent?client=${encodeURIComponent(setUp.client)}&agreement=${setUp.agreementId}&record=AB123456C&state=xyz&return_url=${encodeURIComponent(returnUrl)}`;
  await page.goto(link);
  await page.waitForURL(/\/sign-in\//);
  await page.goto(`${page.url().split('?')[0]}/email`);
  await page.locator('#email').fill(account.email);
  await page.getByRole('button', { name: text.continue }).click();
  await page.locator('#password').fill(account.password);
  await page.getByRole('button', { name: text.continue }).click();
  await page.waitForURL(/\/security-code$/);
  await page.locator('#code').fill(await account.nextCode());
  await page.getByRole('button', { name: text.continue }).click();
  await page.waitForURL(/\/account\/consent\/[0-9a-f-]{36}$/);
  assert.equal(await heading(page), text.consentTitle);
  assert.match(await page.locator('main').innerText(), new RegExp(text.fields), 'the fields in plain words, in the page\'s language');
  assert.doesNotMatch(await page.locator('main').innerText(), /\$\./);
  await check(page, problems, lang);

  await page.getByRole('button', { name: text.continue }).click();
  await page.waitForSelector('.govuk-error-summary');
  assert.match(await page.locator('.govuk-error-summary').innerText(), new RegExp(text.missing));
  await check(page, problems, lang);
  await page.locator('input[name="answer"][value="yes"]').check();
  await page.getByRole('button', { name: text.continue }).click();
  await page.waitForURL((url) => url.href.startsWith(returnUrl));
  const answer = new URL(page.url());
  assert.equal(answer.searchParams.get('result'), 'agreed');
  assert.equal(answer.searchParams.get('state'), 'xyz');
  assert.ok(answer.searchParams.get('consent_token'), 'the signed answer comes with it');

  const afterConsent = await call('after-consent');
  assert.equal(afterConsent.statusCode, 200);

  await page.goto(`${baseUrl}/account/data-sharing`);
  assert.equal(await heading(page), text.sharingTitle);
  const listed = await page.locator('main').innerText();
  assert.match(listed, new RegExp(text.asked));
  assert.match(listed, /BB-42/);
  assert.ok(listed.includes(String(afterConsent.headers['x-road-id'])), 'the X-Road-Id the call was answered with');
  assert.match(listed, new RegExp(text.shared));
  assert.match(listed, new RegExp(text.fields));
  await check(page, problems, lang);

  await page.getByRole('button', { name: new RegExp(text.withdraw) }).click();
  await page.waitForSelector('.govuk-notification-banner');
  assert.match(await page.locator('.govuk-notification-banner').innerText(), new RegExp(text.withdrawn));
  assert.equal(await page.getByRole('button', { name: new RegExp(text.withdraw) }).count(), 0, 'nothing left to withdraw');
  await check(page, problems, lang);

  const refused = await call('after-withdrawal');
  assert.equal(refused.headers['x-road-error'], 'Server.ServerProxy.AccessDenied');
}

test('a citizen gives consent, sees the exchange in "Who has seen my data" and withdraws it, in English; the next call is refused (axe)', (t) => giveConsentThenWithdraw(t, 'en'));

test('the same in Welsh (axe)', (t) => giveConsentThenWithdraw(t, 'cy'));
