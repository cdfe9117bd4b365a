import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createFormClient, errorSummary } from '../testing/form-client.ts';
import { registerTestClient, startIdentityServer } from '../testing/identity-test-kit.ts';
import { isPlausibleEmail } from './account.service.ts';

// Addresses a person might type, or an attacker send, that Notify would refuse to send a code to.
const UNDELIVERABLE = [
  'a\u0000b@example.com',
  'a..b@example.com',
  '.a@example.com',
  'a.@example.com',
  `${'a'.repeat(65)}@example.com`,
  'name@ex_ample.com',
  'name@-example.com',
  'name@example',
  'name@exämple.com',
  'name@example.c',
  `name@${'a'.repeat(64)}.com`,
  `${'a'.repeat(64)}@${'b'.repeat(63)}.${'c'.repeat(63)}.${'d'.repeat(63)}.com`,
];

test('an address is accepted only if Notify would send to it', () => {
  for (const address of UNDELIVERABLE) assert.equal(isPlausibleEmail(address), false, JSON.stringify(address));
  for (const address of ['name@example.com', "o'brien+tag@sub.example.gov.uk", 'NAME@EXAMPLE.COM', 'x@xn--bcher-kva.example']) {
    assert.equal(isPlausibleEmail(address), true, address);
  }
});

test('creating an account with an address Notify would refuse: the field\'s error, never a 500', async (t) => {
  const { kernel, baseUrl } = await startIdentityServer(t);
  const rp = await registerTestClient(kernel);
  const browser = createFormClient(baseUrl);
  const authorize = new URL('/authorize', baseUrl);
  authorize.search = new URLSearchParams({ response_type: 'code', client_id: rp.clientId, redirect_uri: rp.redirectUri, scope: 'openid', state: 's', nonce: 'n' }).toString();
  const start = (await browser.get(authorize.toString())).url.split('?')[0] as string;
  for (const email of ['a..b@example.com', `${'a'.repeat(65)}@example.com`, 'name@ex_ample.com']) {
    const page = await browser.submit(await browser.get(`${start}/create/email`), { email });
    assert.equal(page.status, 200, email);
    assert.deepEqual(errorSummary(page), ['Enter an email address in the correct format, like name@example.com'], email);
  }
});
