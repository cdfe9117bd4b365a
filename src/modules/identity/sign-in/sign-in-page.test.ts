import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createFormClient, pageHeading, type FormPage } from '../testing/form-client.ts';
import { createTestAccount, registerTestClient, startIdentityServer } from '../testing/identity-test-kit.ts';

/** The back link's target, if the page has one; and that it comes before the error summary and the heading. */
function backLinkOf(page: FormPage): string | undefined {
  const match = /<a href="([^"]+)" class="govuk-back-link">/.exec(page.html);
  if (!match) return undefined;
  const at = match.index;
  assert.ok(at < page.html.indexOf('<main'), 'the back link is above the main content, as GOV.UK places it');
  const summary = page.html.indexOf('govuk-error-summary');
  if (summary >= 0) assert.ok(at < summary, 'the back link is above the error summary');
  return match[1];
}

function authorizeUrl(baseUrl: string, clientId: string, redirectUri: string) {
  const url = new URL('/authorize', baseUrl);
  url.search = new URLSearchParams({ response_type: 'code', client_id: clientId, redirect_uri: redirectUri, scope: 'openid email', state: 's', nonce: 'n' }).toString();
  return url.toString();
}

test('every page of sign-in after the first has a back link to the page before it, which really shows that page', async (t) => {
  const { kernel, baseUrl } = await startIdentityServer(t);
  const rp = await registerTestClient(kernel);
  const account = await createTestAccount(kernel);
  const browser = createFormClient(baseUrl);
  const start = await browser.get(authorizeUrl(baseUrl, rp.clientId, rp.redirectUri));
  const journey = new URL(start.url).pathname;
  assert.equal(backLinkOf(start), undefined, 'the first page has none');

  let page = await browser.get(`${journey}/email`);
  assert.equal(backLinkOf(page), journey);
  page = await browser.submit(page, { email: account.email });
  assert.equal(pageHeading(page), 'Enter your password');
  assert.equal(backLinkOf(page), `${journey}/email`);
  const reset = await browser.get(`${journey}/reset-password`);
  assert.equal(backLinkOf(reset), `${journey}/password`);

  page = await browser.submit(page, { password: account.password });
  assert.equal(pageHeading(page), 'Enter the security code');
  // The password is proved and cannot be unproved: back is where the address is entered again.
  assert.equal(backLinkOf(page), `${journey}/email`);
  const back = await browser.get(backLinkOf(page) as string);
  assert.equal(back.url, new URL(`${journey}/email`, baseUrl).toString(), 'going back is not sent forward again');
  assert.equal(pageHeading(back), 'Enter your email address to sign in');

  const create = await browser.get(`${journey}/create/email`);
  assert.equal(backLinkOf(create), journey);
  page = await browser.submit(create, { email: 'newcomer@example.com' });
  assert.equal(pageHeading(page), 'Check your email');
  assert.equal(backLinkOf(page), `${journey}/create/email`);
});

test('in Welsh a field error is read as "Gwall:", in the title too, under a back link that says "Yn ôl"', async (t) => {
  const { kernel, baseUrl } = await startIdentityServer(t);
  const rp = await registerTestClient(kernel);
  const account = await createTestAccount(kernel);
  const browser = createFormClient(baseUrl);
  browser.cookies.set('civitas_lang', 'cy');
  const start = await browser.get(authorizeUrl(baseUrl, rp.clientId, rp.redirectUri));
  const journey = new URL(start.url).pathname;
  let page = await browser.submit(await browser.get(`${journey}/email`), { email: account.email });
  page = await browser.submit(page, { password: '' });
  assert.match(page.html, /<title>Gwall: /);
  assert.match(page.html, /<span class="govuk-visually-hidden">Gwall:<\/span>/);
  assert.ok(!page.html.includes('Error:'), 'no English prefix left');
  assert.match(page.html, /class="govuk-back-link">Yn ôl<\/a>/);
});

test('a back link is never taken from the request: a hostile Referer or query changes nothing', async (t) => {
  const { kernel, baseUrl } = await startIdentityServer(t);
  const rp = await registerTestClient(kernel);
  const browser = createFormClient(baseUrl, { headers: { referer: 'https://attacker.example/phish' } });
  const start = await browser.get(authorizeUrl(baseUrl, rp.clientId, rp.redirectUri));
  const journey = new URL(start.url).pathname;
  const page = await browser.get(`${journey}/email?back=https://attacker.example/&backLink=javascript:alert(1)`);
  assert.equal(backLinkOf(page), journey);
  assert.equal(page.html.match(/govuk-back-link/g)?.length, 1, 'one back link, ours');
});
