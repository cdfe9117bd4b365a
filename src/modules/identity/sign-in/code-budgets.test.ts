import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Kernel } from '../../../platform/kernel.ts';
import { THROTTLE_RULES } from '../security/throttle.ts';
import { createThrottleStore } from '../security/throttle.store.ts';
import { createFormClient, errorSummary, pageHeading, type FormClient, type FormPage } from '../testing/form-client.ts';
import { createTestAccount, readLatestMessage, registerTestClient, startIdentityServer, type TestRelyingParty } from '../testing/identity-test-kit.ts';

/*
 * The attacker's tests of the limits on codes and passwords: strangers who know only an email
 * address must not be able to spend the codes its owner needs, lock the owner's code check, or
 * get past a limit by sending requests all at once.
 */

const TOO_MANY_CODES = /You asked for too many codes/;

type World = { kernel: Kernel; baseUrl: string; rp: TestRelyingParty };

function authorizeUrl(world: World) {
  const url = new URL('/authorize', world.baseUrl);
  url.search = new URLSearchParams({ response_type: 'code', client_id: world.rp.clientId, redirect_uri: world.rp.redirectUri, scope: 'openid', state: 's', nonce: 'n' }).toString();
  return url.toString();
}

/** A new journey from `address` as far as the reset-password page for `email`. */
async function resetPageFor(world: World, browser: FormClient, email: string): Promise<FormPage> {
  const start = (await browser.get(authorizeUrl(world))).url.split('?')[0] as string;
  await browser.submit(await browser.get(`${start}/email`), { email });
  return browser.get(`${start}/reset-password`);
}

const from = (world: World, address: string) => createFormClient(world.baseUrl, { headers: { 'x-forwarded-for': address } });

async function latestCode(kernel: Kernel, recipient: string): Promise<string> {
  const code = /(\d{6})/.exec((await readLatestMessage(kernel, recipient))?.text ?? '')?.[1];
  assert.ok(code, `a code was sent to ${recipient}`);
  return code;
}

test('a stranger asking for reset codes for someone\'s address cannot keep their code from them, nor lock their code check', async (t) => {
  const { kernel, baseUrl } = await startIdentityServer(t, { environment: { TRUST_PROXY: 'true' } });
  const world = { kernel, baseUrl, rp: await registerTestClient(kernel) };
  const owner = await createTestAccount(kernel);

  // Each journey may ask for a few codes; the stranger's address for a few more across journeys.
  let sent = 0;
  let guessing: { stranger: FormClient; checkPage: FormPage } | undefined;
  for (let journey = 0; journey < 10; journey += 1) {
    const stranger = from(world, '203.0.113.9');
    const resetPage = await resetPageFor(world, stranger, owner.email);
    let inJourney = 0;
    for (;;) {
      const answer = await stranger.submit(resetPage, {});
      if (TOO_MANY_CODES.test(errorSummary(answer)[0] ?? '')) break;
      assert.equal(pageHeading(answer), 'Check your email');
      guessing ??= { stranger, checkPage: answer };
      sent += 1;
      inJourney += 1;
    }
    assert.ok(inJourney <= THROTTLE_RULES.codeSending.maxFailures, 'a journey gets a few codes at most');
    if (inJourney === 0) break;
  }
  assert.equal(sent, THROTTLE_RULES.emailsFromAddress.maxFailures, 'one address gets its budget of codes, then no more');
  assert.ok(sent < THROTTLE_RULES.emailsToMailbox.maxFailures, 'and cannot spend the mailbox\'s budget alone');

  // The stranger guesses codes in their own journey until it locks.
  const { stranger, checkPage } = guessing as NonNullable<typeof guessing>;
  let guess = checkPage;
  for (let attempt = 0; attempt < THROTTLE_RULES.emailCode.maxFailures; attempt += 1) guess = await stranger.submit(guess, { code: '000000' === (await latestCode(kernel, owner.email)) ? '111111' : '000000' });
  assert.match(errorSummary(guess)[0] ?? '', /too many times/);

  // The owner, elsewhere, still gets a code, and their code check is theirs alone.
  const ownerBrowser = from(world, '198.51.100.7');
  let page = await ownerBrowser.submit(await resetPageFor(world, ownerBrowser, owner.email), {});
  assert.equal(pageHeading(page), 'Check your email');
  page = await ownerBrowser.submit(page, { code: await latestCode(kernel, owner.email) });
  assert.equal(pageHeading(page), 'Create your password');
});

test('wrong passwords sent all at once are each counted: no more are checked than the limit allows', async (t) => {
  const { kernel, baseUrl } = await startIdentityServer(t, { environment: { TRUST_PROXY: 'true' } });
  const world = { kernel, baseUrl, rp: await registerTestClient(kernel) };
  const owner = await createTestAccount(kernel);
  const guesser = from(world, '203.0.113.11');
  const start = (await guesser.get(authorizeUrl(world))).url.split('?')[0] as string;
  const passwordPage = await guesser.submit(await guesser.get(`${start}/email`), { email: owner.email });

  const answers = await Promise.all(Array.from({ length: 20 }, (_, index) => guesser.submit(passwordPage, { password: `guess number ${index}` })));
  const checked = answers.filter((answer) => (errorSummary(answer)[0] ?? '') === 'Incorrect password').length;
  assert.ok(checked < THROTTLE_RULES.password.maxFailures, `only the limit's worth of guesses were checked (${checked} said incorrect)`);
  const wrongEvents = (await kernel.audit.listRecent({ subject: `account:${owner.id}`, limit: 50 })).filter((event) => event.action === 'identity.sign-in.password-wrong');
  assert.equal(wrongEvents.length, THROTTLE_RULES.password.maxFailures, 'exactly the limit of wrong passwords was checked');

  const right = await guesser.submit(passwordPage, { password: owner.password });
  assert.match(errorSummary(right)[0] ?? '', /too many times/, 'and the account is locked from this address, even for the right password');
});

test('behind a proxy that writes the client\'s port, each port is not a new client: the limits hold', async (t) => {
  const { kernel, baseUrl } = await startIdentityServer(t, { environment: { TRUST_PROXY: 'true' } });
  const world = { kernel, baseUrl, rp: await registerTestClient(kernel) };
  const owner = await createTestAccount(kernel);
  const answers: string[] = [];
  for (let port = 40001; port <= 40007; port += 1) {
    const guesser = from(world, port % 2 ? `203.0.113.12:${port}` : `[2001:db8:12::${port.toString(16)}]:${port}`);
    const start = (await guesser.get(authorizeUrl(world))).url.split('?')[0] as string;
    const passwordPage = await guesser.submit(await guesser.get(`${start}/email`), { email: owner.email });
    answers.push(errorSummary(await guesser.submit(passwordPage, { password: `guess number ${port}` }))[0] ?? '');
  }
  // Seven guesses from two clients, each on a new port every time: four from one, three from the other.
  const wrongEvents = (await kernel.audit.listRecent({ subject: `account:${owner.id}`, limit: 50 })).filter((event) => event.action === 'identity.sign-in.password-wrong');
  assert.equal(wrongEvents.length, 7);
  const guessesCounted = await createThrottleStore(kernel.db).find(`password:${owner.id}:203.0.113.12`);
  assert.equal(guessesCounted?.failures, 4, 'the IPv4 client\'s guesses are counted together, whatever the port');
  assert.equal((await createThrottleStore(kernel.db).find(`password:${owner.id}:2001:0db8:0012:0000::/64`))?.failures, 3, 'and the IPv6 client\'s by its /64');
});

test('strangers who force the emailed-code check and spend the mailbox\'s codes cannot keep the owner out; their guesses learn nothing', async (t) => {
  const { kernel, baseUrl } = await startIdentityServer(t, { environment: { TRUST_PROXY: 'true' } });
  const world = { kernel, baseUrl, rp: await registerTestClient(kernel) };
  const owner = await createTestAccount(kernel);
  const passwordPageFrom = async (address: string) => {
    const browser = from(world, address);
    const start = (await browser.get(authorizeUrl(world))).url.split('?')[0] as string;
    return { browser, page: await browser.submit(await browser.get(`${start}/email`), { email: owner.email }) };
  };

  // Ten wrong passwords from two addresses: from now on an emailed code comes before the password.
  for (const address of ['203.0.113.31', '203.0.113.32']) {
    const { browser, page } = await passwordPageFrom(address);
    for (let guess = 0; guess < 5; guess += 1) await browser.submit(page, { password: `wrong guess ${guess}` });
  }
  // Then the mailbox's budget for strangers spent, from other addresses.
  let spent = 0;
  for (const address of ['203.0.113.33', '203.0.113.34']) {
    for (let journey = 0; journey < 5; journey += 1) {
      const browser = from(world, address);
      const resetPage = await resetPageFor(world, browser, owner.email);
      for (let ask = 0; ask < THROTTLE_RULES.codeSending.maxFailures; ask += 1) {
        if (pageHeading(await browser.submit(resetPage, {})) === 'Check your email') spent += 1;
      }
    }
  }
  assert.ok(spent >= THROTTLE_RULES.emailsToMailbox.maxFailures - 1, `the mailbox's budget is spent (${spent})`);

  // A stranger's guess from a new address: the same page as the owner's, and no code sent.
  await readLatestMessage(kernel, owner.email);
  const before = (await kernel.developmentOutbox?.listRecent(100))?.length ?? 0;
  const stranger = await passwordPageFrom('203.0.113.35');
  const guessed = await stranger.browser.submit(stranger.page, { password: 'one more wrong guess' });
  assert.equal(pageHeading(guessed), 'Check your email');
  await readLatestMessage(kernel, owner.email);
  assert.equal((await kernel.developmentOutbox?.listRecent(100))?.length ?? 0, before, 'no code for a wrong password');

  // The owner, with the right password: a code, then the password, then their app.
  const { browser, page } = await passwordPageFrom('198.51.100.40');
  let next = await browser.submit(page, { password: owner.password });
  assert.equal(pageHeading(next), 'Check your email');
  const mainOf = (html: string) => (/<main[\s\S]*<\/main>/.exec(html)?.[0] ?? '').replace(/\/sign-in\/[^/"?]+/g, '/sign-in/…').replace(/value="[^"]*"/g, '');
  assert.equal(mainOf(next.html), mainOf(guessed.html), 'the stranger\'s page and the owner\'s are the same');
  next = await browser.submit(next, { code: await latestCode(kernel, owner.email) });
  assert.equal(pageHeading(next), 'Enter your password');
  next = await browser.submit(next, { password: owner.password });
  next = await browser.submit(next, { code: await owner.nextCode() });
  assert.ok(new URL(next.url).searchParams.get('code'), 'the owner is signed in');
});

test('someone who reads the mailbox cannot use it to learn the password: past the account-wide limit it checks only a few guesses a day, then none', async (t) => {
  const { kernel, baseUrl } = await startIdentityServer(t, { environment: { TRUST_PROXY: 'true' } });
  const world = { kernel, baseUrl, rp: await registerTestClient(kernel) };
  const owner = await createTestAccount(kernel);
  let addressNumber = 0;
  let lastError = '';
  // Each guess from a new address in a new journey, as a guesser spread over many addresses sends them.
  const guessFromNewAddress = async (password: string) => {
    const browser = from(world, `203.0.113.${100 + (addressNumber += 1)}`);
    const start = (await browser.get(authorizeUrl(world))).url.split('?')[0] as string;
    const passwordPage = await browser.submit(await browser.get(`${start}/email`), { email: owner.email });
    const before = (await kernel.developmentOutbox?.listRecent(500))?.length ?? 0;
    const answer = await browser.submit(passwordPage, { password });
    const codeSent = ((await kernel.developmentOutbox?.listRecent(500))?.length ?? 0) > before;
    lastError = errorSummary(answer)[0] ?? '';
    return { heading: pageHeading(answer), codeSent };
  };

  for (let guess = 0; guess < THROTTLE_RULES.passwordAcrossAddresses.maxFailures; guess += 1) await guessFromNewAddress(`wrong guess ${guess}`);
  // From now on the mailbox would say which guess is right: only a few more are checked.
  for (let guess = 0; guess < THROTTLE_RULES.passwordCheckedByMailbox.maxFailures; guess += 1) {
    assert.deepEqual(await guessFromNewAddress(`mailbox-checked guess ${guess}`), { heading: 'Check your email', codeSent: false });
  }
  assert.deepEqual(await guessFromNewAddress(owner.password), { heading: 'Enter your password', codeSent: false }, 'past them, even the right password is not checked: the same answer as a wrong one');
  assert.match(lastError, /too many wrong passwords for this account\. To sign in now, reset your password/);
  assert.deepEqual(await guessFromNewAddress('wrong again'), { heading: 'Enter your password', codeSent: false });
  assert.match(lastError, /To sign in now, reset your password/, 'the same words for a wrong one');

  // The owner gets back in by resetting the password: mailbox, new password, then the second factor.
  const browser = from(world, '198.51.100.77');
  const start = (await browser.get(authorizeUrl(world))).url.split('?')[0] as string;
  await browser.submit(await browser.get(`${start}/email`), { email: owner.email });
  let page = await browser.submit(await browser.get(`${start}/reset-password`), {});
  page = await browser.submit(page, { code: await latestCode(kernel, owner.email) });
  page = await browser.submit(page, { password: 'a brand new passphrase 42' });
  assert.notEqual(new URL(page.url).searchParams.get('code') !== null, true, 'not signed in by the mailbox alone');
  page = await browser.submit(page, { code: await owner.nextCode() });
  assert.ok(new URL(page.url).searchParams.get('code'), 'signed in after the second factor');
  // And the password works again at once: the counters of guesses at the old one are gone.
  assert.deepEqual(await guessFromNewAddress('a brand new passphrase 42'), { heading: 'Enter the security code', codeSent: false });
});
