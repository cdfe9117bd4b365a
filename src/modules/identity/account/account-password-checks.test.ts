import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { test } from 'node:test';
import { createTestKernel } from '../../../testing/test-kernel.ts';
import { createAccountService } from '../accounts/account.service.ts';
import { createIdentityModule } from '../identity.module.ts';
import { createThrottle } from '../security/throttle.ts';
import { errorSummary, pageHeading } from '../testing/form-client.ts';
import { createTestAccount, startIdentityServer } from '../testing/identity-test-kit.ts';
import { signInToAccountPages } from './account-pages.test-kit.ts';
import { createAccountPasswordChecks } from './account-password-checks.ts';

const LOCKED = 'You entered the wrong password too many times. Wait 15 minutes, then try again';

test('at a browser left signed in, guesses at the password spread over every page that asks for it meet one lock, which each of them keeps', async (t) => {
  const { kernel, baseUrl } = await startIdentityServer(t);
  const account = await createTestAccount(kernel);
  const accounts = createAccountService({ db: kernel.db, secrets: kernel.secrets });
  const browser = await signInToAccountPages(baseUrl, account);

  let page = await browser.get('/account/change-password');
  for (const guess of ['guess one', 'guess two']) {
    page = await browser.submit(page, { 'current-password': guess, 'new-password': 'the attacker\'s passphrase' });
    assert.deepEqual(errorSummary(page), ['Incorrect password']);
  }
  page = await browser.get('/account/delete');
  for (const guess of ['guess three', 'guess four']) {
    page = await browser.submit(page, { password: guess });
    assert.deepEqual(errorSummary(page), ['Incorrect password']);
  }
  page = await browser.get('/account/confirm-password?next=/account/add-text-message');
  page = await browser.submit(page, { password: 'guess five' });
  assert.deepEqual(errorSummary(page), [LOCKED]);

  // Locked on every page, even for the right password.
  page = await browser.submit(page, { password: account.password });
  assert.deepEqual(errorSummary(page), [LOCKED]);
  page = await browser.get('/account/change-password');
  page = await browser.submit(page, { 'current-password': account.password, 'new-password': 'the attacker\'s passphrase' });
  assert.deepEqual(errorSummary(page), [LOCKED]);
  assert.ok(await accounts.checkPassword(account.email, account.password), 'the password was not changed');
  page = await browser.get('/account/delete');
  page = await browser.submit(page, { password: account.password });
  assert.deepEqual(errorSummary(page), [LOCKED]);
  assert.ok(await accounts.findById(account.id), 'the account was not deleted');

  // Each wrong password is in the audit trail and the activity history, and no password is.
  const events = await kernel.audit.listRecent({ subject: `account:${account.id}`, limit: 50 });
  const failures = events.filter((event) => event.action === 'identity.sign-in.password-wrong');
  assert.deepEqual(
    failures.map((event) => [event.outcome, event.details?.page, event.details?.locked]).reverse(),
    [
      ['failure', 'change-password', false],
      ['failure', 'change-password', false],
      ['failure', 'delete-account', false],
      ['failure', 'delete-account', false],
      ['failure', 'confirm-password', true],
    ],
  );
  assert.doesNotMatch(JSON.stringify(events), /guess|correct horse/);
  page = await browser.get('/account/activity');
  assert.equal((page.html.match(/Someone entered a wrong password/g) ?? []).length, 5);
  assert.equal(pageHeading(page), 'Your security activity');
});

test('wrong passwords from one client address are counted across accounts, an IPv6 /64 as one address', async (t) => {
  const kernel = await createTestKernel(t, { modules: [createIdentityModule()] });
  const accounts = createAccountService({ db: kernel.db, secrets: kernel.secrets });
  const checks = createAccountPasswordChecks({ accounts, throttle: createThrottle({ db: kernel.db }), audit: kernel.audit });
  const account = await createTestAccount(kernel);
  const check = (input: { accountId: string; email: string; password: string; clientIp: string }) =>
    checks.check({ ...input, requestId: 'test', page: 'confirm-password' });

  // Thirty guesses at many accounts (never five at one) from addresses all in one /64.
  for (let guess = 0; guess < 30; guess += 1) {
    const outcome = await check({ accountId: randomUUID(), email: `someone${guess}@example.com`, password: 'guess', clientIp: `2001:db8:1:2::${(guess + 1).toString(16)}` });
    assert.equal(outcome.outcome, guess < 29 ? 'wrong' : 'locked', `guess ${guess + 1}`);
  }
  const fromThatNetwork = await check({ accountId: account.id, email: account.email, password: account.password, clientIp: '2001:db8:1:2:ffff::1' });
  assert.equal(fromThatNetwork.outcome, 'locked', 'the right password is not checked from there for a while');
  const fromElsewhere = await check({ accountId: account.id, email: account.email, password: account.password, clientIp: '2001:db8:1:3::1' });
  assert.equal(fromElsewhere.outcome, 'right', 'the owner, elsewhere, is not locked out');
});
