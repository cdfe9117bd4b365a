import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as client from 'openid-client';
import type { Kernel } from '../../../platform/kernel.ts';
import { createAccountService } from '../accounts/account.service.ts';
import { createFormClient, errorSummary, pageHeading } from '../testing/form-client.ts';
import {
  createTestAccount,
  discoverAsRelyingParty,
  readLatestMessage,
  registerTestClient,
  startIdentityServer,
  type TestAccount,
  type TestRelyingParty,
} from '../testing/identity-test-kit.ts';
import { signInThroughPages, signInToAccountPages, startWithClock } from './account-pages.test-kit.ts';
import { createSecurityMethodChanges } from './security-method-changes.ts';

async function codeTextedTo(kernel: Kernel, phoneNumber: string): Promise<string> {
  const message = await readLatestMessage(kernel, phoneNumber);
  assert.equal(message?.channel, 'sms');
  return /(\d{6})/.exec(message?.text ?? '')?.[1] as string;
}

const notThis = (code: string) => (code === '000000' ? '111111' : '000000');

/** What a service is told about the person's phone, after they sign in to it. */
async function phoneNumberClaim(baseUrl: string, rp: TestRelyingParty, account: TestAccount, textedCode: () => Promise<string>): Promise<unknown> {
  const config = await discoverAsRelyingParty(baseUrl, rp);
  const codeVerifier = client.randomPKCECodeVerifier();
  const authorizationUrl = client.buildAuthorizationUrl(config, {
    redirect_uri: rp.redirectUri,
    scope: 'openid phone',
    code_challenge: await client.calculatePKCECodeChallenge(codeVerifier),
    code_challenge_method: 'S256',
    state: 'state',
    nonce: 'nonce',
  });
  const browser = createFormClient(baseUrl);
  const callback = await signInThroughPages(browser, await browser.get(authorizationUrl.toString()), account, { textedCode });
  const tokens = await client.authorizationCodeGrant(config, new URL(callback.url), { pkceCodeVerifier: codeVerifier, expectedState: 'state', expectedNonce: 'nonce', idTokenExpected: true });
  const subject = tokens.claims()?.sub as string;
  return (await client.fetchUserInfo(config, tokens.access_token, subject)).phone_number;
}

async function auditActions(kernel: Kernel, accountId: string): Promise<string[]> {
  return (await kernel.audit.listRecent({ subject: `account:${accountId}`, limit: 20 })).map((event) => event.action);
}

test('add text messages from the account pages: number checked, code texted, wrong and expired codes refused, an old sign-in asked for the password', async (t) => {
  const { kernel, baseUrl, moveClock } = await startWithClock(t);
  const account = await createTestAccount(kernel);
  const browser = await signInToAccountPages(baseUrl, account);

  let page = await browser.get('/account');
  assert.match(page.html, /href="\/account\/add-text-message"[^>]*>Add<span class="govuk-visually-hidden"> Mobile phone number<\/span>/);
  page = await browser.get('/account/security-methods');
  assert.match(page.html, /href="\/account\/add-text-message"/);
  assert.match(page.html, /Added \d{1,2} [A-Z][a-z]+ 20\d\d/);

  page = await browser.get('/account/add-text-message');
  assert.equal(pageHeading(page), 'Enter your mobile phone number');
  const refused = await browser.post({ ...page, html: '' }, { phone: '07700 900 123' });
  assert.equal(refused.status, 403, 'a form without its CSRF token is refused');
  page = await browser.submit(page, { phone: '' });
  assert.deepEqual(errorSummary(page), ['Enter your mobile phone number']);
  page = await browser.submit(page, { phone: '01234 567890' });
  assert.deepEqual(errorSummary(page), ['Enter a UK mobile phone number, like 07700 900 982']);
  page = await browser.submit(page, { phone: '07700 900 123' });
  assert.equal(pageHeading(page), 'Check your phone');
  assert.match(page.html, /ending 0123/);
  const firstCode = await codeTextedTo(kernel, '+447700900123');

  page = await browser.submit(page, { code: notThis(firstCode) });
  assert.deepEqual(errorSummary(page), ['The security code you entered is not correct, or has expired. Check it, or ask for a new code']);

  // Sixteen minutes on: the code has expired, and the sign-in is no longer recent.
  moveClock(16);
  page = await browser.submit(page, { code: firstCode });
  assert.equal(pageHeading(page), 'Enter your password', 'an old sign-in must enter the password again');
  page = await browser.submit(page, { password: 'not my password' });
  assert.deepEqual(errorSummary(page), ['Incorrect password']);
  page = await browser.submit(page, { password: account.password });
  assert.equal(new URL(page.url).pathname, '/account/check-phone', 'back to where the person was');
  page = await browser.submit(page, { code: firstCode });
  assert.deepEqual(errorSummary(page), ['The security code you entered is not correct, or has expired. Check it, or ask for a new code']);
  assert.equal((await createAccountService({ db: kernel.db, secrets: kernel.secrets }).listMethods(account.id)).length, 1, 'nothing added yet');

  page = await browser.get('/account/add-text-message');
  page = await browser.submit(page, { phone: '+44 7700 900123' });
  page = await browser.submit(page, { code: await codeTextedTo(kernel, '+447700900123') });
  assert.equal(pageHeading(page), 'You can now get security codes by text message');

  const methods = await createAccountService({ db: kernel.db, secrets: kernel.secrets }).listMethods(account.id);
  assert.deepEqual(methods.map((method) => [method.kind, method.phone_number]), [['auth-app', null], ['sms', '+447700900123']]);
  const actions = await auditActions(kernel, account.id);
  assert.equal(actions[0], 'identity.security-method.added');
  assert.ok(actions.includes('identity.sign-in.password-wrong'), 'the wrong password is in the trail');
  const notice = await readLatestMessage(kernel, account.email);
  assert.equal(notice?.subject, 'You added a way to get security codes');

  page = await browser.get('/account');
  assert.match(page.html, /Phone number ending 0123/);
  assert.match(page.html, /href="\/account\/change-phone-number"[^>]*>Change<span class="govuk-visually-hidden"> Mobile phone number<\/span>/);
  page = await browser.get('/account/add-text-message');
  assert.equal(pageHeading(page), 'Enter your new mobile phone number', 'one number per account: adding another changes it');
});

test('change the phone number: the code goes to the new number, the old one works until it is confirmed, then services are told the new one', async (t) => {
  const { kernel, baseUrl } = await startIdentityServer(t);
  const account = await createTestAccount(kernel);
  const accounts = createAccountService({ db: kernel.db, secrets: kernel.secrets });
  await createSecurityMethodChanges().addTextMessage(kernel.db, { accountId: account.id, phoneNumber: '+447700900123' });
  const [app, sms] = await accounts.listMethods(account.id);
  await accounts.removeMethod(account.id, app?.id as string);
  const rp = await registerTestClient(kernel);
  const oldCode = () => codeTextedTo(kernel, '+447700900123');

  const browser = await signInToAccountPages(baseUrl, account, { textedCode: oldCode });
  let page = await browser.get('/account/security-methods');
  assert.match(page.html, /Phone number ending 0123/);
  assert.match(page.html, /href="\/account\/change-phone-number">Change<span class="govuk-visually-hidden"> phone number<\/span>/);

  page = await browser.get('/account/change-phone-number');
  assert.equal(pageHeading(page), 'Enter your new mobile phone number');
  page = await browser.submit(page, { phone: '07700 900123' });
  assert.deepEqual(errorSummary(page), ['That is already the number you use. Enter a different mobile phone number']);
  page = await browser.submit(page, { phone: '07700 900 456' });
  assert.equal(pageHeading(page), 'Check your phone');
  assert.match(page.html, /ending 0456/);
  const newCode = await codeTextedTo(kernel, '+447700900456');

  // Not yet confirmed: sign-in still texts the old number, and services are told the old number.
  assert.equal(await phoneNumberClaim(baseUrl, rp, account, oldCode), '+447700900123');

  // The same lock as at sign-in: five wrong codes, and even the right one is refused for a while.
  for (let attempt = 1; attempt < 5; attempt += 1) page = await browser.submit(page, { code: notThis(newCode) });
  assert.match(errorSummary(page)[0] ?? '', /not correct, or has expired/);
  page = await browser.submit(page, { code: notThis(newCode) });
  assert.deepEqual(errorSummary(page), ['You entered the wrong security code too many times. Wait 15 minutes, then try again']);
  page = await browser.submit(page, { code: newCode });
  assert.match(errorSummary(page)[0] ?? '', /too many times/);
  assert.equal(await accounts.phoneNumberOf(account.id), '+447700900123');

  page = await browser.get('/account/change-phone-number');
  page = await browser.submit(page, { phone: '07700 900 789' });
  page = await browser.submit(page, { code: await codeTextedTo(kernel, '+447700900789') });
  assert.equal(pageHeading(page), 'You have changed your mobile phone number');
  assert.match(page.html, /ending 0789/);

  const [changed, ...others] = await accounts.listMethods(account.id);
  assert.deepEqual(others, []);
  assert.equal(changed?.id, sms?.id, 'the same method, with a new number');
  assert.equal(changed?.phone_number, '+447700900789');
  assert.equal((await auditActions(kernel, account.id))[0], 'identity.phone-number.changed');
  assert.equal((await readLatestMessage(kernel, account.email))?.subject, 'The mobile phone number of your One Login was changed');
  assert.equal(await phoneNumberClaim(baseUrl, rp, account, () => codeTextedTo(kernel, '+447700900789')), '+447700900789');
  page = await browser.get('/account/activity');
  assert.match(page.html, /You changed your mobile phone number/);
});

test('the add-a-passkey page: options for the browser, and a clear error when the browser made no passkey', async (t) => {
  const { kernel, baseUrl } = await startIdentityServer(t, { hostName: 'localhost' });
  const account = await createTestAccount(kernel);
  const browser = await signInToAccountPages(baseUrl, account);

  let page = await browser.get('/account');
  assert.match(page.html, /href="\/account\/add-passkey"[^>]*>Add<span class="govuk-visually-hidden"> a passkey<\/span>/);
  page = await browser.get('/account/add-passkey');
  assert.equal(pageHeading(page), 'Add a passkey');
  const options = JSON.parse(/<script type="application\/json" id="passkey-options">([^<]*)<\/script>/.exec(page.html)?.[1] ?? '{}') as { rp?: { id?: string }; challenge?: string };
  assert.equal(options.rp?.id, 'localhost');
  assert.ok(options.challenge);

  const refused = await browser.post({ ...page, html: '' }, { response: 'cancelled' });
  assert.equal(refused.status, 403, 'a form without its CSRF token is refused');
  page = await browser.submit(page, { response: '' });
  assert.match(errorSummary(page)[0] ?? '', /^Your browser cannot create passkeys/);
  page = await browser.submit(page, { response: 'cancelled' });
  assert.deepEqual(errorSummary(page), ['Your passkey was not created. Try again, or choose another way to get security codes']);
  page = await browser.submit(page, { response: JSON.stringify({ id: 'made-up', rawId: 'made-up', type: 'public-key', response: {} }) });
  assert.match(errorSummary(page)[0] ?? '', /^Your passkey was not created/);
  const methods = await createAccountService({ db: kernel.db, secrets: kernel.secrets }).listMethods(account.id);
  assert.deepEqual(methods.map((method) => method.kind), ['auth-app']);
});

test('an old sign-in enters the password again before removing a way to get codes; only account pages are returned to', async (t) => {
  const { kernel, baseUrl, moveClock } = await startWithClock(t);
  const account = await createTestAccount(kernel);
  const accounts = createAccountService({ db: kernel.db, secrets: kernel.secrets });
  await createSecurityMethodChanges().addTextMessage(kernel.db, { accountId: account.id, phoneNumber: '+447700900123' });
  const browser = await signInToAccountPages(baseUrl, account);

  moveClock(16);
  let page = await browser.get('/account/security-methods');
  const removals = [...page.html.matchAll(/href="(\/account\/security-methods\/[0-9a-f-]{36}\/remove)"/g)].map((match) => match[1] as string);
  assert.equal(removals.length, 2);
  page = await browser.get(removals[1] as string);
  assert.equal(pageHeading(page), 'Enter your password');
  assert.equal((await accounts.listMethods(account.id)).length, 2, 'nothing removed without the password');
  page = await browser.submit(page, { password: account.password });
  assert.equal(new URL(page.url).pathname, removals[1], 'back to the question it was asking');
  assert.equal(pageHeading(page), 'Are you sure you want to remove text messages to the phone number ending 0123?');
  page = await browser.submit(page, {});
  assert.deepEqual((await accounts.listMethods(account.id)).map((method) => method.kind), ['auth-app']);
  assert.match(page.html, /You have removed text messages to the phone number ending 0123/);

  page = await browser.get('/account/confirm-password?next=https%3A%2F%2Fevil.example%2Faccount');
  page = await browser.submit(page, { password: account.password });
  assert.equal(page.url, `${baseUrl}/account`);
});

test('a stranger asking the account pages to text codes to someone\'s number is stopped, and cannot use up the texts its owner signs in with', async (t) => {
  const { kernel, baseUrl } = await startIdentityServer(t);
  const accounts = createAccountService({ db: kernel.db, secrets: kernel.secrets });
  const owner = await createTestAccount(kernel, 'owner@example.com');
  await createSecurityMethodChanges().addTextMessage(kernel.db, { accountId: owner.id, phoneNumber: '+447700900123' });
  const [ownersApp] = await accounts.listMethods(owner.id);
  await accounts.removeMethod(owner.id, ownersApp?.id as string);

  const stranger = await createTestAccount(kernel, 'stranger@example.com');
  const browser = await signInToAccountPages(baseUrl, stranger);
  for (let attempt = 1; attempt <= 5; attempt += 1) {
    const page = await browser.submit(await browser.get('/account/add-text-message'), { phone: '07700 900123' });
    assert.equal(pageHeading(page), 'Check your phone', `text ${attempt}`);
  }
  const refused = await browser.submit(await browser.get('/account/add-text-message'), { phone: '07700 900123' });
  assert.deepEqual(errorSummary(refused), ['You asked for too many codes. Wait 15 minutes, then try again']);
  const another = await browser.submit(await browser.get('/account/add-text-message'), { phone: '07700 900456' });
  assert.deepEqual(errorSummary(another), ['You asked for too many codes. Wait 15 minutes, then try again'], 'nor to any other number, from this account');

  // The owner still gets a sign-in code by text (the newest, once the stranger's are delivered), and signs in with it.
  await kernel.createWorker().runUntilIdle();
  await signInToAccountPages(baseUrl, owner, { textedCode: () => codeTextedTo(kernel, '+447700900123') });
});

test('attacker: removing two ways to get codes at once leaves one; the last can never be removed', async (t) => {
  const { kernel, baseUrl } = await startWithClock(t);
  const account = await createTestAccount(kernel);
  const accounts = createAccountService({ db: kernel.db, secrets: kernel.secrets });
  await createSecurityMethodChanges().addTextMessage(kernel.db, { accountId: account.id, phoneNumber: '+447700900124' });
  const browser = await signInToAccountPages(baseUrl, account);

  const page = await browser.get('/account/security-methods');
  const removals = [...page.html.matchAll(/href="(\/account\/security-methods\/[0-9a-f-]{36}\/remove)"/g)].map((match) => match[1] as string);
  assert.equal(removals.length, 2);
  const questions = await Promise.all(removals.map((removal) => browser.get(removal)));
  await Promise.all(questions.map((question) => browser.submit(question, {})));
  assert.equal((await accounts.listMethods(account.id)).length, 1, 'one way to get codes is left');
  const removedEvents = (await kernel.audit.listRecent({ subject: `account:${account.id}`, limit: 20 })).filter((event) => event.action === 'identity.security-method.removed');
  assert.equal(removedEvents.length, 1, 'and one removal is recorded');
});
