import assert from 'node:assert/strict';
import { test } from 'node:test';
import { generate } from 'otplib';
import { createIdentityModule } from '../identity.module.ts';
import { createFormClient, errorSummary, pageHeading, type FormClient, type FormPage } from '../testing/form-client.ts';
import { createTestAccount, readLatestMessage, registerTestClient, startIdentityServer, withIdentity } from '../testing/identity-test-kit.ts';

function authorizeUrl(baseUrl: string, clientId: string, redirectUri: string) {
  const url = new URL('/authorize', baseUrl);
  url.search = new URLSearchParams({ response_type: 'code', client_id: clientId, redirect_uri: redirectUri, scope: 'openid email', state: 's', nonce: 'n' }).toString();
  return url.toString();
}

async function startJourney(browser: FormClient, baseUrl: string, rp: { clientId: string; redirectUri: string }): Promise<FormPage> {
  return browser.get(authorizeUrl(baseUrl, rp.clientId, rp.redirectUri));
}

test('create an account: email, emailed code, password, authenticator app, then back to the service', async (t) => {
  const { kernel, baseUrl } = await startIdentityServer(t);
  const rp = await registerTestClient(kernel);
  const browser = createFormClient(baseUrl);
  const start = await startJourney(browser, baseUrl, rp);

  let page = await browser.get(`${start.url}/create/email`);
  assert.equal(pageHeading(page), 'Enter your email address');
  page = await browser.submit(page, { email: 'not-an-email' });
  assert.deepEqual(errorSummary(page), ['Enter an email address in the correct format, like name@example.com']);
  page = await browser.submit(page, { email: 'Dewi@Example.com ' });
  assert.equal(pageHeading(page), 'Check your email');

  const message = await readLatestMessage(kernel, 'dewi@example.com');
  assert.equal(message?.recipient, 'dewi@example.com');
  const code = /(\d{6})/.exec(message?.text ?? '')?.[1] as string;
  assert.ok(code);
  page = await browser.submit(page, { code: code === '000000' ? '111111' : '000000' });
  assert.match(errorSummary(page)[0] ?? '', /not correct/);
  page = await browser.submit(page, { code });
  assert.equal(pageHeading(page), 'Create your password');

  page = await browser.submit(page, { password: 'short' });
  assert.deepEqual(errorSummary(page), ['Your password must be at least 8 characters']);
  page = await browser.submit(page, { password: 'password123' });
  assert.match(errorSummary(page)[0] ?? '', /most common passwords/);
  page = await browser.submit(page, { password: 'a long memorable passphrase' });
  assert.equal(pageHeading(page), 'How do you want to get security codes?');
  // A passkey is no way to get security codes: it is offered apart, after "or", as a way to sign in instead.
  const choices = [...page.html.matchAll(/value="([a-z-]+)"[^>]*>\s*<label[^>]*>\s*([^<]+?)\s*<\/label>|govuk-radios__divider">([^<]+)</g)].map((match) => match[3] ? `(${match[3].trim()})` : `${match[1]}: ${match[2]}`);
  assert.deepEqual(choices, ['auth-app: An authenticator app', 'sms: A text message to your mobile phone', '(or)', 'passkey: Sign in with a passkey instead of security codes']);

  page = await browser.submit(page, {});
  assert.deepEqual(errorSummary(page), ['Select how you want to get security codes']);
  page = await browser.submit(page, { method: 'auth-app' });
  assert.equal(pageHeading(page), 'Set up an authenticator app');
  const secret = (/id="secret-key">([A-Z2-7 ]+)</.exec(page.html)?.[1] ?? '').replaceAll(' ', '');
  assert.ok(secret.length >= 16, 'the secret key is shown as text for people who cannot scan');
  assert.match(page.html, /<svg/);

  const done = await browser.submit(page, { code: await generate({ secret }) });
  const callback = new URL(done.url);
  assert.equal(`${callback.origin}${callback.pathname}`, rp.redirectUri);
  assert.ok(callback.searchParams.get('code'));
  assert.equal((await readLatestMessage(kernel, 'dewi@example.com'))?.subject, 'You created a One Login');

  const events = await kernel.audit.listRecent({ limit: 5 });
  assert.ok(events.some((event) => event.action === 'identity.account.created'));
  assert.ok(events.some((event) => event.action === 'identity.sign-in.completed'));
  assert.ok(!JSON.stringify(events).includes('dewi@example.com'), 'no email address in the audit trail');
});

test('an email that already has an account cannot create another', async (t) => {
  const { kernel, baseUrl } = await startIdentityServer(t);
  const rp = await registerTestClient(kernel);
  const account = await createTestAccount(kernel);
  const browser = createFormClient(baseUrl);
  const start = await startJourney(browser, baseUrl, rp);
  const page = await browser.submit(await browser.get(`${start.url}/create/email`), { email: account.email });
  assert.match(errorSummary(page)[0] ?? '', /already a One Login/);
});

test('wrong passwords lock sign-in from that address for 15 minutes, then it works again; other addresses are not locked out', async (t) => {
  let now = Date.now();
  const { kernel, baseUrl } = await startIdentityServer(t, {
    modules: withIdentity(createIdentityModule({ clock: () => new Date(now) })),
    environment: { TRUST_PROXY: 'true' },
  });
  const rp = await registerTestClient(kernel);
  const account = await createTestAccount(kernel);
  const browser = createFormClient(baseUrl, { headers: { 'x-forwarded-for': '203.0.113.5' } });
  const start = await startJourney(browser, baseUrl, rp);
  let page = await browser.submit(await browser.get(`${start.url}/email`), { email: account.email });

  for (let attempt = 1; attempt <= 4; attempt += 1) {
    page = await browser.submit(page, { password: `wrong password ${attempt}` });
    assert.deepEqual(errorSummary(page), ['Incorrect password']);
  }
  page = await browser.submit(page, { password: 'wrong password 5' });
  assert.match(errorSummary(page)[0] ?? '', /too many times. Wait 15 minutes/);
  page = await browser.submit(page, { password: account.password });
  assert.match(errorSummary(page)[0] ?? '', /too many times/, 'the right password is refused while locked');

  const owner = createFormClient(baseUrl, { headers: { 'x-forwarded-for': '198.51.100.7' } });
  const ownerStart = await startJourney(owner, baseUrl, rp);
  const ownerPage = await owner.submit(await owner.submit(await owner.get(`${ownerStart.url}/email`), { email: account.email }), { password: account.password });
  assert.equal(pageHeading(ownerPage), 'Enter the security code', 'the owner, elsewhere, is not locked out');

  now += 16 * 60_000;
  page = await browser.submit(page, { password: account.password });
  assert.equal(pageHeading(page), 'Enter the security code');

  const events = await kernel.audit.listRecent({ subject: `account:${account.id}` });
  assert.equal(events.filter((event) => event.action === 'identity.sign-in.password-wrong').length, 5);
});

test('wrong security codes lock the code step for 15 minutes; codes cannot be used twice', async (t) => {
  let now = Date.now();
  const { kernel, baseUrl } = await startIdentityServer(t, { modules: withIdentity(createIdentityModule({ clock: () => new Date(now) })) });
  const rp = await registerTestClient(kernel);
  const account = await createTestAccount(kernel);

  const signInToCode = async () => {
    const browser = createFormClient(baseUrl);
    const start = await startJourney(browser, baseUrl, rp);
    let page = await browser.submit(await browser.get(`${start.url}/email`), { email: account.email });
    page = await browser.submit(page, { password: account.password });
    assert.equal(pageHeading(page), 'Enter the security code');
    return { browser, page };
  };

  const first = await signInToCode();
  const code = await account.nextCode();
  const done = await first.browser.submit(first.page, { code });
  assert.ok(new URL(done.url).searchParams.get('code'));

  let { browser, page } = await signInToCode();
  page = await browser.submit(page, { code });
  assert.match(errorSummary(page)[0] ?? '', /already been used/);
  for (let attempt = 2; attempt <= 4; attempt += 1) {
    page = await browser.submit(page, { code: '000000' });
    assert.match(errorSummary(page)[0] ?? '', /not correct/);
  }
  page = await browser.submit(page, { code: '000000' });
  assert.match(errorSummary(page)[0] ?? '', /too many times/);
  const rightCode = await account.nextCode();
  page = await browser.submit(page, { code: rightCode });
  assert.match(errorSummary(page)[0] ?? '', /too many times/, 'even the right code is refused while locked');

  now += 16 * 60_000;
  ({ browser, page } = await signInToCode());
  const after = await browser.submit(page, { code: rightCode });
  assert.ok(new URL(after.url).searchParams.get('code'), 'the lock ended by itself');
});

test('someone who lost their authenticator app proves their email and sets up a new one, keeping their account', async (t) => {
  const { kernel, baseUrl } = await startIdentityServer(t);
  const rp = await registerTestClient(kernel);
  const account = await createTestAccount(kernel);
  const browser = createFormClient(baseUrl);
  const start = await startJourney(browser, baseUrl, rp);
  let page = await browser.submit(await browser.get(`${start.url}/email`), { email: account.email });
  page = await browser.submit(page, { password: account.password });
  assert.equal(pageHeading(page), 'Enter the security code');

  page = await browser.get(`${start.url}/recover`);
  assert.equal(pageHeading(page), 'Set up a new authenticator app');
  page = await browser.submit(page, {});
  assert.equal(pageHeading(page), 'Check your email');
  const codeEmail = await readLatestMessage(kernel, account.email);
  const code = /(\d{6})/.exec(codeEmail?.text ?? '')?.[1] as string;
  page = await browser.submit(page, { code });
  assert.equal(pageHeading(page), 'Set up an authenticator app');
  const newSecret = (/id="secret-key">([A-Z2-7 ]+)</.exec(page.html)?.[1] ?? '').replaceAll(' ', '');
  assert.notEqual(newSecret, account.totpSecret);
  const done = await browser.submit(page, { code: await generate({ secret: newSecret }) });
  assert.ok(new URL(done.url).searchParams.get('code'), 'back to the service, signed in');

  const notice = await readLatestMessage(kernel, account.email);
  assert.equal(notice?.subject, 'You set up a new authenticator app');
  const [event] = await kernel.audit.listRecent({ subject: `account:${account.id}`, limit: 2 }).then((events) => events.filter((e) => e.action === 'identity.security-method.replaced'));
  assert.ok(event, 'the change is in the audit trail');

  // The old app no longer works; the new one does.
  const again = createFormClient(baseUrl);
  const againStart = await startJourney(again, baseUrl, rp);
  let codePage = await again.submit(await again.submit(await again.get(`${againStart.url}/email`), { email: account.email }), { password: account.password });
  codePage = await again.submit(codePage, { code: await generate({ secret: account.totpSecret, epoch: Math.floor(Date.now() / 1000) + 30 }) });
  assert.match(errorSummary(codePage)[0] ?? '', /not correct/);
  const signedIn = await again.submit(codePage, { code: await generate({ secret: newSecret, epoch: Math.floor(Date.now() / 1000) + 30 }) });
  assert.ok(new URL(signedIn.url).searchParams.get('code'));
});

test('a forgotten password is reset with a code sent by email; the security code is still asked for', async (t) => {
  const { kernel, baseUrl } = await startIdentityServer(t);
  const rp = await registerTestClient(kernel);
  const account = await createTestAccount(kernel);
  const browser = createFormClient(baseUrl);
  const start = await startJourney(browser, baseUrl, rp);
  let page = await browser.submit(await browser.get(`${start.url}/email`), { email: account.email });
  assert.match(page.html, /I have forgotten my password/);
  page = await browser.get(`${start.url}/reset-password`);
  assert.equal(pageHeading(page), 'Reset your password');
  page = await browser.submit(page, {});
  assert.equal(pageHeading(page), 'Check your email');
  const message = await readLatestMessage(kernel, account.email);
  page = await browser.submit(page, { code: /(\d{6})/.exec(message?.text ?? '')?.[1] as string });
  assert.equal(pageHeading(page), 'Create your password');
  page = await browser.submit(page, { password: 'my new memorable passphrase' });
  assert.equal(pageHeading(page), 'Enter the security code');
  assert.equal((await readLatestMessage(kernel, account.email))?.subject, 'The password of your One Login was changed');
  const done = await browser.submit(page, { code: await account.nextCode() });
  assert.ok(new URL(done.url).searchParams.get('code'));

  const again = createFormClient(baseUrl);
  const againStart = await startJourney(again, baseUrl, rp);
  const oldPassword = await again.submit(await again.submit(await again.get(`${againStart.url}/email`), { email: account.email }), { password: account.password });
  assert.deepEqual(errorSummary(oldPassword), ['Incorrect password']);
  const newPassword = await again.submit(oldPassword, { password: 'my new memorable passphrase' });
  assert.equal(pageHeading(newPassword), 'Enter the security code');
});

test('one client address sending too many forms a minute is refused for a minute, with Retry-After', async (t) => {
  const { kernel, baseUrl } = await startIdentityServer(t, { environment: { TRUST_PROXY: 'true' } });
  const rp = await registerTestClient(kernel);
  const busy = createFormClient(baseUrl, { headers: { 'x-forwarded-for': '203.0.113.9' } });
  const start = await startJourney(busy, baseUrl, rp);
  const emailPage = await busy.get(`${start.url}/email`);
  let page = emailPage;
  // 120 forms a minute are answered; the next is refused.
  for (let index = 0; index < 120; index += 1) page = await busy.submit(emailPage, { email: 'not-an-email' });
  assert.deepEqual(errorSummary(page), ['Enter an email address in the correct format, like name@example.com']);
  const refused = await busy.submit(emailPage, { email: 'not-an-email' });
  assert.equal(refused.status, 429);
  assert.equal(pageHeading(refused), 'Sorry, there have been too many attempts');

  const other = createFormClient(baseUrl, { headers: { 'x-forwarded-for': '198.51.100.20' } });
  const otherStart = await startJourney(other, baseUrl, rp);
  const fine = await other.submit(await other.get(`${otherStart.url}/email`), { email: 'not-an-email' });
  assert.equal(fine.status, 200, 'another address is not affected');
});

test('security codes by text message: create an account with a mobile number, then sign in with a texted code', async (t) => {
  const { kernel, baseUrl } = await startIdentityServer(t);
  const rp = await registerTestClient(kernel);
  const browser = createFormClient(baseUrl);
  const start = await startJourney(browser, baseUrl, rp);
  let page = await browser.submit(await browser.get(`${start.url}/create/email`), { email: 'sian@example.com' });
  page = await browser.submit(page, { code: /(\d{6})/.exec((await readLatestMessage(kernel, 'sian@example.com'))?.text ?? '')?.[1] as string });
  page = await browser.submit(page, { password: 'a long memorable passphrase' });
  page = await browser.submit(page, { method: 'sms' });
  assert.equal(pageHeading(page), 'Enter your mobile phone number');
  page = await browser.submit(page, { phone: '01234 567890' });
  assert.deepEqual(errorSummary(page), ['Enter a UK mobile phone number, like 07700 900 982']);
  page = await browser.submit(page, { phone: '07700 900 982' });
  assert.equal(pageHeading(page), 'Check your phone');
  const text = await readLatestMessage(kernel, '+447700900982');
  assert.equal(text?.channel, 'sms');
  page = await browser.submit(page, { code: /(\d{6})/.exec(text?.text ?? '')?.[1] as string });
  assert.ok(new URL(page.url).searchParams.get('code'), 'account created, back to the service');

  const again = createFormClient(baseUrl);
  const againStart = await startJourney(again, baseUrl, rp);
  page = await again.submit(await again.submit(await again.get(`${againStart.url}/email`), { email: 'sian@example.com' }), { password: 'a long memorable passphrase' });
  assert.equal(pageHeading(page), 'Enter the security code');
  assert.match(page.html, /ending 0982/);
  page = await again.submit(page, { code: '000000' });
  assert.match(errorSummary(page)[0] ?? '', /not correct/);
  const signInText = await readLatestMessage(kernel, '+447700900982');
  page = await again.submit(page, { code: /(\d{6})/.exec(signInText?.text ?? '')?.[1] as string });
  assert.ok(new URL(page.url).searchParams.get('code'), 'signed in with the texted code');
});
