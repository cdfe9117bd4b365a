import assert from 'node:assert/strict';
import { test } from 'node:test';
import { generate } from 'otplib';
import type { Kernel } from '../../../platform/kernel.ts';
import { createSecurityMethodChanges } from '../account/security-method-changes.ts';
import { createAccountService } from '../accounts/account.service.ts';
import { createFormClient, pageHeading, type FormClient, type FormPage } from '../testing/form-client.ts';
import { createTestAccount, readLatestMessage, registerTestClient, startIdentityServer, type TestAccount, type TestRelyingParty } from '../testing/identity-test-kit.ts';

/*
 * The attacker's tests of the sign-in journey: prove something for identity A (the attacker's
 * own), switch to identity B (the victim's) every way the pages allow, and try to spend the
 * proof on B. Each must fail, and B must be untouched.
 */

const ATTACKER_PHONE = '+447700900666';

type World = { kernel: Kernel; baseUrl: string; rp: TestRelyingParty; attacker: TestAccount; victim: TestAccount };

function authorizeUrl(world: World) {
  const url = new URL('/authorize', world.baseUrl);
  url.search = new URLSearchParams({ response_type: 'code', client_id: world.rp.clientId, redirect_uri: world.rp.redirectUri, scope: 'openid email', state: 's', nonce: 'n' }).toString();
  return url.toString();
}

async function startJourney(world: World, browser: FormClient): Promise<string> {
  return (await browser.get(authorizeUrl(world))).url.split('?')[0] as string;
}

async function latestCode(kernel: Kernel, recipient: string): Promise<string> {
  const message = await readLatestMessage(kernel, recipient);
  const code = /(\d{6})/.exec(message?.text ?? '')?.[1];
  assert.ok(code, `a code was sent to ${recipient}`);
  return code;
}

const journeyIdOf = (page: FormPage) => /name="journey" value="([^"]+)"/.exec(page.html)?.[1] ?? '';

/** Posts a form to `path` of the journey as the page's own form would, with its CSRF token and journey id. */
async function postAs(browser: FormClient, page: FormPage, url: string, fields: Record<string, string>) {
  return browser.post({ ...page, url }, { journey: journeyIdOf(page), ...fields });
}

async function signInWithPassword(browser: FormClient, start: string, account: TestAccount): Promise<FormPage> {
  const page = await browser.submit(await browser.get(`${start}/email`), { email: account.email });
  return browser.submit(page, { password: account.password });
}

async function victimUntouched(world: World, originalPassword: string) {
  const accounts = createAccountService({ db: world.kernel.db, secrets: world.kernel.secrets });
  const check = await accounts.passwordCheckFor(world.victim.email);
  assert.ok(await check.verify(originalPassword), "the victim's password is unchanged");
  const methods = await accounts.listMethods(world.victim.id);
  assert.deepEqual(methods.filter((method) => method.kind === 'auth-app').map((method) => method.totp_secret), [world.victim.totpSecret], "the victim's authenticator app is unchanged");
  const completed = await world.kernel.audit.listRecent({ subject: `account:${world.victim.id}`, limit: 50 });
  assert.ok(!completed.some((event) => event.action === 'identity.sign-in.completed'), 'nobody signed in as the victim');
}

async function setUp(t: Parameters<typeof startIdentityServer>[0]): Promise<World> {
  const { kernel, baseUrl } = await startIdentityServer(t);
  const rp = await registerTestClient(kernel);
  const attacker = await createTestAccount(kernel, 'mallory@example.com');
  await createSecurityMethodChanges().addTextMessage(kernel.db, { accountId: attacker.id, phoneNumber: ATTACKER_PHONE });
  const victim = await createTestAccount(kernel, 'victim@example.com');
  return { kernel, baseUrl, rp, attacker, victim };
}

/**
 * A refused post is not acted on: it does not go on to the service, nor to `acceptedAt` (the
 * page that follows the step when it is accepted).
 */
function assertRefused(response: Response, world: World, what: string, acceptedAt?: string) {
  const location = response.headers.get('location') ?? '';
  assert.ok(!location.startsWith(world.rp.redirectUri), `${what}: not sent back to the service`);
  if (acceptedAt) assert.ok(!location.endsWith(acceptedAt), `${what}: not taken on to ${acceptedAt}`);
  assert.ok(response.status === 303 || response.status === 400 || response.status === 403, `${what}: refused (${response.status})`);
}

test('finding 1, the attacker\'s script: recovery and reset proved for the attacker, then the victim\'s email entered; nothing of the victim\'s changes', async (t) => {
  const world = await setUp(t);
  const browser = createFormClient(world.baseUrl);
  const start = await startJourney(world, browser);

  // Sign in as the attacker; "I lost my authenticator app": code to the attacker's mailbox.
  let page = await signInWithPassword(browser, start, world.attacker);
  assert.equal(pageHeading(page), 'Enter the security code');
  page = await browser.submit(await browser.get(`${start}/recover`), {});
  page = await browser.submit(page, { code: await latestCode(world.kernel, world.attacker.email) });
  assert.match(pageHeading(page), /Set up an authenticator app/);
  const shownSecret = (/id="secret-key">([A-Z2-7 ]+)</.exec(page.html)?.[1] ?? '').replaceAll(' ', '');
  assert.ok(shownSecret);

  // "Forgotten password", code to the attacker's mailbox: not a step this journey may take now.
  const resetSend = await postAs(browser, page, `${start}/reset-password`, {});
  assertRefused(resetSend, world, 'asking for a reset code mid-recovery', '/reset-password/check-email');
  const resetCode = await readLatestMessage(world.kernel, world.attacker.email);
  const resetCheck = await postAs(browser, page, `${start}/reset-password/check-email`, { code: /(\d{6})/.exec(resetCode?.text ?? '')?.[1] ?? '000000' });
  assertRefused(resetCheck, world, 'the reset code mid-recovery', '/reset-password/new');

  // Then the victim's email on the email page: a new journey, so the recovery proof is gone.
  page = await browser.submit(await browser.get(`${start}/email`), { email: world.victim.email });
  assert.ok(page.url.endsWith('/password'));
  for (const [path, fields, acceptedAt] of [
    ['/reset-password/new', { password: 'attacker chose this passphrase' }, '/security-code'],
    ['/recover/auth-app', { code: await generate({ secret: shownSecret }) }, undefined],
    ['/security-code', { code: await world.attacker.nextCode() }, undefined],
  ] as const) {
    assertRefused(await postAs(browser, page, `${start}${path}`, fields), world, path, acceptedAt);
  }
  await victimUntouched(world, world.victim.password);
});

test('finding 1, reset first: a journey whose password was proved by email cannot replace the security method, and the victim\'s email starts over', async (t) => {
  const world = await setUp(t);
  const browser = createFormClient(world.baseUrl);
  const start = await startJourney(world, browser);

  let page = await browser.submit(await browser.get(`${start}/email`), { email: world.attacker.email });
  page = await browser.submit(await browser.get(`${start}/reset-password`), {});
  page = await browser.submit(page, { code: await latestCode(world.kernel, world.attacker.email) });
  assert.equal(pageHeading(page), 'Create your password');
  page = await browser.submit(page, { password: 'the attacker new passphrase' });
  assert.equal(pageHeading(page), 'Enter the security code');

  const recover = await browser.get(`${start}/recover`);
  assert.match(recover.html, /Your password was reset by email/, 'no recovery after a reset in the same journey');
  assertRefused(await postAs(browser, recover, `${start}/recover`, {}), world, 'recovery after reset');
  assert.equal(await readLatestMessage(world.kernel, world.attacker.email).then((message) => message?.text.includes('Set up')), false);

  page = await browser.submit(await browser.get(`${start}/email`), { email: world.victim.email });
  assertRefused(await postAs(browser, page, `${start}/reset-password/new`, { password: 'attacker chose this passphrase' }), world, 'reset for the victim');
  assertRefused(await postAs(browser, page, `${start}/security-code`, { code: await world.attacker.nextCode() }), world, 'the attacker\'s code for the victim');
  await victimUntouched(world, world.victim.password);
});

test('the mailbox alone, across journeys: a password reset by email, then a new journey with that password cannot replace the security method', async (t) => {
  const world = await setUp(t);
  const attacker = createFormClient(world.baseUrl);

  // Journey 1: the victim's password reset with a code from the victim's mailbox (which the attacker reads).
  const first = await startJourney(world, attacker);
  let page = await attacker.submit(await attacker.get(`${first}/email`), { email: world.victim.email });
  page = await attacker.submit(await attacker.get(`${first}/reset-password`), {});
  page = await attacker.submit(page, { code: await latestCode(world.kernel, world.victim.email) });
  page = await attacker.submit(page, { password: 'the attacker chose this passphrase' });
  assert.equal(pageHeading(page), 'Enter the security code');

  // Journey 2, from scratch: the new password, then "I lost my authenticator app".
  const fresh = createFormClient(world.baseUrl);
  const second = await startJourney(world, fresh);
  page = await fresh.submit(await fresh.get(`${second}/email`), { email: world.victim.email });
  page = await fresh.submit(page, { password: 'the attacker chose this passphrase' });
  assert.equal(pageHeading(page), 'Enter the security code');
  const recover = await fresh.get(`${second}/recover`);
  assert.match(recover.html, /Your password was reset by email/);
  assertRefused(await postAs(fresh, recover, `${second}/recover`, {}), world, 'recovery by the mailbox alone');
  const accounts = createAccountService({ db: world.kernel.db, secrets: world.kernel.secrets });
  const methods = await accounts.listMethods(world.victim.id);
  assert.deepEqual(methods.filter((method) => method.kind === 'auth-app').map((method) => method.totp_secret), [world.victim.totpSecret], 'the victim\'s app is unchanged');

  // The owner, who has their app, signs in with the new password and a code: recovery by email is open to them again.
  const owner = createFormClient(world.baseUrl);
  const third = await startJourney(world, owner);
  page = await owner.submit(await owner.get(`${third}/email`), { email: world.victim.email });
  page = await owner.submit(page, { password: 'the attacker chose this passphrase' });
  page = await owner.submit(page, { code: await world.victim.nextCode() });
  assert.ok(new URL(page.url).searchParams.get('code'), 'signed in with the app');
  assert.equal(await accounts.passwordSetByEmailOnly(world.victim.id), false);
});

test('finding 2, the attacker\'s script: an address verified for account creation, then another typed in; no account for an unverified address', async (t) => {
  const world = await setUp(t);
  const target = 'unverified@example.com';
  const proveOwnAddress = async (browser: FormClient, start: string, ownAddress: string) => {
    const page = await browser.submit(await browser.get(`${start}/create/email`), { email: ownAddress });
    return browser.submit(page, { code: await latestCode(world.kernel, ownAddress) });
  };

  // Back to the sign-in email page with someone else's address; carry on creating the account.
  const browser = createFormClient(world.baseUrl);
  const start = await startJourney(world, browser);
  const passwordForm = await proveOwnAddress(browser, start, 'mallory-new@example.com');
  assert.equal(pageHeading(passwordForm), 'Create your password');
  const page = await browser.submit(await browser.get(`${start}/email`), { email: target });
  assertRefused(await postAs(browser, page, `${start}/create/password`, { password: 'a long memorable passphrase' }), world, 'the password page', '/create/security-method');
  assertRefused(await browser.post(passwordForm, { password: 'a long memorable passphrase' }), world, 'the stale password form', '/create/security-method');
  assertRefused(await postAs(browser, page, `${start}/create/security-method`, { method: 'auth-app' }), world, 'the method page', '/create/auth-app');
  const appPage = await browser.get(`${start}/create/auth-app`);
  const secret = (/id="secret-key">([A-Z2-7 ]+)</.exec(appPage.html)?.[1] ?? '').replaceAll(' ', '');
  if (secret) await browser.submit(appPage, { code: await generate({ secret }) });
  assert.equal(secret, '', 'no authenticator app is offered for the unproved address');

  // Back to the create-account email page: a code goes to the new address, and nothing else.
  const second = createFormClient(world.baseUrl);
  const secondStart = await startJourney(world, second);
  const secondPasswordForm = await proveOwnAddress(second, secondStart, 'mallory-other@example.com');
  const checkPage = await second.submit(await second.get(`${secondStart}/create/email`), { email: target });
  assert.equal(pageHeading(checkPage), 'Check your email');
  assertRefused(await second.post(secondPasswordForm, { password: 'a long memorable passphrase' }), world, 'the stale password form', '/create/security-method');
  assertRefused(await postAs(second, checkPage, `${secondStart}/create/password`, { password: 'a long memorable passphrase' }), world, 'the password page before the code', '/create/security-method');

  const accounts = createAccountService({ db: world.kernel.db, secrets: world.kernel.secrets });
  assert.equal(await accounts.findByEmail(target), undefined, 'no account holds the unverified address');
});

/*
 * The table: each proof, the step that spends it, and every way the pages allow to switch to
 * another identity before spending it.
 */
type Proof = {
  name: string;
  /** Proves the fact for the attacker; returns the page of the step that spends it. */
  prove(world: World, browser: FormClient, start: string): Promise<FormPage>;
  /** The fields the spending step's form is posted with. */
  spend(world: World, spendingPage: FormPage): Promise<Record<string, string>>;
  /** Where the step goes when it is accepted (beside going back to the service). */
  acceptedAt?: string;
};

const proofs: Proof[] = [
  {
    name: 'email code at account creation',
    async prove(world, browser, start) {
      const page = await browser.submit(await browser.get(`${start}/create/email`), { email: 'new-a@example.com' });
      return browser.submit(page, { code: await latestCode(world.kernel, 'new-a@example.com') });
    },
    spend: async () => ({ password: 'a long memorable passphrase' }),
    acceptedAt: '/create/security-method',
  },
  {
    name: 'email code for a forgotten password',
    async prove(world, browser, start) {
      await browser.submit(await browser.get(`${start}/email`), { email: world.attacker.email });
      const page = await browser.submit(await browser.get(`${start}/reset-password`), {});
      return browser.submit(page, { code: await latestCode(world.kernel, world.attacker.email) });
    },
    spend: async () => ({ password: 'attacker chose this passphrase' }),
    acceptedAt: '/security-code',
  },
  {
    name: 'password',
    prove: (world, browser, start) => signInWithPassword(browser, start, world.attacker),
    spend: async (world) => ({ code: await world.attacker.nextCode() }),
  },
  {
    name: 'security code texted to the account\'s phone',
    async prove(world, browser, start) {
      await signInWithPassword(browser, start, world.attacker);
      const choice = await browser.get(`${start}/security-code-method`);
      return browser.submit(choice, { method: 'sms' });
    },
    spend: async (world) => ({ code: await latestCode(world.kernel, ATTACKER_PHONE) }),
  },
  {
    name: 'email code for recovery',
    async prove(world, browser, start) {
      await signInWithPassword(browser, start, world.attacker);
      const page = await browser.submit(await browser.get(`${start}/recover`), {});
      return browser.submit(page, { code: await latestCode(world.kernel, world.attacker.email) });
    },
    async spend(_world, spendingPage) {
      // The secret the page showed the attacker, answered from the attacker's new app.
      const secret = (/id="secret-key">([A-Z2-7 ]+)</.exec(spendingPage.html)?.[1] ?? '').replaceAll(' ', '');
      return { code: await generate({ secret }) };
    },
  },
];

type Switch = { name: string; to(world: World, browser: FormClient, start: string): Promise<{ start: string; current: FormPage }> };

const switches: Switch[] = [
  {
    name: 'the sign-in email page',
    async to(world, browser, start) {
      return { start, current: await browser.submit(await browser.get(`${start}/email`), { email: world.victim.email }) };
    },
  },
  {
    name: 'the create-account email page',
    async to(_world, browser, start) {
      return { start, current: await browser.submit(await browser.get(`${start}/create/email`), { email: 'victim-new@example.com' }) };
    },
  },
  {
    name: 'the sign-in email page, then the password page as the victim (back button)',
    async to(world, browser, start) {
      const page = await browser.submit(await browser.get(`${start}/email`), { email: world.victim.email });
      return { start, current: await browser.submit(page, { password: 'a wrong guess at the password' }) };
    },
  },
  {
    name: 'a second authorization request in the same browser',
    async to(world, browser) {
      const start = await startJourney(world, browser);
      return { start, current: await browser.submit(await browser.get(`${start}/email`), { email: world.victim.email }) };
    },
  },
];

for (const proof of proofs) {
  for (const change of switches) {
    test(`abuse table: ${proof.name} proved for A, then ${change.name}: the step that spends it refuses B`, async (t) => {
      const world = await setUp(t);
      const browser = createFormClient(world.baseUrl);
      const firstStart = await startJourney(world, browser);
      const spendingPage = await proof.prove(world, browser, firstStart);
      const action = /<form method="post" action="([^"]+)"/.exec(spendingPage.html)?.[1];
      const spendingUrl = action ? new URL(action, spendingPage.url).toString() : spendingPage.url;
      const fields = await proof.spend(world, spendingPage);
      const { start, current } = await change.to(world, browser, firstStart);

      // The form the other tab still shows, posted as it is.
      assertRefused(await browser.post({ ...spendingPage, url: spendingUrl }, fields), world, 'the stale form from the other tab', proof.acceptedAt);
      // The same step, posted with the journey's current id (the attacker can read it).
      const path = new URL(spendingUrl).pathname.split('/').slice(3).join('/');
      assertRefused(await postAs(browser, current, `${start}/${path}`, fields), world, 'the step, in the journey as it is now', proof.acceptedAt);
      await victimUntouched(world, world.victim.password);
      const accounts = createAccountService({ db: world.kernel.db, secrets: world.kernel.secrets });
      assert.equal(await accounts.findByEmail('victim-new@example.com'), undefined);
    });
  }
}

test('every step reached out of order is sent to where the journey is, never acted on', async (t) => {
  const world = await setUp(t);
  const browser = createFormClient(world.baseUrl);
  const start = await startJourney(world, browser);
  const first = await browser.get(`${start}/email`);
  const steps = [
    '/password', '/password/check-email', '/security-code', '/text-message/send-again', '/security-code-method', '/passkey',
    '/reset-password', '/reset-password/check-email', '/reset-password/new',
    '/recover', '/recover/check-email', '/recover/auth-app',
    '/create/check-email', '/create/password', '/create/security-method', '/create/auth-app', '/create/phone', '/create/check-phone', '/create/passkey',
  ];
  for (const step of steps) {
    const response = await postAs(browser, first, `${start}${step}`, { password: 'a long memorable passphrase', code: '123456', method: 'sms', phone: '07700900123' });
    assert.equal(response.status, 303, step);
    assert.equal(new URL(response.headers.get('location') ?? '', world.baseUrl).pathname, new URL(start).pathname, `${step} goes back to the start`);
  }
  assert.equal(await readLatestMessage(world.kernel, '+447700900123'), undefined, 'nothing was sent');
});

test('a form from another browser\'s journey, or replayed after the journey moved on, is not acted on', async (t) => {
  const world = await setUp(t);
  const victimBrowser = createFormClient(world.baseUrl);
  const victimStart = await startJourney(world, victimBrowser);
  const victimPasswordPage = await victimBrowser.submit(await victimBrowser.get(`${victimStart}/email`), { email: world.victim.email });

  // The attacker posts to the victim's journey address from their own browser.
  const attacker = createFormClient(world.baseUrl);
  await startJourney(world, attacker);
  const crossBrowser = await attacker.post({ ...victimPasswordPage, url: `${victimStart}/password` }, { journey: journeyIdOf(victimPasswordPage), password: world.victim.password });
  assertRefused(crossBrowser, world, 'another browser');
  assert.notEqual(crossBrowser.status, 200);

  // The victim signs in; replaying the password form afterwards does nothing.
  const codePage = await victimBrowser.submit(victimPasswordPage, { password: world.victim.password });
  const done = await victimBrowser.submit(codePage, { code: await world.victim.nextCode() });
  assert.ok(done.url.startsWith(world.rp.redirectUri));
  const replay = await victimBrowser.post(victimPasswordPage, { password: world.victim.password });
  assertRefused(replay, world, 'the replayed form');
});

test('a sign-in that proved the old password, finished after a reset by email, does not make the mailbox enough again', async (t) => {
  const world = await setUp(t);
  // The owner is part-way through signing in with their own password.
  const owner = createFormClient(world.baseUrl);
  const ownerStart = await startJourney(world, owner);
  const codePage = await signInWithPassword(owner, ownerStart, world.victim);
  assert.equal(pageHeading(codePage), 'Enter the security code');

  // Meanwhile the attacker, with the mailbox, resets the password.
  const attacker = createFormClient(world.baseUrl);
  const first = await startJourney(world, attacker);
  let page = await attacker.submit(await attacker.get(`${first}/email`), { email: world.victim.email });
  page = await attacker.submit(await attacker.get(`${first}/reset-password`), {});
  page = await attacker.submit(page, { code: await latestCode(world.kernel, world.victim.email) });
  await attacker.submit(page, { password: 'the attacker chose this passphrase' });

  // The owner finishes with their app: that proves the old password, not the one now set.
  const signedIn = await owner.submit(codePage, { code: await world.victim.nextCode() });
  assert.ok(new URL(signedIn.url).searchParams.get('code'), 'the owner is signed in');
  const accounts = createAccountService({ db: world.kernel.db, secrets: world.kernel.secrets });
  assert.equal(await accounts.passwordSetByEmailOnly(world.victim.id), true, 'the reset is still remembered');

  // So a new journey with the attacker's password still cannot replace the app by email.
  const fresh = createFormClient(world.baseUrl);
  const second = await startJourney(world, fresh);
  page = await fresh.submit(await fresh.get(`${second}/email`), { email: world.victim.email });
  page = await fresh.submit(page, { password: 'the attacker chose this passphrase' });
  const recover = await fresh.get(`${second}/recover`);
  assert.match(recover.html, /Your password was reset by email/);
  assertRefused(await postAs(fresh, recover, `${second}/recover`, {}), world, 'recovery by the mailbox alone');
});

test('attacker: two journeys that create the same account at the same moment make one account; the other is sent to start again, never a 500', async (t) => {
  const world = await setUp(t);
  const email = 'twice-at-once@example.com';
  const appPageIn = async () => {
    const browser = createFormClient(world.baseUrl);
    const start = await startJourney(world, browser);
    let page = await browser.submit(await browser.get(`${start}/create/email`), { email });
    page = await browser.submit(page, { code: await latestCode(world.kernel, email) });
    page = await browser.submit(page, { password: 'a long memorable passphrase' });
    page = await browser.submit(page, { method: 'auth-app' });
    const secret = (/id="secret-key">([A-Z2-7 ]+)</.exec(page.html)?.[1] ?? '').replaceAll(' ', '');
    assert.ok(secret, 'the authenticator app page');
    return { browser, page, secret };
  };
  const journeys = [await appPageIn(), await appPageIn()];
  const answers = await Promise.all(journeys.map(async ({ browser, page, secret }) => browser.submit(page, { code: await generate({ secret }) })));
  const accounts = createAccountService({ db: world.kernel.db, secrets: world.kernel.secrets });
  assert.ok(await accounts.findByEmail(email), 'one account was made');
  const toService = answers.filter((answer) => new URL(answer.url).searchParams.get('code'));
  const toStartAgain = answers.filter((answer) => answer.status === 200 && new URL(answer.url).pathname.endsWith('/create/email'));
  assert.deepEqual([toService.length, toStartAgain.length], [1, 1], JSON.stringify(answers.map((answer) => [answer.status, answer.url])));
});

test('attacker: a reset proved through the old mailbox changes nothing once the owner has moved the account to a new address', async (t) => {
  const world = await setUp(t);
  const accounts = createAccountService({ db: world.kernel.db, secrets: world.kernel.secrets });
  const attacker = createFormClient(world.baseUrl);
  const start = await startJourney(world, attacker);
  await attacker.submit(await attacker.get(`${start}/email`), { email: world.victim.email });
  let page = await attacker.submit(await attacker.get(`${start}/reset-password`), {});
  page = await attacker.submit(page, { code: await latestCode(world.kernel, world.victim.email) });
  assert.equal(pageHeading(page), 'Create your password');

  // The owner, worried, moves the account to another address.
  await accounts.changeEmail(world.victim.id, 'victim-moved@example.com');
  page = await attacker.submit(page, { password: 'the attacker chose this passphrase' });
  assert.ok(new URL(page.url).pathname.endsWith('/email'), `sent to start again, at ${page.url}`);
  assert.equal(await accounts.passwordSetByEmailOnly(world.victim.id), false, 'the password was not changed');

  const owner = createFormClient(world.baseUrl);
  const ownStart = await startJourney(world, owner);
  page = await owner.submit(await owner.get(`${ownStart}/email`), { email: 'victim-moved@example.com' });
  page = await owner.submit(page, { password: world.victim.password });
  assert.equal(pageHeading(page), 'Enter the security code', 'the owner\'s own password still works');
});
