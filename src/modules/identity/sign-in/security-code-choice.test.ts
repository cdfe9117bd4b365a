import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Kernel } from '../../../platform/kernel.ts';
import { createSecurityMethodChanges } from '../account/security-method-changes.ts';
import { createFormClient, errorSummary, pageHeading, type FormClient, type FormPage } from '../testing/form-client.ts';
import { createTestAccount, readLatestMessage, registerTestClient, startIdentityServer, type TestAccount } from '../testing/identity-test-kit.ts';

const ANOTHER_WAY = 'Use another way to get a security code';

async function signInToSecurityCode(kernel: Kernel, baseUrl: string, account: TestAccount): Promise<{ browser: FormClient; page: FormPage; start: string }> {
  const rp = await registerTestClient(kernel);
  const browser = createFormClient(baseUrl);
  const authorize = new URL('/authorize', baseUrl);
  authorize.search = new URLSearchParams({ response_type: 'code', client_id: rp.clientId, redirect_uri: rp.redirectUri, scope: 'openid', state: 's', nonce: 'n' }).toString();
  const start = (await browser.get(authorize.toString())).url.split('?')[0] as string;
  let page = await browser.submit(await browser.get(`${start}/email`), { email: account.email });
  page = await browser.submit(page, { password: account.password });
  return { browser, page, start };
}

function radios(page: FormPage): Array<{ value: string; label: string }> {
  return [...page.html.matchAll(/<input class="govuk-radios__input" id="[^"]+" name="method" type="radio" value="([^"]+)"[^>]*>\s*<label[^>]*>([\s\S]*?)<\/label>/g)].map((match) => ({
    value: match[1] as string,
    label: (match[2] ?? '').replace(/&#39;/g, "'").trim(),
  }));
}

function linkTo(page: FormPage, text: string): string | undefined {
  return new RegExp(`<a class="govuk-link" href="([^"]+)">${text}</a>`).exec(page.html)?.[1];
}

async function codeTextedTo(kernel: Kernel, phoneNumber: string): Promise<string> {
  const message = await readLatestMessage(kernel, phoneNumber);
  assert.equal(message?.channel, 'sms');
  return /(\d{6})/.exec(message?.text ?? '')?.[1] as string;
}

const notThis = (code: string) => (code === '000000' ? '111111' : '000000');

test('an account with an authenticator app and a phone: the app first, then the person chooses a text message and signs in with it', async (t) => {
  const { kernel, baseUrl } = await startIdentityServer(t);
  const account = await createTestAccount(kernel);
  await createSecurityMethodChanges().addTextMessage(kernel.db, { accountId: account.id, phoneNumber: '+447700900123' });
  let { browser, page, start } = await signInToSecurityCode(kernel, baseUrl, account);

  assert.equal(pageHeading(page), 'Enter the security code');
  assert.match(page.html, /Open your authenticator app/, 'the default is the authenticator app, as before');
  assert.equal(await readLatestMessage(kernel, '+447700900123'), undefined, 'no text message until the person asks for one');
  assert.equal(linkTo(page, 'I cannot use my authenticator app'), `${new URL(start).pathname}/recover`);
  const choiceHref = linkTo(page, ANOTHER_WAY);
  assert.equal(choiceHref, `${new URL(start).pathname}/security-code-method`);

  page = await browser.get(choiceHref as string);
  assert.equal(pageHeading(page), 'How do you want to get a security code?');
  assert.deepEqual(radios(page), [{ value: 'sms', label: 'Text message to your phone ending 0123' }], 'only the ways other than the one in use');
  assert.ok(linkTo(page, 'I cannot use any of these')?.endsWith('/recover'));

  const withoutToken = await browser.post({ ...page, html: '' }, { method: 'sms' });
  assert.equal(withoutToken.status, 403, 'a choice without its CSRF token is refused');
  page = await browser.submit(page, {});
  assert.deepEqual(errorSummary(page), ['Select how you want to get a security code']);
  assert.match(page.html, /href="#method"/);

  page = await browser.submit(page, { method: 'sms' });
  assert.equal(pageHeading(page), 'Enter the security code');
  assert.match(page.html, /ending 0123/);
  const code = await codeTextedTo(kernel, '+447700900123');
  assert.ok(linkTo(page, ANOTHER_WAY), 'the app can still be chosen from the text message page');

  page = await browser.submit(page, { code: notThis(code) });
  assert.match(errorSummary(page)[0] ?? '', /not correct/);
  assert.match(page.html, /sent to your phone by text message/, 'still asks for the texted code');
  const done = await browser.submit(page, { code });
  assert.ok(new URL(done.url).searchParams.get('code'), 'signed in with the texted code');

  const [completed] = (await kernel.audit.listRecent({ subject: `account:${account.id}`, limit: 5 })).filter((event) => event.action === 'identity.sign-in.completed');
  assert.equal((completed?.details as { level?: string } | undefined)?.level, 'Cl.Cm', 'a texted code is a second factor like the app');
});

test('a forged choice, of a way the account does not have, is refused and changes nothing', async (t) => {
  const { kernel, baseUrl } = await startIdentityServer(t);
  const account = await createTestAccount(kernel);
  await createSecurityMethodChanges().addTextMessage(kernel.db, { accountId: account.id, phoneNumber: '+447700900123' });
  const { browser, start } = await signInToSecurityCode(kernel, baseUrl, account);

  let page = await browser.get(`${start}/security-code-method`);
  for (const forged of ['passkey', 'auth-app-2', 'email']) {
    page = await browser.submit(page, { method: forged });
    assert.equal(pageHeading(page), 'How do you want to get a security code?', forged);
    assert.deepEqual(errorSummary(page), ['Select how you want to get a security code'], forged);
  }
  page = await browser.get(`${start}/passkey`);
  assert.match(page.html, /Open your authenticator app/, 'no passkey step for an account without one');
  page = await browser.get(`${start}/security-code`);
  assert.match(page.html, /Open your authenticator app/, 'the journey still uses the app');
  assert.equal(await readLatestMessage(kernel, '+447700900123'), undefined);
});

test('an account with only an authenticator app is offered no other way', async (t) => {
  const { kernel, baseUrl } = await startIdentityServer(t);
  const account = await createTestAccount(kernel);
  const { browser, page, start } = await signInToSecurityCode(kernel, baseUrl, account);
  assert.equal(pageHeading(page), 'Enter the security code');
  assert.equal(linkTo(page, ANOTHER_WAY), undefined);
  const choice = await browser.get(`${start}/security-code-method`);
  assert.match(choice.html, /Open your authenticator app/, 'the choice page sends the person back to the code');
  const forged = await browser.post({ ...choice, url: `${start}/security-code-method` }, { method: 'sms' });
  assert.equal(forged.status, 303);
  assert.equal(forged.headers.get('location'), `${new URL(start).pathname}/security-code`);
  assert.match((await browser.get(`${start}/security-code`)).html, /Open your authenticator app/);
});

test('an account with an authenticator app and a passkey: the passkey is offered, and the app can be chosen again from it', async (t) => {
  const { kernel, baseUrl } = await startIdentityServer(t, { hostName: 'localhost' });
  const account = await createTestAccount(kernel);
  await createSecurityMethodChanges().addPasskey(kernel.db, {
    accountId: account.id,
    passkey: { credential_id: 'Y3JlZGVudGlhbC1vbmU', public_key: 'cHVibGljLWtleQ', sign_count: 0, transports: '["internal"]' },
  });
  let { browser, page } = await signInToSecurityCode(kernel, baseUrl, account);
  assert.match(page.html, /Open your authenticator app/);

  page = await browser.get(linkTo(page, ANOTHER_WAY) as string);
  assert.deepEqual(radios(page), [{ value: 'passkey', label: 'Sign in with your passkey instead' }], 'a passkey is offered apart from the ways to get a code');
  page = await browser.submit(page, { method: 'passkey' });
  assert.equal(pageHeading(page), 'Use your passkey');
  const options = JSON.parse(/<script type="application\/json" id="passkey-options">([^<]*)<\/script>/.exec(page.html)?.[1] ?? '{}') as { allowCredentials?: Array<{ id: string }> };
  assert.deepEqual(options.allowCredentials?.map((credential) => credential.id), ['Y3JlZGVudGlhbC1vbmU']);
  assert.ok(linkTo(page, 'I cannot use my passkey'));

  page = await browser.get(linkTo(page, 'Use a security code instead') as string);
  assert.deepEqual(radios(page), [{ value: 'auth-app', label: 'Authenticator app' }]);
  page = await browser.submit(page, { method: 'auth-app' });
  assert.match(page.html, /Open your authenticator app/);
  const done = await browser.submit(page, { code: await account.nextCode() });
  assert.ok(new URL(done.url).searchParams.get('code'), 'signed in with the app after all');
});

test('switching to another way does not reset the count of wrong codes', async (t) => {
  const { kernel, baseUrl } = await startIdentityServer(t);
  const account = await createTestAccount(kernel);
  await createSecurityMethodChanges().addTextMessage(kernel.db, { accountId: account.id, phoneNumber: '+447700900123' });
  let { browser, page, start } = await signInToSecurityCode(kernel, baseUrl, account);

  for (let attempt = 1; attempt <= 2; attempt += 1) page = await browser.submit(page, { code: '000000' });
  assert.match(errorSummary(page)[0] ?? '', /not correct/);
  page = await browser.submit(await browser.get(`${start}/security-code-method`), { method: 'sms' });
  const code = await codeTextedTo(kernel, '+447700900123');
  for (let attempt = 3; attempt <= 4; attempt += 1) page = await browser.submit(page, { code: notThis(code) });
  assert.match(errorSummary(page)[0] ?? '', /not correct/);
  page = await browser.submit(await browser.get(`${start}/security-code-method`), { method: 'auth-app' });
  assert.match(page.html, /Open your authenticator app/);
  page = await browser.submit(page, { code: '000000' });
  assert.match(errorSummary(page)[0] ?? '', /too many times/, 'the fifth wrong code locks, whichever way it came');

  page = await browser.submit(await browser.get(`${start}/security-code-method`), { method: 'sms' });
  page = await browser.submit(page, { code: await codeTextedTo(kernel, '+447700900123') });
  assert.match(errorSummary(page)[0] ?? '', /too many times/, 'a new way does not lift the lock');
});

test('the text message page texts a code once: showing it again texts nothing, and a new code is asked for with a button', async (t) => {
  const { kernel, baseUrl } = await startIdentityServer(t);
  const account = await createTestAccount(kernel);
  await createSecurityMethodChanges().addTextMessage(kernel.db, { accountId: account.id, phoneNumber: '+447700900456' });
  const { browser, page: codePage } = await signInToSecurityCode(kernel, baseUrl, account);
  let page = await browser.submit(await browser.get(linkTo(codePage, ANOTHER_WAY) as string), { method: 'sms' });
  const first = await readLatestMessage(kernel, '+447700900456');
  const firstCode = await codeTextedTo(kernel, '+447700900456');

  page = await browser.get(page.url);
  assert.equal(pageHeading(page), 'Enter the security code');
  assert.equal((await readLatestMessage(kernel, '+447700900456'))?.id, first?.id, 'showing the page again texts nothing');

  const sendAgain = linkTo(page, 'Not received the text message\\? Send the code again');
  assert.ok(sendAgain?.endsWith('/text-message/send-again'));
  page = await browser.get(sendAgain as string);
  assert.equal(pageHeading(page), 'Get a new security code');
  assert.match(page.html, /ending 0456/);
  assert.equal((await readLatestMessage(kernel, '+447700900456'))?.id, first?.id, 'nor does the page that offers a new code');
  const withoutToken = await browser.post({ ...page, html: '' }, {});
  assert.equal(withoutToken.status, 403, 'asking for a new code without the CSRF token is refused');

  page = await browser.submit(page, {});
  assert.equal(pageHeading(page), 'Enter the security code');
  const second = await readLatestMessage(kernel, '+447700900456');
  assert.notEqual(second?.id, first?.id, 'a new code was texted');
  const secondCode = await codeTextedTo(kernel, '+447700900456');
  if (secondCode !== firstCode) {
    page = await browser.submit(page, { code: firstCode });
    assert.match(errorSummary(page)[0] ?? '', /not correct/, 'the code texted before no longer works');
  }
  const done = await browser.submit(page, { code: secondCode });
  assert.ok(new URL(done.url).searchParams.get('code'), 'signed in with the new code');
});

test('after going back and signing in as another account, nothing chosen for the first comes along; its text message page texts its own phone', async (t) => {
  const { kernel, baseUrl } = await startIdentityServer(t);
  const first = await createTestAccount(kernel);
  const second = await createTestAccount(kernel, 'second@example.com');
  const changes = createSecurityMethodChanges();
  await changes.addTextMessage(kernel.db, { accountId: first.id, phoneNumber: '+447700900601' });
  await changes.addTextMessage(kernel.db, { accountId: second.id, phoneNumber: '+447700900602' });
  const { browser, page: codePage, start } = await signInToSecurityCode(kernel, baseUrl, first);
  await browser.submit(await browser.get(linkTo(codePage, ANOTHER_WAY) as string), { method: 'sms' });
  assert.ok(await readLatestMessage(kernel, '+447700900601'), 'the first account was texted');

  let page = await browser.submit(await browser.get(`${start}/email`), { email: second.email });
  page = await browser.submit(page, { password: second.password });
  assert.equal(pageHeading(page), 'Enter the security code');
  assert.match(page.html, /Open your authenticator app/, 'a new journey: the second account starts with its own default');
  page = await browser.submit(await browser.get(linkTo(page, ANOTHER_WAY) as string), { method: 'sms' });
  assert.match(page.html, /ending 0602/);
  const code = await codeTextedTo(kernel, '+447700900602');
  const done = await browser.submit(page, { code });
  assert.ok(new URL(done.url).searchParams.get('code'), 'the second account signs in with the code texted to its phone');
});
