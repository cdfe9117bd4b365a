import assert from 'node:assert/strict';
import { after, test, type TestContext } from 'node:test';
import { generate } from 'otplib';
import type { Page } from 'playwright-core';
import {
  expectNoAccessibilityViolations,
  expectNoPageProblems,
  launchBrowser,
  openPage,
  type PageProblems,
} from '../../src/testing/browser.ts';
import { readLatestMessage, startIdentityServer } from '../../src/modules/identity/testing/identity-test-kit.ts';

const browser = await launchBrowser({ after });

const TEXT = {
  en: { signIn: 'Sign in', create: 'Create your One Login', continue: 'Continue', signOut: 'Sign out', authApp: 'An authenticator app', signedIn: /You're signed in as (.+)\./ },
  cy: { signIn: 'Mewngofnodi', create: 'Creu eich One Login', continue: 'Parhau', signOut: 'Allgofnodi', authApp: 'Ap dilysu', signedIn: /Rydych wedi mewngofnodi fel (.+)\./ },
} as const;

async function check(page: Page, problems: PageProblems, lang: 'en' | 'cy', visited: string[]) {
  assert.equal(await page.locator('html').getAttribute('lang'), lang, page.url());
  await expectNoAccessibilityViolations(page);
  expectNoPageProblems(problems);
  visited.push(`${new URL(page.url()).pathname}: ${await page.title()}`);
}

async function createAccountThroughDemoService(t: TestContext, lang: 'en' | 'cy') {
  const { kernel, baseUrl } = await startIdentityServer(t);
  const { page, problems } = await openPage(t, browser);
  const text = TEXT[lang];
  const visited: string[] = [];
  const email = `person-${lang}@example.com`;

  await page.goto(`${baseUrl}/demo-service?lang=${lang}`);
  await check(page, problems, lang, visited);
  await page.getByRole('button', { name: text.signIn }).click();

  await page.waitForURL(/\/sign-in\/[^/]+$/);
  await check(page, problems, lang, visited);
  await page.getByRole('button', { name: text.create }).click();

  await page.waitForURL(/\/create\/email$/);
  await check(page, problems, lang, visited);
  await page.getByRole('button', { name: text.continue }).click();
  await page.waitForSelector('.govuk-error-summary');
  await check(page, problems, lang, visited);
  await page.locator('#email').fill(email);
  await page.getByRole('button', { name: text.continue }).click();

  await page.waitForURL(/\/create\/check-email$/);
  await check(page, problems, lang, visited);
  const message = await readLatestMessage(kernel, email);
  const code = /(\d{6})/.exec(message?.text ?? '')?.[1];
  assert.ok(code, 'the code arrived in the development outbox');
  await page.locator('#code').fill(code);
  await page.getByRole('button', { name: text.continue }).click();

  await page.waitForURL(/\/create\/password$/);
  await check(page, problems, lang, visited);
  await page.locator('#password').fill('a long memorable passphrase');
  await page.getByRole('button', { name: text.continue }).click();

  await page.waitForURL(/\/create\/security-method$/);
  await check(page, problems, lang, visited);
  await page.getByLabel(text.authApp).check();
  await page.getByRole('button', { name: text.continue }).click();

  await page.waitForURL(/\/create\/auth-app$/);
  await check(page, problems, lang, visited);
  const secret = (await page.locator('#secret-key').textContent())?.replaceAll(/\s/g, '') ?? '';
  await page.locator('#code').fill(await generate({ secret }));
  await page.getByRole('button', { name: text.continue }).click();

  await page.waitForURL(`${baseUrl}/demo-service`);
  await check(page, problems, lang, visited);
  const signedIn = text.signedIn.exec((await page.locator('main').textContent()) ?? '');
  assert.equal(signedIn?.[1], email);
  assert.match((await page.locator('main').textContent()) ?? '', lang === 'en' ? /Your password and a security code/ : /Eich cyfrinair a chod diogelwch/);

  // One step, as on GOV.UK One Login: the service sends its ID token, so there is no second question.
  await page.getByRole('button', { name: text.signOut }).click();
  await page.waitForURL(/\/demo-service\/signed-out\?state=/);
  await check(page, problems, lang, visited);
  return visited;
}

test('a newcomer creates a One Login through the demo service, in English, and signs out; axe finds nothing on any page', async (t) => {
  const visited = await createAccountThroughDemoService(t, 'en');
  assert.ok(visited.length >= 10, visited.join('\n'));
});

test('the same journey in Welsh', async (t) => {
  const visited = await createAccountThroughDemoService(t, 'cy');
  assert.ok(visited.length >= 10, visited.join('\n'));
});
