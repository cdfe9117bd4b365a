import assert from 'node:assert/strict';
import { test, type TestContext } from 'node:test';
import { createFormClient, createTestAccount, openSigningIn, startIdentityServer, type FormClient, type FormPage, type TestAccount } from '../../identity/testing/identity-testing.contract.ts';
import { createFormVersions } from '../versions/form-versions.ts';
import { meetsSignInLevel } from './runner-context.ts';
import { bilingualForm, both } from './runner.test-kit.ts';

const FORM = '/forms/renew-a-permit';

function signedInForm() {
  return bilingualForm({
    slug: 'renew-a-permit',
    name: both('Renew a permit', 'Adnewyddu trwydded'),
    settings: { signIn: 'Cl.Cm', retentionDays: 14 },
    pages: [
      { id: 'email', answerType: 'email', question: both('What is your email address?', 'Beth yw eich cyfeiriad e-bost?') },
      { id: 'permit', answerType: 'text', question: both('What is your permit number?', 'Beth yw rhif eich trwydded?') },
      { id: 'reason', answerType: 'text', question: both('Why are you renewing?', 'Pam ydych chi’n adnewyddu?') },
    ],
  });
}

async function startWithForm(t: TestContext) {
  const server = await startIdentityServer(t);
  await createFormVersions({ db: server.kernel.db, audit: server.kernel.audit }).importForm({ serviceId: 'service-a', definition: signedInForm(), actor: 'operator:test' });
  return server;
}

const PASSWORD_FORM = '/forms/check-a-permit';

/** The same form asking only for a password (`Cl`), at another address. */
function passwordOnlyForm() {
  return { ...signedInForm(), slug: 'check-a-permit', settings: { ...signedInForm().settings, signIn: 'Cl' as const } };
}

/** Signs in at One Login's pages with an email and password only, as a `Cl` sign-in asks. */
async function signInWithPassword(browser: FormClient, account: TestAccount, page: FormPage): Promise<FormPage> {
  assert.match(page.url, /\/sign-in\//, `One Login's sign-in pages (${page.url})`);
  const passwordPage = await browser.submit(await browser.get(`${page.url}/email`), { email: account.email });
  return browser.submit(passwordPage, { password: account.password });
}

const levelsOfSessions = async (kernel: Awaited<ReturnType<typeof startIdentityServer>>['kernel']) =>
  (await kernel.db.withTables<{ forms_session: { form_id: string; account_level: string | null } }>().selectFrom('forms_session').select(['form_id', 'account_level']).execute()).map((row) => row.account_level);

/** The value the answer field shows ('' when it shows none). */
const valueOf = (html: string) => {
  const input = /<input[^>]*id="answer"[^>]*>/.exec(html)?.[0];
  return input === undefined ? undefined : (/value="([^"]*)"/.exec(input)?.[1] ?? '');
};

async function answer(browser: FormClient, path: string, value: string) {
  const page = await browser.get(`${FORM}/pages/${path}`);
  return browser.submit(page, { answer: value });
}

test('a form that asks people to sign in: One Login first, the email prefilled, and a person who leaves comes back, in another browser, to where they were', async (t) => {
  const { kernel, baseUrl } = await startWithForm(t);
  const ffion = await createTestAccount(kernel, 'ffion@example.com');
  const first = createFormClient(baseUrl);
  const start = await openSigningIn(first, ffion, FORM);
  assert.equal(new URL(start.url).pathname, `${FORM}/pages/email`);
  assert.equal(valueOf(start.html), 'ffion@example.com', 'prefilled from One Login');
  await first.submit(start, { answer: 'ffion@example.com' });
  const permitPage = await answer(first, 'permit', 'PERMIT-1234');
  assert.equal(new URL(permitPage.url).pathname, `${FORM}/pages/reason`);

  const later = createFormClient(baseUrl);
  const back = await openSigningIn(later, ffion, FORM);
  assert.equal(new URL(back.url).pathname, `${FORM}/pages/reason`, 'back where they left off');
  assert.match((await later.get(`${FORM}/pages/permit`)).html, /value="PERMIT-1234"/);
  const check = await answer(later, 'reason', 'It expires');
  assert.equal(new URL(check.url).pathname, `${FORM}/check-answers`);
  const done = await later.submit(check, {});
  assert.equal(new URL(done.url).pathname, `${FORM}/confirmation`);
  const saved = await kernel.db.withTables<{ forms_session: { expires_at: string; created_at: string } }>().selectFrom('forms_session').select(['expires_at', 'created_at']).execute();
  const days = (Date.parse(saved[0]?.expires_at ?? '') - Date.parse(saved[0]?.created_at ?? '')) / 86_400_000;
  assert.equal(Math.round(days), 14, 'kept for the form’s retention period, not 20 hours');
  assert.equal((await kernel.audit.search({ action: 'forms.session.signed-in' })).length, 2);
});

test('attacks: another person never sees saved answers; an old browser’s cookie dies when the session moves; a cookie from another form, a replayed callback or no sign-in get nothing', async (t) => {
  const { kernel, baseUrl } = await startWithForm(t);
  const ffion = await createTestAccount(kernel, 'ffion@example.com');
  const gwyn = await createTestAccount(kernel, 'gwyn@example.com');
  const first = createFormClient(baseUrl);
  await first.submit(await openSigningIn(first, ffion, FORM), { answer: 'ffion@example.com' });
  await answer(first, 'permit', 'PERMIT-1234');

  const other = createFormClient(baseUrl);
  const theirs = await openSigningIn(other, gwyn, FORM);
  assert.equal(new URL(theirs.url).pathname, `${FORM}/pages/email`, 'a new journey for another person');
  assert.equal(valueOf(theirs.html), 'gwyn@example.com');
  assert.doesNotMatch((await other.get(`${FORM}/pages/permit`)).html, /PERMIT-1234/);

  const stolen = first.cookies.get('forms_session') ?? '';
  const second = createFormClient(baseUrl);
  await openSigningIn(second, ffion, FORM);
  // The answers moved to the second browser: the first one's cookie (or a copy of it) opens nothing.
  const anonymous = createFormClient(baseUrl);
  anonymous.cookies.set('forms_session', stolen);
  assert.match((await anonymous.get(`${FORM}/pages/permit`)).url, /\/sign-in\//, 'the old cookie no longer opens the saved answers');
  const posted = await anonymous.post({ url: `${baseUrl}${FORM}/pages/email`, status: 200, html: '' }, { answer: 'x@example.com' });
  assert.ok(posted.status === 303 || posted.status === 403, `an answer without signing in is not taken (${posted.status})`);

  const replay = await second.get('/forms/sign-in/callback?code=abc&state=def');
  assert.equal(replay.status, 400, 'a callback this browser did not start');
  const anonymousForm = await createFormVersions({ db: kernel.db, audit: kernel.audit }).importForm({
    serviceId: 'service-a',
    definition: { ...signedInForm(), slug: 'other-form', settings: { ...signedInForm().settings, signIn: undefined } },
    actor: 'operator:test',
  });
  assert.ok(anonymousForm.formId);
  const borrowed = createFormClient(baseUrl);
  borrowed.cookies.set('forms_session', second.cookies.get('forms_session') ?? '');
  assert.equal(valueOf((await borrowed.get('/forms/other-form/pages/email')).html), '', 'a session of one form opens nothing on another');
});

test('a form asking for Cl: signed into with a password alone, end to end, and the session carries Cl', async (t) => {
  const { kernel, baseUrl } = await startWithForm(t);
  await createFormVersions({ db: kernel.db, audit: kernel.audit }).importForm({ serviceId: 'service-a', definition: passwordOnlyForm(), actor: 'operator:test' });
  const ffion = await createTestAccount(kernel, 'ffion@example.com');
  const browser = createFormClient(baseUrl);
  const start = await signInWithPassword(browser, ffion, await browser.get(PASSWORD_FORM));
  assert.equal(new URL(start.url).pathname, `${PASSWORD_FORM}/pages/email`, 'on the first question, not refused by One Login');
  assert.equal(valueOf(start.html), 'ffion@example.com', 'prefilled from One Login');
  const permit = await browser.submit(start, { answer: 'ffion@example.com' });
  const reason = await browser.submit(permit, { answer: 'PERMIT-1234' });
  const check = await browser.submit(reason, { answer: 'It expires' });
  assert.equal(new URL(check.url).pathname, `${PASSWORD_FORM}/check-answers`);
  assert.equal(new URL((await browser.submit(check, {})).url).pathname, `${PASSWORD_FORM}/confirmation`);
  assert.deepEqual(await levelsOfSessions(kernel), ['Cl'], 'the level asked for and proved, no more');
});

test('attack: a Cl sign-in never opens a form asking for Cl.Cm, even with that form’s sign-in cookie swapped in', async (t) => {
  const { kernel, baseUrl } = await startWithForm(t);
  await createFormVersions({ db: kernel.db, audit: kernel.audit }).importForm({ serviceId: 'service-a', definition: passwordOnlyForm(), actor: 'operator:test' });
  const ffion = await createTestAccount(kernel, 'ffion@example.com');
  const attacker = createFormClient(baseUrl);
  const passwordPages = await attacker.get(PASSWORD_FORM);
  // The signed cookie naming the Cl.Cm form, taken from a sign-in started for it in another browser.
  const other = createFormClient(baseUrl);
  await other.get(`${FORM}/sign-in`);
  attacker.cookies.set('forms_sign_in_form', other.cookies.get('forms_sign_in_form') ?? '');
  const end = await signInWithPassword(attacker, ffion, passwordPages);
  assert.equal(new URL(end.url).pathname, '/forms/sign-in/callback');
  assert.equal(end.status, 400, 'refused: the person proved Cl, the form asks for Cl.Cm');
  assert.deepEqual(await levelsOfSessions(kernel), [], 'no session for either form');
  assert.match((await attacker.get(`${FORM}/pages/permit`)).url, /\/sign-in\//, 'the Cl.Cm form still asks for a second factor');
});

test('sign-in levels: Cl.Cm satisfies a form asking for Cl, Cl does not satisfy Cl.Cm', () => {
  assert.equal(meetsSignInLevel('Cl.Cm', 'Cl'), true);
  assert.equal(meetsSignInLevel('Cl', 'Cl'), true);
  assert.equal(meetsSignInLevel('Cl', 'Cl.Cm'), false);
  assert.equal(meetsSignInLevel('', 'Cl'), false);
});
