import assert from 'node:assert/strict';
import { test } from 'node:test';
import { generateKeyPair, SignJWT } from 'jose';
import { createAccountLifecycle } from '../../src/modules/identity/account/account-lifecycle.ts';
import { createAccountService } from '../../src/modules/identity/accounts/account.service.ts';
import { createProviderRuntime } from '../../src/modules/identity/provider/provider-runtime.ts';
import { createFormClient, type FormClient } from '../../src/modules/identity/testing/form-client.ts';
import { createTestAccount, startIdentityServer, type TestAccount } from '../../src/modules/identity/testing/identity-test-kit.ts';

/** Signs in to the demo service through One Login's pages (or its single sign-on); the demo service's page. */
async function signInToDemoService(browser: FormClient, account: TestAccount) {
  let page = await browser.get('/demo-service/sign-in');
  if (page.url.includes('/sign-in/')) {
    page = await browser.submit(await browser.get(`${page.url}/email`), { email: account.email });
    page = await browser.submit(page, { password: account.password });
    page = await browser.submit(page, { code: await account.nextCode() });
  }
  assert.match(new URL(page.url).pathname, /^\/demo-service$/);
  assert.ok(page.html.includes(`signed in as ${account.email}`), 'signed in to the demo service');
}

async function demoServiceSignedIn(browser: FormClient, account: TestAccount): Promise<boolean> {
  return (await browser.get('/demo-service')).html.includes(`signed in as ${account.email}`);
}

test('signing out everywhere, deleting the account, and signing out at One Login each end the demo service session', async (t) => {
  const { kernel, baseUrl } = await startIdentityServer(t);
  const runtime = createProviderRuntime({ db: kernel.db, config: kernel.config, accounts: createAccountService({ db: kernel.db, secrets: kernel.secrets }) });
  const lifecycle = createAccountLifecycle({ db: kernel.db, runtime, jobs: kernel.jobs, audit: kernel.audit });
  const deliverLogoutTokens = () => kernel.createWorker().runUntilIdle();

  const account = await createTestAccount(kernel, 'everywhere@example.com');
  const laptop = createFormClient(baseUrl);
  const phone = createFormClient(baseUrl);
  await signInToDemoService(laptop, account);
  await signInToDemoService(phone, account);
  const { privateKey: attackerKey } = await generateKeyPair('ES256');
  const now = Math.floor(Date.now() / 1000);
  const forged = await new SignJWT({ sub: 'anyone', jti: 'forged', events: { 'http://schemas.openid.net/event/backchannel-logout': {} } })
    .setProtectedHeader({ alg: 'ES256', typ: 'logout+jwt' })
    .setIssuer(baseUrl)
    .setAudience('demo-service')
    .setIssuedAt(now)
    .setExpirationTime(now + 60)
    .sign(attackerKey);
  const refused = await fetch(`${baseUrl}/demo-service/backchannel-logout`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ logout_token: forged }),
  });
  assert.equal(refused.status, 400, 'a logout token the provider did not sign is refused');
  assert.ok(await demoServiceSignedIn(laptop, account));

  await lifecycle.signOutEverywhere(account.id, 'journey-test');
  assert.ok(await demoServiceSignedIn(laptop, account), 'the demo service learns of it from the back-channel logout job');
  await deliverLogoutTokens();
  assert.equal(await demoServiceSignedIn(laptop, account), false, 'signed out everywhere: the laptop');
  assert.equal(await demoServiceSignedIn(phone, account), false, 'signed out everywhere: the phone');
  assert.equal(laptop.cookies.has('demo_service_session'), false, 'the ended session cookie is cleared');

  await signInToDemoService(laptop, account);
  await lifecycle.deleteAccount(account.id, 'journey-test');
  await deliverLogoutTokens();
  assert.equal(await demoServiceSignedIn(laptop, account), false, 'account deleted');

  // Signing out at One Login (from any service, here its own /logout) ends only the sessions of that browser.
  const other = await createTestAccount(kernel, 'one-browser@example.com');
  const first = createFormClient(baseUrl);
  const second = createFormClient(baseUrl);
  await signInToDemoService(first, other);
  await signInToDemoService(second, other);
  await first.submit(await first.get('/logout'), {});
  assert.equal(await demoServiceSignedIn(first, other), false, 'signed out at One Login');
  assert.ok(await demoServiceSignedIn(second, other), 'the session of another browser stays');
});
