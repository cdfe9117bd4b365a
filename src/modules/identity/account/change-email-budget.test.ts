import assert from 'node:assert/strict';
import { test } from 'node:test';
import { THROTTLE_RULES } from '../security/throttle.ts';
import { errorSummary, pageHeading } from '../testing/form-client.ts';
import { createTestAccount, startIdentityServer } from '../testing/identity-test-kit.ts';
import { signInToAccountPages } from './account-pages.test-kit.ts';

test('many accounts on one client address cannot use "change your email address" to flood someone\'s mailbox', async (t) => {
  const { kernel, baseUrl } = await startIdentityServer(t, { environment: { TRUST_PROXY: 'true' } });
  const target = 'someone.else@example.com';
  const headers = { 'x-forwarded-for': '203.0.113.20' };
  let sent = 0;
  let refused = 0;
  for (let index = 0; index < 5; index += 1) {
    const account = await createTestAccount(kernel, `sender${index}@example.com`);
    const browser = await signInToAccountPages(baseUrl, account, { headers });
    const page = await browser.get('/account/change-email');
    for (let attempt = 0; attempt < THROTTLE_RULES.codeSending.maxFailures; attempt += 1) {
      const answer = await browser.submit(page, { email: target });
      if (pageHeading(answer) === 'Check your email') sent += 1;
      else if (/too many codes/.test(errorSummary(answer)[0] ?? '')) refused += 1;
    }
  }
  assert.equal(sent, THROTTLE_RULES.emailsFromAddress.maxFailures, 'one client address gets its budget of emailed codes, across every account');
  assert.equal(refused, 5 * THROTTLE_RULES.codeSending.maxFailures - sent);
});
