import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createFormClient, errorSummary, pageHeading, type FormPage } from '../testing/form-client.ts';
import { createTestAccount } from '../testing/identity-test-kit.ts';
import { signInToAccountPages, startWithClock } from './account-pages.test-kit.ts';

/** The page is the form again, with the error on the field (not a 400 page), and says `message`. */
function assertFieldError(page: FormPage, field: string, message: string) {
  assert.equal(page.status, 200, `${field}: the form again, not an error page (${pageHeading(page)})`);
  assert.deepEqual(errorSummary(page), [message]);
  assert.match(page.html, new RegExp(`<a href="#${field}">`), `${field}: the summary links to the field`);
  assert.match(page.html, new RegExp(`id="${field}-error"`), `${field}: the message is on the field`);
}

const PASSWORD_LIMIT = 'Your password must be 256 characters or fewer';

test('every limit on the account pages is a GOV.UK error on its field that states it, never a 400 page', async (t) => {
  const { kernel, baseUrl } = await startWithClock(t);
  const account = await createTestAccount(kernel);
  const browser = await signInToAccountPages(baseUrl, account);
  const long = 'x'.repeat(1100);

  let page = await browser.get('/account/change-password');
  page = await browser.submit(page, { 'current-password': long, 'new-password': 'a brand new passphrase' });
  assertFieldError(page, 'current-password', PASSWORD_LIMIT);
  page = await browser.submit(page, { 'current-password': account.password, 'new-password': long });
  assertFieldError(page, 'new-password', PASSWORD_LIMIT);
  for (const [password, message] of [
    ['aaaaaaaaaaaa', 'Choose a password that is harder to guess: do not repeat one character or a short group of characters, like ‘aaaaaaaa’ or ‘abcabcabc’'],
    ['123123123', 'Choose a password that is harder to guess: do not repeat one character or a short group of characters, like ‘aaaaaaaa’ or ‘abcabcabc’'],
    ['12345678', 'Choose a password that is harder to guess: do not use a run of letters or numbers in order, like ‘12345678’ or ‘abcdefgh’'],
  ] as const) {
    page = await browser.submit(page, { 'current-password': account.password, 'new-password': password });
    assertFieldError(page, 'new-password', message);
  }

  page = await browser.get('/account/report-activity');
  assert.match(page.html, /data-module="govuk-character-count" data-maxlength="3000"/, 'a character count shows the limit');
  const report = 'r'.repeat(6000);
  page = await browser.submit(page, { details: report });
  assertFieldError(page, 'details', 'Your report must be 3,000 characters or fewer');
  assert.ok(page.html.includes(report), 'what was typed is kept, to be shortened');
  page = await browser.submit(page, { details: 'r'.repeat(3000) });
  assert.equal(pageHeading(page), 'We have received your report');

  page = await browser.get('/account/change-email');
  page = await browser.submit(page, { email: `${'a'.repeat(250)}@example.com` });
  assertFieldError(page, 'email', 'Your email address must be 254 characters or fewer');

  page = await browser.get('/account/delete');
  page = await browser.submit(page, { password: long });
  assertFieldError(page, 'password', PASSWORD_LIMIT);
  assert.ok(await kernel.db.withTables<{ identity_account: { id: string } }>().selectFrom('identity_account').select('id').where('id', '=', account.id).executeTakeFirst(), 'nothing deleted');

  page = await browser.get('/account/confirm-password?next=/account/change-email');
  page = await browser.submit(page, { password: long });
  assertFieldError(page, 'password', PASSWORD_LIMIT);

  // In Welsh.
  page = await browser.get('/account/report-activity?lang=cy');
  page = await browser.submit(page, { details: report });
  assert.deepEqual(errorSummary(page), ["Rhaid i'ch adroddiad fod yn 3,000 nod neu lai"]);
  assert.ok(page.html.includes('data-i18n.characters-under-limit.few="Mae gennych %{count} nod yn weddill"'), 'the count speaks Welsh, in every plural form');
});

test('every limit on the sign-in pages is a GOV.UK error on its field that states it, never a 400 page', async (t) => {
  const { kernel, baseUrl } = await startWithClock(t);
  const account = await createTestAccount(kernel);
  const browser = createFormClient(baseUrl);
  const start = (await browser.get('/account')).url.split('?')[0] as string;

  let page = await browser.get(`${start}/email`);
  page = await browser.submit(page, { email: `${'a'.repeat(1100)}@example.com` });
  assertFieldError(page, 'email', 'Your email address must be 254 characters or fewer');
  page = await browser.submit(page, { email: account.email });
  page = await browser.submit(page, { password: 'p'.repeat(1100) });
  assertFieldError(page, 'password', PASSWORD_LIMIT);
  page = await browser.submit(page, { password: account.password });
  page = await browser.submit(page, { code: '1'.repeat(2000) });
  assertFieldError(page, 'code', 'Enter the security code using only 6 digits');

  // Creating an account: the new password's limit, and a password of one character over and over.
  page = await browser.get(`${start}/create/email`);
  page = await browser.submit(page, { email: `${'b'.repeat(1100)}@example.com` });
  assertFieldError(page, 'email', 'Your email address must be 254 characters or fewer');

  // Anything past the backstop of 100,000 characters is still refused, never stored.
  const huge = await browser.post(await browser.get(`${start}/email`), { email: 'e'.repeat(100_001) });
  assert.ok(huge.status === 400 || huge.status === 413, String(huge.status));
});
