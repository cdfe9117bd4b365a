import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createOneTimeCodeStore } from '../codes/one-time-code.store.ts';
import { createOneTimeCodes, type CodePurpose } from '../codes/one-time-codes.ts';
import { THROTTLE_RULES, createThrottle } from '../security/throttle.ts';
import { pageHeading } from '../testing/form-client.ts';
import { createTestAccount, startIdentityServer } from '../testing/identity-test-kit.ts';
import { signInToAccountPages } from './account-pages.test-kit.ts';
import { createSecurityMethodChanges } from './security-method-changes.ts';

test('deleting an account removes the codes and counters that name its id, email address or phone numbers, and nobody else\'s', async (t) => {
  const { kernel, baseUrl } = await startIdentityServer(t);
  // Addresses one wildcard apart ("_" matches any character in SQL's LIKE): only the first is deleted.
  const account = await createTestAccount(kernel, 'ffion_x@example.com');
  const bystander = await createTestAccount(kernel, 'ffion.x@example.com');
  await createSecurityMethodChanges().addTextMessage(kernel.db, { accountId: account.id, phoneNumber: '+447700900123' });
  await createSecurityMethodChanges().addTextMessage(kernel.db, { accountId: bystander.id, phoneNumber: '+447700900999' });
  const codes = createOneTimeCodes({ db: kernel.db, secret: kernel.config.COOKIE_SECRET });
  const throttle = createThrottle({ db: kernel.db });

  // What the account left behind, through the pages and at sign-in.
  const browser = await signInToAccountPages(baseUrl, account);
  let page = await browser.get('/account/confirm-password');
  await browser.submit(page, { password: 'a wrong password' });
  page = await browser.get('/account/change-phone-number');
  assert.equal(pageHeading(await browser.submit(page, { phone: '07700 900456' })), 'Check your phone');
  page = await browser.get('/account/change-email');
  assert.equal(pageHeading(await browser.submit(page, { email: 'ffion.new@example.com' })), 'Check your email');
  const left: Array<[CodePurpose, string]> = [['reset-password', `journey-1 ${account.id}`], ['verify-email', `journey-2 ${account.email}`], ['sign-in-sms', account.id], ['verify-phone', '+447700900123']];
  const others: Array<[CodePurpose, string]> = [['reset-password', `journey-3 ${bystander.id}`], ['verify-email', `journey-4 ${bystander.email}`], ['sign-in-sms', bystander.id], ['verify-phone', '+447700900999']];
  for (const [purpose, recipient] of [...left, ...others]) await codes.issue(purpose, recipient);
  const leftCounters = [`email-codes-to:${account.email}`, `password-across:${account.id}`, `security-code:${account.id}`, `phone-code:+447700900123`, `password:${account.id}:203.0.113.5`];
  const otherCounters = [`email-codes-to:${bystander.email}`, `password-across:${bystander.id}`, `security-code:${bystander.id}`, `phone-code:+447700900999`, `password:${bystander.id}`];
  for (const key of [...leftCounters, ...otherCounters]) await throttle.attempt(key, THROTTLE_RULES.codeSending);

  const accountsCodes = [...left, ['verify-phone', `${account.id} +447700900456`], ['change-email', `${account.id} ffion.new@example.com`]] as Array<[CodePurpose, string]>;
  // The count of texts to the number it asked to verify is the number's, not the account's: it
  // stays until housekeeping removes it, so deleting accounts cannot reset it.
  const accountsCounters = [...leftCounters, `password:${account.id}`, `verify-texts-by:account:${account.id}`, `email-codes-by:account:${account.id}`];
  const store = createOneTimeCodeStore(kernel.db);
  const now = new Date().toISOString();
  const usable = async (list: Array<[CodePurpose, string]>) => Promise.all(list.map(async ([purpose, recipient]) => (await store.findUsable(purpose, recipient, now)) !== undefined));
  const counted = async (keys: string[]) => (await throttle.statusOfEach(keys)).map((status) => status.counted);
  assert.deepEqual(await usable(accountsCodes), accountsCodes.map(() => true));
  assert.deepEqual(await counted(accountsCounters), accountsCounters.map(() => true));

  page = await browser.get('/account/delete');
  page = await browser.submit(page, { password: account.password });
  assert.equal(pageHeading(page), 'Your One Login has been deleted');

  assert.deepEqual(await usable(accountsCodes), accountsCodes.map(() => false), 'its codes are gone');
  assert.deepEqual(await counted(accountsCounters), accountsCounters.map(() => false), 'its counters are gone');
  assert.deepEqual(await usable(others), others.map(() => true), 'everyone else\'s codes stay');
  assert.deepEqual(await counted(otherCounters), otherCounters.map(() => true), 'everyone else\'s counters stay');
});
