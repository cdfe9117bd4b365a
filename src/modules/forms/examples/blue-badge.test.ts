import assert from 'node:assert/strict';
import { test, type TestContext } from 'node:test';
import { sql } from 'kysely';
import type { Kernel } from '../../../platform/kernel.ts';
import { civitasOn } from '../../../testing/civitas-cli.ts';
import { createFormClient, createTestAccount, openSigningIn, startIdentityServer, type FormClient, type FormPage, type TestAccount } from '../../identity/testing/identity-testing.contract.ts';
import { createConsoleTeam, signInConsoleMember } from '../../console/teams/console-teams-testing.contract.ts';
import { findConsoleService } from '../../console/console.contract.ts';
import { SMALL_PNG } from '../files/file-samples.test-kit.ts';
import { createFormVersions } from '../versions/form-versions.ts';
import { createSubmissions } from '../submissions/submissions.ts';
import { BLUE_BADGE_SLUG } from './blue-badge-example.ts';

const FORM = `/forms/${BLUE_BADGE_SLUG}`;
const CARD_SUCCEEDS = '4444333322221111';

async function startBlueBadge(t: TestContext) {
  return startIdentityServer(t, { environment: { DEMO_EXCHANGE: 'true', DEMO_SERVICE: 'true', OUTBOUND_ALLOW_PRIVATE_NETWORK: 'false' } });
}

/** Who says they are whom: a name and a date of birth (day, month, year) as typed. */
type Person = { name: string; born: [string, string, string] };
// The example people of the README (src/modules/exchange/demo/pip-awards.ts), and Mallory, who has no award.
const ALEX: Person = { name: 'Alex Example', born: ['12', '4', '1968'] };
const SAM: Person = { name: 'Sam Sample', born: ['30', '11', '1990'] };
const JO: Person = { name: 'Jo Placeholder', born: ['3', '1', '1955'] };
const MALLORY: Person = { name: 'Mallory Attacker', born: ['1', '2', '1985'] };
const bornAs = (born: Person['born']) => ({ day: born[0], month: born[1], year: born[2] });

/** Signs in to the form and answers the reference, name and date of birth questions: the check page. */
async function reachCheck(browser: FormClient, account: TestAccount, reference: string, person: Person): Promise<FormPage> {
  const first = await openSigningIn(browser, account, FORM);
  assert.equal(new URL(first.url).pathname, `${FORM}/pages/pip-reference`);
  const name = await browser.submit(first, { answer: reference });
  assert.equal(new URL(name.url).pathname, `${FORM}/pages/full-name`);
  const birth = await browser.submit(name, { full_name: person.name });
  assert.equal(new URL(birth.url).pathname, `${FORM}/pages/date-of-birth`);
  const check = await browser.submit(birth, bornAs(person.born));
  assert.equal(new URL(check.url).pathname, `${FORM}/pages/pip-check`);
  return check;
}

/** Continue on the check page: Exchange's consent page (signing in to the account pages on the way when asked). */
async function openConsent(browser: FormClient, account: TestAccount, check: FormPage): Promise<FormPage> {
  let page = await browser.submit(check, {});
  if (page.url.includes('/sign-in/')) page = await openSigningIn(browser, account, page.url);
  assert.match(new URL(page.url).pathname, /^\/account\/consent\/[0-9a-f-]{36}$/, page.html.slice(0, 300));
  return page;
}

/** The consent page's answer as the browser is sent back with it, not yet followed. */
async function answerConsent(browser: FormClient, consent: FormPage, answer: 'yes' | 'no'): Promise<string> {
  const response = await browser.post(consent, { answer });
  assert.equal(response.status, 303);
  return response.headers.get('location') as string;
}

const buttonHref = (html: string) => /<a href="([^"]+)"[^>]*class="govuk-button/.exec(html)?.[1];

async function auditOf(kernel: Kernel) {
  const rows = await kernel.db.withTables<{ audit_event: { action: string; outcome: string; details: string | null } }>().selectFrom('audit_event').select(['action', 'outcome', 'details']).where('action', 'like', 'forms.eligibility.%').execute();
  return rows.map((row) => `${row.action}:${row.outcome}`);
}

/** A file question answered as a browser sends it (multipart), with this browser's cookies. */
async function upload(browser: FormClient, baseUrl: string, page: FormPage, file: { name: string; bytes: Buffer; type: string }): Promise<FormPage> {
  const body = new FormData();
  body.append('_csrf', /name="_csrf" value="([^"]+)"/.exec(page.html)?.[1] ?? '');
  body.append('answer', new Blob([file.bytes], { type: file.type }), file.name);
  const response = await fetch(page.url, { method: 'POST', body, redirect: 'manual', headers: { accept: 'text/html', cookie: [...browser.cookies].map(([name, value]) => `${name}=${value}`).join('; ') } });
  assert.equal(response.status, 303);
  return browser.get(new URL(response.headers.get('location') as string, baseUrl).href);
}

test('Blue Badge, the whole journey: Alex Example (PIP mobility enhanced) agrees, is eligible through Exchange, skips the questions about their condition, uploads a photo, pays £10 on Pay’s pages; the council team gets the submission with the evidence, by email and in the console, Alex the confirmation', async (t) => {
  const { kernel, baseUrl, app } = await startBlueBadge(t);
  const alex = await createTestAccount(kernel, 'alex@example.com');
  const browser = createFormClient(baseUrl);
  const check = await reachCheck(browser, alex, 'qq 123456 a', ALEX);
  assert.match(check.html, /QQ123456A/);
  const consent = await openConsent(browser, alex, check);
  assert.match(consent.html, /Example Borough Council/);
  const result = await browser.get(await answerConsent(browser, consent, 'yes'));
  assert.equal(new URL(result.url).pathname, `${FORM}/pages/pip-check/result`);
  assert.match(result.html, /You are eligible/);
  assert.match(result.html, /rate\.mobility: enhanced/);
  assert.doesNotMatch(result.html, /Alex Example|1968|ZZ1 1AA|assessment/i, 'only the agreed fields came through');
  assert.equal(buttonHref(result.html), `${FORM}/pages/address`, 'past the questions about their condition');

  let page = await browser.submit(await browser.get(`${FORM}/pages/address`), { address_line_1: '1 Example Street', address_line_2: '', town: 'Exampleton', county: '', postcode: 'ZZ1 1AA' });
  assert.equal(new URL(page.url).pathname, `${FORM}/pages/email`);
  assert.match(page.html, /value="alex@example.com"/, 'prefilled from One Login');
  page = await browser.submit(page, { answer: 'alex@example.com' });
  assert.equal(new URL(page.url).pathname, `${FORM}/pages/photo`);
  page = await upload(browser, baseUrl, page, { name: 'alex.png', bytes: SMALL_PNG, type: 'image/png' });
  assert.equal(new URL(page.url).pathname, `${FORM}/check-answers`);
  assert.match(page.html, /Eligible through PIP/);
  assert.match(page.html, /Checked through Exchange with GB-DEV\/GOV\/DEMO-BENEFITS\/pip\/pip-award-with-consent/);
  assert.doesNotMatch(page.html, /How far can you walk/, 'the skipped questions are not asked');
  assert.match(page.html, /£10\.00/);

  // Changing the reference after the check would leave evidence about another reference: the check is asked again.
  const changed = await browser.submit(await browser.get(`${FORM}/pages/pip-reference?change=1`), { answer: 'QQ123456B' });
  assert.equal(new URL(changed.url).pathname, `${FORM}/pages/pip-check`);
  assert.equal(new URL((await browser.get(`${FORM}/check-answers`)).url).pathname, `${FORM}/pages/pip-check`, 'check your answers waits for the check');
  page = await browser.submit(await browser.get(`${FORM}/pages/pip-reference?change=1`), { answer: 'QQ123456A' });
  page = await browser.get(await answerConsent(browser, await openConsent(browser, alex, page), 'yes'));
  assert.match(page.html, /You are eligible/);
  page = await browser.get(`${FORM}/check-answers`);
  assert.equal(new URL(page.url).pathname, `${FORM}/check-answers`, 'the later answers were kept');

  let pay = await browser.submit(page, {});
  assert.match(new URL(pay.url).pathname, /^\/pay\//, pay.url);
  pay = await browser.submit(pay, { cardNo: CARD_SUCCEEDS, expiryMonth: '12', expiryYear: '2035', cardholderName: 'Alex Example', cvc: '123', addressLine1: '1 Example Street', addressLine2: '', addressCity: 'Exampleton', addressPostcode: 'ZZ1 1AA', addressCountry: 'GB', email: 'alex@example.com' });
  if (pay.url.endsWith('/confirm')) pay = await browser.submit(pay, {});
  assert.equal(new URL(pay.url).pathname, `${FORM}/confirmation`, pay.html.slice(0, 300));
  const reference = /BB-[23456789A-HJ-NP-Z]{8}/.exec(pay.html)?.[0];
  assert.ok(reference, 'the confirmation panel shows the reference');

  const [submission] = await createSubmissions({ db: kernel.db, jobs: kernel.jobs }).listForForm((await kernel.db.withTables<{ forms_form: { id: string; slug: string } }>().selectFrom('forms_form').select('id').where('slug', '=', BLUE_BADGE_SLUG).executeTakeFirstOrThrow()).id);
  assert.equal(submission?.reference, reference);
  assert.equal(submission?.payment_amount, 1000);
  const evidence = JSON.parse(submission?.answers ?? '{}')['pip-check'].values;
  assert.equal(evidence[0], 'eligible');
  assert.deepEqual({ reason: evidence[1].reason, award: evidence[1].award }, { reason: 'qualifying', award: { status: 'awarded', rate: { daily_living: 'standard', mobility: 'enhanced' } } });
  assert.match(evidence[1].consentId, /^[0-9a-f-]{36}$/);
  assert.ok(evidence[1].xRoadId);

  await kernel.createWorker().runUntilIdle();
  await kernel.createWorker().runUntilIdle();
  const emails = (await kernel.developmentOutbox?.listRecent(50)) ?? [];
  const team = emails.find((message) => message.recipient === 'blue-badge-team@example-council.gov.uk');
  for (const line of [`Reference: ${reference}`, 'Eligible through PIP', 'rate.mobility: enhanced', 'status: awarded', 'alex.png']) assert.ok(team?.text.includes(line), `the council team's email has ${line}`);
  const person = emails.find((message) => message.recipient === 'alex@example.com' && message.text.includes(reference as string));
  assert.ok(person, 'Alex gets the confirmation email with the reference');
  assert.deepEqual(await auditOf(kernel), ['forms.eligibility.consent-asked:success', 'forms.eligibility.checked:success', 'forms.eligibility.consent-asked:success', 'forms.eligibility.checked:success'], 'checked twice: the reference changed');
  // The council's team (the example council organisation) sees it in the console, with the evidence; no one else does.
  const formId = submission?.form_id as string;
  const council = await findConsoleService(kernel.db, (await createFormVersions({ db: kernel.db, audit: kernel.audit }).findServiceId(formId)) as string);
  const consoleBrowser = async (organisationId: string) => {
    const member = await signInConsoleMember(app, { organisationId, role: 'viewer', email: `viewer-${organisationId.slice(0, 8)}@example.gov.uk` });
    const client = createFormClient(baseUrl);
    client.cookies.set(member.cookieName, member.cookieValue);
    return client;
  };
  const councilTeam = await consoleBrowser(council?.organisationId as string);
  const listPath = `/console/forms/${council?.organisationId}/forms/${formId}/submissions`;
  const list = await councilTeam.get(listPath);
  assert.equal(list.status, 200);
  assert.match(list.html, new RegExp(`${reference}[\\s\\S]*£10\\.00[\\s\\S]*Eligible through PIP`));
  const view = await councilTeam.get(`${listPath}/${submission?.id}`);
  for (const line of ['Eligible through PIP', 'rate.mobility: enhanced', 'status: awarded', 'Alex Example', 'alex.png', 'Paid £10.00']) assert.ok(view.html.includes(line), `the team's page has ${line}`);
  const welsh = await councilTeam.get(`${listPath}/${submission?.id}?lang=cy`);
  assert.match(welsh.html, /Cymwys drwy PIP[\s\S]*Gwiriwyd drwy Exchange/);
  const other = await createConsoleTeam(app, { name: 'Another Council' });
  const outsider = await consoleBrowser(other.organisationId);
  assert.equal((await outsider.get(listPath)).status, 404, 'another organisation is not a member');
  assert.equal((await outsider.get(`/console/forms/${other.organisationId}/forms/${formId}/submissions`)).status, 404, "another organisation's path does not open this form");
  assert.equal((await outsider.get(`/console/forms/${other.organisationId}/forms/${formId}/submissions/${submission?.id}`)).status, 404);
  const signedOut = await createFormClient(baseUrl).get(listPath);
  assert.match(signedOut.url, /sign-in|\/console/, 'signed out: sent to sign in');
  assert.doesNotMatch(signedOut.html, new RegExp(reference as string));

  // Every step of the journey is in the audit trail, in order.
  const actions = (await kernel.db.withTables<{ audit_event: { action: string; sequence: number } }>().selectFrom('audit_event').select('action').orderBy('sequence').execute()).map((event) => event.action);
  const checkSteps = ['forms.eligibility.consent-asked', 'exchange.consent.given', 'forms.eligibility.checked'];
  const steps = ['forms.session.signed-in', ...checkSteps, 'forms.file.uploaded', ...checkSteps, 'forms.payment.started', 'forms.submission.submitted', 'forms.submission.delivered'];
  assert.deepEqual(actions.filter((action) => steps.includes(action)), steps);
});

test('Blue Badge: Sam Sample (PIP under review, mobility standard) and Jo Placeholder (ended) are not shown eligible and get the long form; an unknown reference finds no award', async (t) => {
  const { kernel, baseUrl } = await startBlueBadge(t);
  for (const [email, reference, person, title] of [
    ['sam@example.com', 'QQ123456B', SAM, /We need to ask you some more questions/],
    ['jo@example.com', 'QQ123456C', JO, /We need to ask you some more questions/],
    ['nobody@example.com', 'QQ999999D', MALLORY, /We could not find your record/],
  ] as const) {
    const account = await createTestAccount(kernel, email);
    const browser = createFormClient(baseUrl);
    const consent = await openConsent(browser, account, await reachCheck(browser, account, reference, person));
    const result = await browser.get(await answerConsent(browser, consent, 'yes'));
    assert.match(result.html, title, reference);
    assert.equal(buttonHref(result.html), `${FORM}/pages/walking`, `${reference}: the long form`);
    const walking = await browser.get(`${FORM}/pages/walking`);
    assert.equal(new URL(walking.url).pathname, `${FORM}/pages/walking`);
    const exit = await browser.submit(walking, { answer: 'over-80' });
    assert.equal(new URL(exit.url).pathname, `${FORM}/exit/walks-too-far`, 'routing on the long form');
  }
});

test('Blue Badge: refusing consent checks nothing and leads to the long form; a consent withdrawn before the call and Exchange failing each end on a page that says so, never a 500', async (t) => {
  const { kernel, baseUrl } = await startBlueBadge(t);
  const refuser = await createTestAccount(kernel, 'refuses@example.com');
  const browser = createFormClient(baseUrl);
  const consent = await openConsent(browser, refuser, await reachCheck(browser, refuser, 'QQ123456A', ALEX));
  const refused = await browser.get(await answerConsent(browser, consent, 'no'));
  assert.equal(refused.status, 200);
  assert.match(refused.html, /You did not give permission/);
  assert.doesNotMatch(refused.html, /rate\./);
  assert.equal(buttonHref(refused.html), `${FORM}/pages/walking`);
  const log = await kernel.db.withTables<{ exchange_message_log: { x_road_id: string } }>().selectFrom('exchange_message_log').select('x_road_id').execute();
  assert.equal(log.length, 0, 'no call was made');

  // The consent is withdrawn between the consent page and the call (a trigger withdraws it as it is saved).
  const sqlite = kernel.config.DATABASE_URL.startsWith('sqlite:');
  if (sqlite) {
    await sql`CREATE TRIGGER withdraw_consent AFTER INSERT ON exchange_consent BEGIN UPDATE exchange_consent SET status = 'withdrawn' WHERE id = NEW.id; END`.execute(kernel.db);
  } else {
    await sql`CREATE FUNCTION withdraw_consent() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN NEW.status := 'withdrawn'; RETURN NEW; END $$`.execute(kernel.db);
    await sql`CREATE TRIGGER withdraw_consent BEFORE INSERT ON exchange_consent FOR EACH ROW EXECUTE FUNCTION withdraw_consent()`.execute(kernel.db);
  }
  const withdrawer = await createTestAccount(kernel, 'withdraws@example.com');
  const second = createFormClient(baseUrl);
  const withdrawn = await second.get(await answerConsent(second, await openConsent(second, withdrawer, await reachCheck(second, withdrawer, 'QQ123456A', ALEX)), 'yes'));
  assert.equal(withdrawn.status, 200);
  assert.match(withdrawn.html, /Your permission is no longer in force/);
  assert.equal(buttonHref(withdrawn.html), `${FORM}/pages/walking`);
  await sql`DROP TRIGGER withdraw_consent${sql.raw(sqlite ? '' : ' ON exchange_consent')}`.execute(kernel.db);

  // The agreement has ended: Exchange cannot ask or call.
  const failing = await createTestAccount(kernel, 'fails@example.com');
  const third = createFormClient(baseUrl);
  await kernel.db.withTables<{ exchange_agreement: { status: string } }>().updateTable('exchange_agreement').set({ status: 'ended' }).execute();
  const failed = await third.submit(await reachCheck(third, failing, 'QQ123456A', ALEX), {});
  assert.equal(failed.status, 200);
  assert.equal(new URL(failed.url).pathname, `${FORM}/pages/pip-check/result`);
  assert.match(failed.html, /We could not check your record just now/);
  assert.equal(buttonHref(failed.html), `${FORM}/pages/walking`);
  assert.deepEqual((await auditOf(kernel)).sort(), [
    'forms.eligibility.checked:success',
    'forms.eligibility.checked:success',
    'forms.eligibility.checked:success',
    'forms.eligibility.consent-asked:failure',
    'forms.eligibility.consent-asked:success',
    'forms.eligibility.consent-asked:success',
  ]);
});

test('Blue Badge attacks: a consent answer replayed, from another person or another journey, or tampered, is refused with nothing checked; the check cannot be answered or skipped by URL', async (t) => {
  const { kernel, baseUrl } = await startBlueBadge(t);
  const mallory = await createTestAccount(kernel, 'mallory@example.com');
  const alex = await createTestAccount(kernel, 'alex@example.com');

  // Skipping: a later page redirects back to the check; posting "eligible" to the check only starts it.
  const attacker = createFormClient(baseUrl);
  const check = await reachCheck(attacker, mallory, 'QQ123456A', MALLORY);
  for (const later of ['walking', 'address', 'photo', 'pip-check/result']) {
    const page = await attacker.get(`${FORM}/pages/${later}`);
    assert.equal(new URL(page.url).pathname, `${FORM}/pages/pip-check`, later);
  }
  assert.equal(new URL((await attacker.get(`${FORM}/check-answers`)).url).pathname, `${FORM}/pages/pip-check`);
  const posted = await attacker.post(check, { answer: 'eligible' });
  assert.equal(posted.status, 303);
  assert.match(posted.headers.get('location') as string, /\/account\/consent\?/, 'posting an answer only starts the check');

  // Alex's own answer, taken from Alex's journey, is of no use in Mallory's (another state, another person).
  const browser = createFormClient(baseUrl);
  const alexAnswer = new URL(await answerConsent(browser, await openConsent(browser, alex, await reachCheck(browser, alex, 'QQ123456A', ALEX)), 'yes'));
  const stolen = await attacker.get(`${alexAnswer.pathname}${alexAnswer.search}`);
  assert.equal(stolen.status, 400);
  assert.match(stolen.html, /This answer could not be used/);
  // Alex's token with the state Mallory's own journey waits for: the token names Alex's journey and Alex.
  const malloryAnswer = new URL(await answerConsent(attacker, await openConsent(attacker, mallory, check), 'no'));
  const swapped = new URL(alexAnswer);
  swapped.searchParams.set('state', malloryAnswer.searchParams.get('state') as string);
  const mixed = await attacker.get(`${swapped.pathname}${swapped.search}`);
  assert.equal(mixed.status, 400);

  // Alex's answer used once in Alex's journey; a replay of it finds nothing waiting.
  const first = await browser.get(`${alexAnswer.pathname}${alexAnswer.search}`);
  assert.match(first.html, /You are eligible/);
  const replay = await browser.get(`${alexAnswer.pathname}${alexAnswer.search}`);
  assert.equal(replay.status, 400, 'a replay is refused');

  // A tampered token: the result changed in the payload, the signature kept.
  const tamperer = await createTestAccount(kernel, 'tamper@example.com');
  const third = createFormClient(baseUrl);
  const refusedAnswer = new URL(await answerConsent(third, await openConsent(third, tamperer, await reachCheck(third, tamperer, 'QQ123456A', ALEX)), 'no'));
  const [header, payload, signature] = (refusedAnswer.searchParams.get('consent_token') as string).split('.') as [string, string, string];
  const changed = Buffer.from(JSON.stringify({ ...JSON.parse(Buffer.from(payload, 'base64url').toString()), result: 'agreed', consent_id: crypto.randomUUID() })).toString('base64url');
  refusedAnswer.searchParams.set('consent_token', `${header}.${changed}.${signature}`);
  refusedAnswer.searchParams.set('result', 'agreed');
  const tampered = await third.get(`${refusedAnswer.pathname}${refusedAnswer.search}`);
  assert.equal(tampered.status, 400);
  assert.match(tampered.html, /This answer could not be used/);
  const missing = await third.get(`${refusedAnswer.pathname}?state=${refusedAnswer.searchParams.get('state')}`);
  assert.equal(missing.status, 400, 'no token');
  const huge = await third.get(`${refusedAnswer.pathname}?state=${'x'.repeat(5000)}`);
  assert.ok(huge.status === 400 && !/Internal/.test(huge.html), 'past the limits: 400');
  const answered = await kernel.db.withTables<{ audit_event: { action: string } }>().selectFrom('audit_event').select('action').where('action', '=', 'forms.eligibility.answer-refused').execute();
  assert.ok(answered.length >= 4, 'each refusal audited');
});

test('Blue Badge attack: the consent page answered by someone else (another account signed in to the account pages in the same browser) is refused, as it is about another person', async (t) => {
  const { kernel, baseUrl } = await startBlueBadge(t);
  const alex = await createTestAccount(kernel, 'alex@example.com');
  const mallory = await createTestAccount(kernel, 'mallory@example.com');
  const browser = createFormClient(baseUrl);
  const check = await reachCheck(browser, alex, 'QQ123456A', ALEX);
  const started = await browser.post(check, {});
  assert.equal(started.status, 303);
  // Everything but Alex's form session is forgotten: the account pages and One Login then sign in Mallory.
  for (const name of [...browser.cookies.keys()]) if (name !== 'forms_session') browser.cookies.delete(name);
  const consent = await openSigningIn(browser, mallory, started.headers.get('location') as string);
  assert.match(new URL(consent.url).pathname, /^\/account\/consent\/[0-9a-f-]{36}$/);
  const answer = new URL(await answerConsent(browser, consent, 'yes'));
  const used = await browser.get(`${answer.pathname}${answer.search}`);
  assert.equal(used.status, 400);
  assert.match(used.html, /This answer could not be used/);
  const refused = await kernel.db.withTables<{ audit_event: { action: string; details: string | null } }>().selectFrom('audit_event').select(['action', 'details']).where('action', '=', 'forms.eligibility.answer-refused').execute();
  assert.match(refused[0]?.details ?? '', /other-person/);
  const log = await kernel.db.withTables<{ exchange_message_log: { x_road_id: string } }>().selectFrom('exchange_message_log').select('x_road_id').execute();
  assert.equal(log.length, 0, 'no call was made for Alex under Mallory’s consent');
});

/** Continue, agree and follow the answer: the check's result page. */
async function checkWithConsent(browser: FormClient, account: TestAccount, check: FormPage): Promise<FormPage> {
  return browser.get(await answerConsent(browser, await openConsent(browser, account, check), 'yes'));
}

/** Changes the date of birth given: the check page again, as its evidence was about another answer. */
async function changeBirth(browser: FormClient, born: Person['born']): Promise<FormPage> {
  const check = await browser.submit(await browser.get(`${FORM}/pages/date-of-birth?change=1`), bornAs(born));
  assert.equal(new URL(check.url).pathname, `${FORM}/pages/pip-check`, 'a changed date of birth asks the check again');
  return check;
}

test('Blue Badge attack: Mallory types Alex’s PIP reference (named in the README) and consents: with her own name and date of birth, or Alex’s name and a wrong date of birth, no award is found and she gets the long form; each failed match is audited without the date of birth', async (t) => {
  const { kernel, baseUrl } = await startBlueBadge(t);
  const mallory = await createTestAccount(kernel, 'mallory@example.com');
  const attacker = createFormClient(baseUrl);
  const own = await checkWithConsent(attacker, mallory, await reachCheck(attacker, mallory, 'QQ123456A', MALLORY));
  assert.match(own.html, /We could not find your record/);
  assert.doesNotMatch(own.html, /rate\.|awarded|enhanced/, 'nothing of Alex’s award');
  assert.equal(buttonHref(own.html), `${FORM}/pages/walking`, 'the long form');
  assert.equal(new URL((await attacker.get(`${FORM}/pages/address`)).url).pathname, `${FORM}/pages/walking`, 'not past the questions about her condition');

  // Alex's name (as the README gives it) with a guessed date of birth: still nothing.
  await attacker.submit(await attacker.get(`${FORM}/pages/full-name?change=1`), { full_name: 'Alex Example' });
  const guessed = await checkWithConsent(attacker, mallory, await changeBirth(attacker, ['13', '4', '1968']));
  assert.match(guessed.html, /We could not find your record/);
  const answers = await kernel.db.withTables<{ forms_session: { answers: string } }>().selectFrom('forms_session').select('answers').execute();
  assert.ok(answers.some((row) => /"not-eligible"[^\]]*"no-award"/.test(row.answers)), 'recorded not eligible: no award');
  assert.ok(!answers.some((row) => /"eligible",/.test(row.answers)));

  const failures = await kernel.db.withTables<{ audit_event: { action: string; outcome: string; details: string | null } }>().selectFrom('audit_event').select(['action', 'outcome', 'details']).where('action', '=', 'forms.eligibility.no-match').execute();
  assert.deepEqual(failures.map((row) => row.outcome), ['failure', 'failure']);
  for (const row of failures) assert.doesNotMatch(row.details ?? '', /1968|1985|Alex|Mallory|dateOfBirth/, 'the audit keeps no date of birth or name');
  const log = await kernel.db.withTables<{ exchange_message_log: { endpoint: string } }>().selectFrom('exchange_message_log').selectAll().execute();
  assert.equal(log.length, 2);
  assert.doesNotMatch(JSON.stringify(log), /1968|1985|Alex|Mallory|QQ123456A/, 'the message log keeps neither the reference nor what it was asked with');

  // Someone who knows both Alex's reference and date of birth (and name) still gets Alex's award: only identity proofing closes that.
  const knows = await checkWithConsent(attacker, mallory, await changeBirth(attacker, ALEX.born));
  assert.match(knows.html, /You are eligible/);
});

test('Blue Badge attack: guessing the date of birth for a known reference is bounded: after 5 failed matches in a day a person is not checked again (even with the right answer) and is told so; another person is not affected', async (t) => {
  const { kernel, baseUrl } = await startBlueBadge(t);
  const mallory = await createTestAccount(kernel, 'mallory@example.com');
  const attacker = createFormClient(baseUrl);
  let check = await reachCheck(attacker, mallory, 'QQ123456A', { ...ALEX, born: ['1', '1', '1968'] });
  for (let guess = 1; guess <= 5; guess += 1) {
    const result = await checkWithConsent(attacker, mallory, check);
    assert.match(result.html, /We could not find your record/, `guess ${guess}`);
    check = await changeBirth(attacker, [String(guess + 1), '1', '1968']);
  }
  const calls = async () => (await kernel.db.withTables<{ exchange_message_log: { x_road_id: string } }>().selectFrom('exchange_message_log').select('x_road_id').execute()).length;
  assert.equal(await calls(), 5);
  check = await changeBirth(attacker, ALEX.born);
  const stopped = await checkWithConsent(attacker, mallory, check);
  assert.equal(stopped.status, 200);
  assert.match(stopped.html, /You cannot check your record again today/);
  assert.doesNotMatch(stopped.html, /You are eligible|rate\./);
  assert.equal(buttonHref(stopped.html), `${FORM}/pages/walking`, 'the long form is still open to her');
  assert.equal(await calls(), 5, 'the service was not asked: the right guess tells nothing');
  const welsh = await attacker.get(`${FORM}/pages/pip-check/result?lang=cy`);
  assert.match(welsh.html, /Ni allwch wirio eich cofnod eto heddiw/);
  const stops = await kernel.db.withTables<{ audit_event: { action: string } }>().selectFrom('audit_event').select('action').where('action', '=', 'forms.eligibility.too-many-failed-matches').execute();
  assert.equal(stops.length, 1);

  const alex = await createTestAccount(kernel, 'alex@example.com');
  const browser = createFormClient(baseUrl);
  const own = await checkWithConsent(browser, alex, await reachCheck(browser, alex, 'QQ123456A', ALEX));
  assert.match(own.html, /You are eligible/, 'Alex, another person, is checked');
});

test('the step by step "Get a Blue Badge", seeded from the shipped guidance, leads to the form', async (t) => {
  const { kernel, baseUrl } = await startBlueBadge(t);
  const seeded = await civitasOn(kernel.config.DATABASE_URL)('guidance', 'seed', '--json');
  assert.equal(seeded.exitCode, 0, seeded.stderr);
  for (const [lang, text] of [['en', 'Apply for a Blue Badge online'], ['cy', 'Ffurflen Bathodyn Glas ar-lein']] as const) {
    const steps = await createFormClient(baseUrl).get(`/step-by-step/get-a-blue-badge?lang=${lang}`);
    assert.equal(steps.status, 200);
    assert.match(steps.html, new RegExp(`href="${FORM}"[^>]*>${text}`));
  }
  const home = await createFormClient(baseUrl).get('/');
  assert.match(home.html, new RegExp(`href="${FORM}"`), 'the home page links to the form');
});
