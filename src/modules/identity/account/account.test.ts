import assert from 'node:assert/strict';
import { test } from 'node:test';
import { decodeJwt } from 'jose';
import { generate } from 'otplib';
import { createFormClient, errorSummary, pageHeading } from '../testing/form-client.ts';
import { createTestAccount, readLatestMessage, registerTestClient, startIdentityServer, startLogoutReceiver } from '../testing/identity-test-kit.ts';
import { signInThroughPages } from './account-pages.test-kit.ts';

test('your account: services used, activity, report, change password, sign out of all devices, delete', async (t) => {
  const { kernel, baseUrl } = await startIdentityServer(t);
  const receiver = await startLogoutReceiver(t);
  const account = await createTestAccount(kernel);
  const service = await registerTestClient(kernel, { name: 'Renew a passport', backchannelLogoutUri: receiver.url });
  const worker = kernel.createWorker();

  // The person uses a service first, so it shows in their account.
  const browser = createFormClient(baseUrl);
  const authorize = new URL('/authorize', baseUrl);
  authorize.search = new URLSearchParams({ response_type: 'code', client_id: service.clientId, redirect_uri: service.redirectUri, scope: 'openid', state: 's', nonce: 'n' }).toString();
  const serviceCallback = await signInThroughPages(browser, await browser.get(authorize.toString()), account);
  assert.ok(new URL(serviceCallback.url).searchParams.get('code'));

  // A second browser has the account pages; it signs in through the provider like any service.
  const accountBrowser = createFormClient(baseUrl);
  let page = await accountBrowser.get('/account');
  assert.equal(pageHeading(page), 'Create your One Login or sign in');
  page = await signInThroughPages(accountBrowser, page, account);
  assert.equal(pageHeading(page), 'Your One Login');
  assert.match(page.html, /ffion@example\.com/);
  assert.match(page.html, /Renew a passport/);
  assert.match(page.html, /Authenticator app/);

  page = await accountBrowser.get('/account/activity');
  assert.equal(pageHeading(page), 'Your security activity');
  assert.ok((page.html.match(/You signed in/g) ?? []).length >= 2);
  assert.match(page.html, /Renew a passport/);

  page = await accountBrowser.get('/account/report-activity');
  page = await accountBrowser.submit(page, { details: '' });
  assert.deepEqual(errorSummary(page), ['Tell us what activity you do not recognise']);
  page = await accountBrowser.submit(page, { details: 'A sign-in at 3am that was not me' });
  assert.equal(pageHeading(page), 'We have received your report');
  const reported = await kernel.audit.listRecent({ subject: `account:${account.id}`, limit: 1 });
  assert.equal(reported[0]?.action, 'identity.activity.reported');
  assert.ok(!JSON.stringify(reported).includes('3am'), 'what the person wrote is not copied into the trail');

  page = await accountBrowser.get('/account/change-password');
  page = await accountBrowser.submit(page, { 'current-password': 'not it', 'new-password': 'short' });
  assert.deepEqual(errorSummary(page), ['Incorrect password', 'Your password must be at least 8 characters']);
  page = await accountBrowser.submit(page, { 'current-password': account.password, 'new-password': 'a brand new passphrase' });
  assert.equal(pageHeading(page), 'You have changed your password');
  assert.equal((await readLatestMessage(kernel, account.email))?.subject, 'The password of your One Login was changed');
  // Post/redirect/get: reloading the page changes nothing and sends nothing.
  assert.equal(new URL(page.url).pathname, '/account/change-password/done');
  const sentBefore = (await kernel.developmentOutbox?.listRecent(50))?.length;
  page = await accountBrowser.get(page.url);
  assert.equal(pageHeading(page), 'You have changed your password');
  assert.equal((await kernel.developmentOutbox?.listRecent(50))?.length, sentBefore, 'a reload sends no email');

  page = await accountBrowser.get('/account/sign-out-everywhere');
  page = await accountBrowser.submit(page, {});
  assert.equal(pageHeading(page), 'You have signed out of all devices');
  await worker.runUntilIdle();
  assert.equal(receiver.tokens.length, 1, 'the service was told by back-channel logout');
  const signedOutToken = decodeJwt(receiver.tokens[0] as string);
  assert.deepEqual(signedOutToken.events, { 'http://schemas.openid.net/event/backchannel-logout': {} });
  assert.equal(signedOutToken.aud, service.clientId);

  // Every session ended: the account pages ask to sign in again, and the new password works.
  page = await accountBrowser.get('/account');
  assert.equal(pageHeading(page), 'Create your One Login or sign in');
  page = await signInThroughPages(accountBrowser, page, account, { password: 'a brand new passphrase' });
  assert.equal(pageHeading(page), 'Your One Login');

  page = await accountBrowser.get('/account/delete');
  page = await accountBrowser.submit(page, { password: 'wrong' });
  assert.deepEqual(errorSummary(page), ['Incorrect password']);
  page = await accountBrowser.submit(page, { password: 'a brand new passphrase' });
  assert.equal(pageHeading(page), 'Your One Login has been deleted');
  assert.equal((await readLatestMessage(kernel, account.email))?.subject, 'Your One Login was deleted');
  await worker.runUntilIdle();
  assert.equal(receiver.tokens.length, 2, 'every service the person used is told of the deletion');
  assert.equal(decodeJwt(receiver.tokens[1] as string).sub, signedOutToken.sub, 'with the subject it knew the person by');

  const events = await kernel.audit.listRecent({ subject: `account:${account.id}`, limit: 3 });
  assert.equal(events[0]?.action, 'identity.account.deleted');
  page = await accountBrowser.get('/account');
  page = await accountBrowser.submit(await accountBrowser.get(`${page.url}/email`), { email: account.email });
  assert.match(errorSummary(page)[0] ?? '', /There is no One Login/);
});

test('a second authenticator app can be added from the account pages, and either works to sign in', async (t) => {
  const { kernel, baseUrl } = await startIdentityServer(t);
  const account = await createTestAccount(kernel);
  const browser = createFormClient(baseUrl);
  let page = await signInThroughPages(browser, await browser.get('/account'), account);
  assert.equal(pageHeading(page), 'Your One Login');
  page = await browser.get('/account/add-authenticator-app');
  assert.equal(pageHeading(page), 'Set up an authenticator app');
  const secret = (/id="secret-key">([A-Z2-7 ]+)</.exec(page.html)?.[1] ?? '').replaceAll(' ', '');
  page = await browser.submit(page, { code: '000000' });
  assert.match(errorSummary(page)[0] ?? '', /not correct/);
  page = await browser.submit(page, { code: await generate({ secret }) });
  assert.equal(pageHeading(page), 'You have added an authenticator app');
  const methods = await kernel.audit.listRecent({ subject: `account:${account.id}`, limit: 1 });
  assert.equal(methods[0]?.action, 'identity.security-method.added');

  const other = createFormClient(baseUrl);
  let start = await other.get('/account');
  start = await other.get(`${start.url}/email`);
  start = await other.submit(start, { email: account.email });
  start = await other.submit(start, { password: account.password });
  const signedIn = await other.submit(start, { code: await generate({ secret, epoch: Math.floor(Date.now() / 1000) + 30 }) });
  assert.equal(pageHeading(signedIn), 'Your One Login', 'the new app works');
});

test('change the email address (proved by a code to the new one) and remove a way to get codes, never the last', async (t) => {
  const { kernel, baseUrl } = await startIdentityServer(t);
  const account = await createTestAccount(kernel);
  const browser = createFormClient(baseUrl);
  let page = await signInThroughPages(browser, await browser.get('/account'), account);
  assert.equal(pageHeading(page), 'Your One Login');

  page = await browser.get('/account/security-methods');
  assert.equal(pageHeading(page), 'How you get security codes');
  assert.doesNotMatch(page.html, /security-methods\/[0-9a-f-]{36}\/remove/, 'the only method cannot be removed');

  page = await browser.get('/account/change-email');
  page = await browser.submit(page, { email: account.email });
  assert.deepEqual(errorSummary(page), ['This is already your email address. Enter a different email address']);
  page = await browser.submit(page, { email: ` ${account.email.toUpperCase()} ` });
  assert.deepEqual(errorSummary(page), ['This is already your email address. Enter a different email address'], 'whatever its case');
  await createTestAccount(kernel, 'someone.else@example.com');
  page = await browser.submit(page, { email: 'someone.else@example.com' });
  assert.deepEqual(errorSummary(page), ['There is already a One Login with that email address']);
  page = await browser.submit(page, { email: 'Ffion.New@Example.com' });
  assert.equal(pageHeading(page), 'Check your email');
  const message = await readLatestMessage(kernel, 'ffion.new@example.com');
  page = await browser.submit(page, { code: '000000' === /(\d{6})/.exec(message?.text ?? '')?.[1] ? '111111' : '000000' });
  assert.match(errorSummary(page)[0] ?? '', /not correct/);
  page = await browser.submit(page, { code: /(\d{6})/.exec(message?.text ?? '')?.[1] as string });
  assert.equal(pageHeading(page), 'You have changed your email address');
  const notice = await readLatestMessage(kernel, account.email);
  assert.equal(notice?.subject, 'The email address of your One Login was changed', 'the old address is told');
  assert.equal((await readLatestMessage(kernel, 'ffion.new@example.com'))?.subject, 'You now sign in to your One Login with this email address', 'and the new one');
  page = await browser.get('/account');
  assert.match(page.html, /ffion\.new@example\.com/);

  // A second app, then the first one removed.
  page = await browser.get('/account/add-authenticator-app');
  const secret = (/id="secret-key">([A-Z2-7 ]+)</.exec(page.html)?.[1] ?? '').replaceAll(' ', '');
  await browser.submit(page, { code: await generate({ secret }) });
  page = await browser.get('/account/security-methods');
  const removals = [...page.html.matchAll(/href="(\/account\/security-methods\/[0-9a-f-]{36}\/remove)"/g)].map((match) => match[1] as string);
  assert.equal(removals.length, 2);
  page = await browser.get(removals[0] as string);
  assert.match(pageHeading(page), /^Are you sure you want to remove the authenticator app added \d{1,2} [A-Z][a-z]+ 20\d\d\?$/);
  assert.match(page.html, /govuk-button--warning/);
  page = await browser.submit(page, {});
  assert.equal(new URL(page.url).pathname, '/account/security-methods', 'the removal ends on the methods page');
  assert.match(page.html, /govuk-notification-banner--success[\s\S]*You have removed the authenticator app added/);
  assert.equal((page.html.match(/\/remove"/g) ?? []).length, 0, 'with one method left, it cannot be removed');
  page = await browser.get('/account/security-methods');
  assert.doesNotMatch(page.html, /govuk-notification-banner/, 'the banner is shown once');
  const events = await kernel.audit.listRecent({ subject: `account:${account.id}`, limit: 5 });
  assert.ok(events.some((event) => event.action === 'identity.security-method.removed'));
  await readLatestMessage(kernel, 'ffion.new@example.com');
  const subjects = ((await kernel.developmentOutbox?.listRecent(10)) ?? []).filter((sent) => sent.recipient === 'ffion.new@example.com').map((sent) => sent.subject);
  assert.ok(subjects.includes('You removed a way to get security codes'), 'the person is told a way was removed');
  assert.ok(events.some((event) => event.action === 'identity.email.changed'));
});
