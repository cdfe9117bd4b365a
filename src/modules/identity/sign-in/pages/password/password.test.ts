import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createFormClient, errorSummary, pageHeading, type FormClient } from '../../../testing/form-client.ts';
import { createTestAccount, readLatestMessage, registerTestClient, startIdentityServer } from '../../../testing/identity-test-kit.ts';

async function passwordPageFrom(baseUrl: string, rp: { clientId: string; redirectUri: string }, address: string, email: string) {
  const browser = createFormClient(baseUrl, { headers: { 'x-forwarded-for': address } });
  const authorize = new URL('/authorize', baseUrl);
  authorize.search = new URLSearchParams({ response_type: 'code', client_id: rp.clientId, redirect_uri: rp.redirectUri, scope: 'openid', state: 's', nonce: 'n' }).toString();
  const start = (await browser.get(authorize.toString())).url.split('?')[0] as string;
  return { browser, page: await browser.submit(await browser.get(`${start}/email`), { email }) };
}

const wrongGuess = async (browser: FormClient, page: Awaited<ReturnType<FormClient['get']>>, attempt: number) => browser.submit(page, { password: `guess number ${attempt}` });

test('many wrong passwords for one account from many addresses: the password is then checked only after an emailed code; the owner still gets in', async (t) => {
  const { kernel, baseUrl } = await startIdentityServer(t, { environment: { TRUST_PROXY: 'true' } });
  const rp = await registerTestClient(kernel);
  const account = await createTestAccount(kernel);

  // A botnet: two guesses from each of five addresses stays under every per-address lock.
  for (let address = 1; address <= 5; address += 1) {
    const { browser, page } = await passwordPageFrom(baseUrl, rp, `203.0.113.${address}`, account.email);
    for (let attempt = 1; attempt <= 2; attempt += 1) assert.deepEqual(errorSummary(await wrongGuess(browser, page, attempt)), ['Incorrect password']);
  }

  // The next guess, from a new address, is not checked at all: the page asks for an emailed code.
  const attacker = await passwordPageFrom(baseUrl, rp, '203.0.113.99', account.email);
  const asked = await attacker.browser.submit(attacker.page, { password: account.password });
  assert.equal(pageHeading(asked), 'Check your email', 'even the right password is not checked before the code');
  const wrongCode = await attacker.browser.submit(asked, { code: '000000' === (/(\d{6})/.exec((await readLatestMessage(kernel, account.email))?.text ?? '')?.[1]) ? '111111' : '000000' });
  assert.match(errorSummary(wrongCode)[0] ?? '', /not correct/);

  // The owner, elsewhere, proves their email and signs in.
  const owner = await passwordPageFrom(baseUrl, rp, '198.51.100.7', account.email);
  let page = await owner.browser.submit(owner.page, { password: account.password });
  assert.equal(pageHeading(page), 'Check your email');
  const code = /(\d{6})/.exec((await readLatestMessage(kernel, account.email))?.text ?? '')?.[1] as string;
  page = await owner.browser.submit(page, { code });
  assert.equal(pageHeading(page), 'Enter your password');
  page = await owner.browser.submit(page, { password: account.password });
  assert.equal(pageHeading(page), 'Enter the security code');
});

test('wrong passwords from IPv6 addresses are counted by /64: another address in the same /64 is locked too, another /64 is not', async (t) => {
  const { kernel, baseUrl } = await startIdentityServer(t, { environment: { TRUST_PROXY: 'true' } });
  const rp = await registerTestClient(kernel);
  const account = await createTestAccount(kernel);
  const first = await passwordPageFrom(baseUrl, rp, '2001:db8:5:6::1', account.email);
  let page = first.page;
  for (let attempt = 1; attempt <= 5; attempt += 1) page = await wrongGuess(first.browser, page, attempt);
  assert.match(errorSummary(page)[0] ?? '', /too many times/);

  const sameNetwork = await passwordPageFrom(baseUrl, rp, '2001:db8:5:6:dead:beef:0:1', account.email);
  assert.match(errorSummary(await sameNetwork.browser.submit(sameNetwork.page, { password: account.password }))[0] ?? '', /too many times/);

  const otherNetwork = await passwordPageFrom(baseUrl, rp, '2001:db8:5:7::1', account.email);
  assert.equal(pageHeading(await otherNetwork.browser.submit(otherNetwork.page, { password: account.password })), 'Enter the security code');
});
