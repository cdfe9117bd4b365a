import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Kernel } from '../../../platform/kernel.ts';
import { createAccountService } from '../accounts/account.service.ts';
import { createFormClient, errorSummary, pageHeading, type FormClient } from '../testing/form-client.ts';
import { createTestAccount } from '../testing/identity-test-kit.ts';
import { signInThroughPages, signInToAccountPages, startWithClock } from './account-pages.test-kit.ts';
import { createSecurityMethodChanges } from './security-method-changes.ts';

const NEW_DEVICE_EN = 'Someone signed in to your One Login on a new device';
const NEW_DEVICE_CY = "Mae rhywun wedi mewngofnodi i'ch One Login ar ddyfais newydd";

async function subjectsSentTo(kernel: Kernel, recipient: string): Promise<string[]> {
  await kernel.createWorker().runUntilIdle();
  return ((await kernel.developmentOutbox?.listRecent(200)) ?? []).filter((message) => message.recipient === recipient).map((message) => message.subject ?? '');
}

const count = (subjects: string[], subject: string) => subjects.filter((each) => each === subject).length;

/**
 * An account whose security codes come by text message, so that sign-ins one after another need
 * not wait for the authenticator app's next code.
 */
async function createTextingAccount(kernel: Kernel, email: string, phoneNumber: string) {
  const account = await createTestAccount(kernel, email);
  const accounts = createAccountService({ db: kernel.db, secrets: kernel.secrets });
  await createSecurityMethodChanges().addTextMessage(kernel.db, { accountId: account.id, phoneNumber });
  const app = (await accounts.listMethods(account.id)).find((method) => method.kind === 'auth-app');
  await accounts.removeMethod(account.id, app?.id as string);
  const textedCode = async () => {
    await kernel.createWorker().runUntilIdle();
    const sent = ((await kernel.developmentOutbox?.listRecent(50)) ?? []).find((message) => message.recipient === phoneNumber);
    return /(\d{6})/.exec(sent?.text ?? '')?.[1] as string;
  };
  return { ...account, textedCode };
}

type TextingAccount = Awaited<ReturnType<typeof createTextingAccount>>;

/** Signs this browser in again, through the provider's pages. */
async function signInAgain(browser: FormClient, account: TextingAccount): Promise<void> {
  const page = await signInThroughPages(browser, await browser.get('/account/sign-in-again'), account, { textedCode: account.textedCode });
  assert.equal(pageHeading(page), 'Your One Login');
}

test('removing a way to get codes asks "Are you sure?" and ends on the methods page with a success banner, in Welsh too', async (t) => {
  const { kernel, baseUrl } = await startWithClock(t);
  const account = await createTestAccount(kernel);
  await createSecurityMethodChanges().addTextMessage(kernel.db, { accountId: account.id, phoneNumber: '+447700900123' });
  const accounts = createAccountService({ db: kernel.db, secrets: kernel.secrets });
  const browser = await signInToAccountPages(baseUrl, account);

  let page = await browser.get('/account/security-methods?lang=cy');
  const removal = /href="(\/account\/security-methods\/[0-9a-f-]{36}\/remove)"[^>]*>Dileu<span class="govuk-visually-hidden"> Neges destun/.exec(page.html)?.[1] as string;
  assert.ok(removal, 'each way has a link to remove it');
  page = await browser.get(removal);
  assert.equal(pageHeading(page).replaceAll('&#39;', "'"), "Ydych chi'n siŵr eich bod am ddileu negeseuon testun i'r rhif ffôn sy'n gorffen gyda 0123?");
  assert.match(page.html, /class="govuk-button govuk-button--warning"/);
  assert.match(page.html, /href="\/account\/security-methods">Canslo<\/a>/);
  assert.equal((await accounts.listMethods(account.id)).length, 2, 'asking removes nothing');
  page = await browser.submit(page, {});
  assert.equal(new URL(page.url).pathname, '/account/security-methods');
  assert.match(page.html, /govuk-notification-banner--success[\s\S]*Llwyddiant[\s\S]*Rydych wedi dileu negeseuon testun i&#39;r rhif ffôn sy&#39;n gorffen gyda 0123/);
  assert.deepEqual((await accounts.listMethods(account.id)).map((method) => method.kind), ['auth-app']);
  assert.ok((await subjectsSentTo(kernel, account.email)).includes('Rydych wedi dileu ffordd o gael codau diogelwch'), 'the Welsh security email is sent');

  // Back to the question and "Yes" again: nothing more is removed, and the page says why.
  const again = await browser.get(removal);
  assert.equal(new URL(again.url).pathname, '/account/security-methods');
  assert.match(again.html, /Mae&#39;r ffordd honno o gael codau diogelwch wedi&#39;i dileu yn barod/);
});

test('attacker: another account\'s method, a made-up id or the last method cannot be removed, and never a 500', async (t) => {
  const { kernel, baseUrl } = await startWithClock(t);
  const accounts = createAccountService({ db: kernel.db, secrets: kernel.secrets });
  const victim = await createTestAccount(kernel, 'victim@example.com');
  await createSecurityMethodChanges().addTextMessage(kernel.db, { accountId: victim.id, phoneNumber: '+447700900999' });
  const victimsMethods = await accounts.listMethods(victim.id);
  const attacker = await createTestAccount(kernel, 'attacker@example.com');
  await createSecurityMethodChanges().addTextMessage(kernel.db, { accountId: attacker.id, phoneNumber: '+447700900111' });
  const browser = await signInToAccountPages(baseUrl, attacker);

  for (const method of victimsMethods) {
    const question = await browser.get(`/account/security-methods/${method.id}/remove`);
    assert.equal(new URL(question.url).pathname, '/account/security-methods', 'no question about someone else\'s method');
    const form = await browser.get(`/account/security-methods/${(await accounts.listMethods(attacker.id))[0]?.id}/remove`);
    const answer = await browser.submit(form, {}, `/account/security-methods/${method.id}/remove`);
    assert.equal(new URL(answer.url).pathname, '/account/security-methods');
  }
  assert.equal((await accounts.listMethods(victim.id)).length, 2, 'the victim keeps every method');
  for (const id of ['not-a-uuid', 'x'.repeat(64), '00000000-0000-0000-0000-000000000000']) {
    const page = await browser.get(`/account/security-methods/${id}/remove`);
    assert.equal(page.status, 200, id);
    assert.equal(new URL(page.url).pathname, '/account/security-methods');
  }
  const tooLong = await browser.get(`/account/security-methods/${'x'.repeat(65)}/remove`);
  assert.ok(tooLong.status < 500);

  // The last one left: the question is not asked, and a form sent anyway removes nothing.
  const [first, second] = await accounts.listMethods(attacker.id);
  const form = await browser.get(`/account/security-methods/${first?.id}/remove`);
  await browser.submit(form, {});
  const last = await browser.get(`/account/security-methods/${second?.id}/remove`);
  assert.equal(new URL(last.url).pathname, '/account/security-methods');
  assert.match(last.html, /You cannot remove your only way to get security codes/);
  const forced = await browser.submit(form, {}, `/account/security-methods/${second?.id}/remove`);
  assert.match(forced.html, /You cannot remove your only way to get security codes/);
  assert.equal((await accounts.listMethods(attacker.id)).length, 1);
});

test('sign-in from a new device: off by default; once turned on, an email for a browser new to the account, none for one that signed in before', async (t) => {
  const { kernel, baseUrl, moveClock } = await startWithClock(t);
  const account = await createTextingAccount(kernel, 'ffion@example.com', '+447700900321');
  const laptop = await signInToAccountPages(baseUrl, account, { textedCode: account.textedCode });
  assert.equal(count(await subjectsSentTo(kernel, account.email), NEW_DEVICE_EN), 0, 'nothing is sent unless asked for');
  assert.ok(laptop.cookies.has('civitas_device'), 'the browser is given a device cookie');

  let page = await laptop.get('/account');
  assert.match(page.html, /Emails about sign-ins on new devices[\s\S]*?Off/);
  page = await laptop.get('/account/new-device-emails');
  page = await laptop.submit(page, {});
  assert.deepEqual(errorSummary(page), ['Select yes if you want us to email you about sign-ins on new devices']);
  page = await laptop.submit(page, { notice: 'on' });
  assert.equal(new URL(page.url).pathname, '/account');
  assert.match(page.html, /govuk-notification-banner--success[\s\S]*We will email you when someone signs in to your One Login on a new device/);
  assert.match(page.html, /Emails about sign-ins on new devices[\s\S]*?On/);

  await signInAgain(laptop, account);
  assert.equal(count(await subjectsSentTo(kernel, account.email), NEW_DEVICE_EN), 0, 'a browser that signed in before is not new');

  const phone = await signInToAccountPages(baseUrl, account, { textedCode: account.textedCode });
  assert.equal(count(await subjectsSentTo(kernel, account.email), NEW_DEVICE_EN), 1, 'a new browser is told of');
  await signInAgain(phone, account);
  assert.equal(count(await subjectsSentTo(kernel, account.email), NEW_DEVICE_EN), 1, 'once');

  // In Welsh, for a person using the pages in Welsh (later: texts to the number are limited).
  moveClock(16);
  const welsh = createFormClient(baseUrl);
  await welsh.get('/account?lang=cy');
  let start = await welsh.get('/account');
  start = await welsh.get(`${start.url.split('?')[0]}/email`);
  start = await welsh.submit(start, { email: account.email });
  start = await welsh.submit(start, { password: account.password });
  await welsh.submit(start, { code: await account.textedCode() });
  assert.equal(count(await subjectsSentTo(kernel, account.email), NEW_DEVICE_CY), 1);

  // Turned off again: a new browser is not told of.
  page = await phone.get('/account/new-device-emails');
  page = await phone.submit(page, { notice: 'off' });
  assert.match(page.html, /We will not email you about sign-ins on new devices/);
  await signInToAccountPages(baseUrl, account, { textedCode: account.textedCode });
  assert.equal(count(await subjectsSentTo(kernel, account.email), NEW_DEVICE_EN), 1);
});

test('attacker: a forged or copied device cookie does not make a browser known; nothing but a hash is kept', async (t) => {
  const { kernel, baseUrl } = await startWithClock(t);
  const alice = await createTextingAccount(kernel, 'alice@example.com', '+447700900401');
  const mallory = await createTextingAccount(kernel, 'mallory@example.com', '+447700900402');
  const alicesBrowser = await signInToAccountPages(baseUrl, alice, { textedCode: alice.textedCode });
  let page = await alicesBrowser.get('/account/new-device-emails');
  await alicesBrowser.submit(page, { notice: 'on' });

  // Mallory's own browser signed in to Mallory's account: its cookie is no use for Alice's.
  const mallorysBrowser = await signInToAccountPages(baseUrl, mallory, { textedCode: mallory.textedCode });
  const cookie = mallorysBrowser.cookies.get('civitas_device') as string;
  const deviceId = decodeURIComponent(cookie).split('.')[0] as string;
  for (const name of [...mallorysBrowser.cookies.keys()]) if (name !== 'civitas_device') mallorysBrowser.cookies.delete(name);
  page = await signInThroughPages(mallorysBrowser, await mallorysBrowser.get('/account'), alice, { textedCode: alice.textedCode });
  assert.equal(count(await subjectsSentTo(kernel, alice.email), NEW_DEVICE_EN), 1, 'a browser known to another account is new to this one');

  // An unsigned id, or a signature from elsewhere, is no cookie at all.
  const forger = createFormClient(baseUrl);
  forger.cookies.set('civitas_device', deviceId);
  await signInThroughPages(forger, await forger.get('/account'), alice, { textedCode: alice.textedCode });
  assert.equal(count(await subjectsSentTo(kernel, alice.email), NEW_DEVICE_EN), 2);
  assert.notEqual(forger.cookies.get('civitas_device')?.split('.')[0], deviceId, 'a forged id is replaced');

  const rows = await kernel.db.withTables<{ identity_known_device: Record<string, unknown> }>().selectFrom('identity_known_device').selectAll().execute();
  assert.ok(rows.length >= 3);
  for (const row of rows) {
    assert.deepEqual(Object.keys(row).sort(), ['account_id', 'device_hash', 'first_seen_at', 'last_seen_at']);
    assert.ok(!JSON.stringify(row).includes(deviceId), 'the device id itself is not kept');
  }

  // An account deleted takes its devices with it.
  const tables = kernel.db.withTables<{ identity_account: { id: string }; identity_known_device: { account_id: string } }>();
  await tables.deleteFrom('identity_account').where('id', '=', alice.id).execute();
  assert.equal((await tables.selectFrom('identity_known_device').select('account_id').where('account_id', '=', alice.id).execute()).length, 0);
});
