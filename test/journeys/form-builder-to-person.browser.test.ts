import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import { after, test, type TestContext } from 'node:test';
import { parse as parseCsv } from 'csv-parse/sync';
import type { Page } from 'playwright-core';
import type { Kernel } from '../../src/platform/kernel.ts';
import { createBuilderTeam } from '../../src/modules/forms/builder/builder.test-kit.ts';
import { SMALL_PDF, SMALL_PNG } from '../../src/modules/forms/files/file-samples.test-kit.ts';
import { SEND_WEBHOOK_JOB } from '../../src/modules/forms/submissions/submissions.ts';
import { createSendWebhookJob } from '../../src/modules/forms/webhooks/send-webhook.job.ts';
import { createWebhookSecrets } from '../../src/modules/forms/webhooks/webhook-secrets.ts';
import { signInConsoleMember } from '../../src/modules/console/teams/console-teams-testing.contract.ts';
import { clickToNextPage, expectAccessiblePage, expectLanguageAndOneHeading, expectNoPageProblems, launchBrowser, openPage, startTestServer, type PageProblems } from '../../src/testing/browser.ts';

/**
 * Issue 16's builder journey in Chromium: a console team member builds a form in the console's
 * pages with every answer type, a routing branch on a selection and an exit page, in English and
 * Welsh; sets the submission email and a webhook; publishes. A person fills it in in English
 * (taking the branch, and "add another") and another in Welsh (the long way round). The team's
 * email links to a CSV that parses (csv-parse, RFC 4180) to exactly the answers given; a webhook
 * receiver on 127.0.0.1 that answers the first delivery 500 gets each submission accepted once,
 * the retry with the same Idempotency-Key and body, signed with the form's secret. The job queue
 * is run by the test (retries at once), as the webhook tests do. axe on every page visited (on a
 * page seen again unchanged, or again later with more in it, once).
 */

const browser = await launchBrowser(after);
const SLUG = 'fishing-permit';
const FORM = `/forms/${SLUG}`;
const TEAM_EMAIL = 'fishing-team@example.gov.uk';

type Received = { headers: IncomingHttpHeaders; body: string; status: number };

/** A webhook receiver on 127.0.0.1: answers 500 to the very first delivery, 200 to every other. */
async function startReceiver(t: TestContext) {
  const received: Received[] = [];
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const status = received.length === 0 ? 500 : 200;
      received.push({ headers: request.headers, body: Buffer.concat(chunks).toString('utf8'), status });
      response.writeHead(status).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => new Promise<void>((resolve) => server.close(() => resolve())));
  return { url: `http://127.0.0.1:${(server.address() as { port: number }).port}/hooks/fishing`, received };
}

/** Runs every job due, the webhook's retries at once (no waiting on the real clock), until none is left. */
async function runJobs(kernel: Kernel) {
  const handlers = Object.assign({}, ...kernel.modules.map((module) => module.createJobHandlers?.(kernel) ?? {}));
  const worker = kernel.createWorker({ handlers: { ...handlers, [SEND_WEBHOOK_JOB]: createSendWebhookJob(kernel, { retryDelayMs: () => 0 }) } });
  await worker.runUntilIdle();
}

/** The team member, in the console's pages. */
function consoleSteps(page: Page) {
  /** Saves, and checks the page it leads to; `scan: false` for a page axe scans again later with more in it. */
  const save = async (what: string, { scan = true } = {}) => {
    await clickToNextPage(page, page.locator('main form button.govuk-button:not(.govuk-button--secondary):not(.govuk-button--warning)').first());
    await (scan ? expectAccessiblePage(page, 'en', what) : expectLanguageAndOneHeading(page, 'en', what));
    if ((await page.locator('.govuk-error-summary').count()) > 0) assert.fail(`${what}: ${await page.locator('.govuk-error-summary').innerText()}`);
  };
  const fill = async (fields: Record<string, string>) => {
    for (const [id, value] of Object.entries(fields)) await page.locator(`#${id}`).fill(value);
  };
  return { save, fill };
}

const QUESTIONS: Array<{ type: string; fields: Record<string, string>; check?: string[]; radio?: Record<string, string> }> = [
  { type: 'selection', fields: { question: 'Where will you fish?', questionCy: 'Ble byddwch chi’n pysgota?', options: 'On a river\nAt sea', optionsCy: 'Ar afon\nAr y môr' }, check: ['noneOfTheAbove'] },
  { type: 'organisation_name', fields: { question: 'Which angling club are you in?', questionCy: 'Ym mha glwb pysgota ydych chi?' } },
  { type: 'number', fields: { question: 'How many rods will you use?', questionCy: 'Sawl gwialen fyddwch chi’n ei defnyddio?' } },
  { type: 'name', fields: { question: 'What is your name?', questionCy: 'Beth yw eich enw?' }, radio: { nameInput: 'first_and_last' }, check: ['nameTitle'] },
  { type: 'email', fields: { question: 'What is your email address?', questionCy: 'Beth yw eich cyfeiriad e-bost?', hint: 'We will send your permit here.', hintCy: 'Byddwn yn anfon eich trwydded yma.' } },
  { type: 'phone_number', fields: { question: 'What is your phone number?', questionCy: 'Beth yw eich rhif ffôn?' } },
  { type: 'national_insurance_number', fields: { question: 'What is your National Insurance number?', questionCy: 'Beth yw eich rhif Yswiriant Gwladol?' } },
  { type: 'address', fields: { question: 'What is your address?', questionCy: 'Beth yw eich cyfeiriad?' } },
  { type: 'date', fields: { question: 'What is your date of birth?', questionCy: 'Beth yw eich dyddiad geni?' }, check: ['dateOfBirth'] },
  { type: 'text', fields: { question: 'What is the name of a boat you will fish from?', questionCy: 'Beth yw enw cwch y byddwch chi’n pysgota ohono?' }, check: ['repeatable'] },
  { type: 'text', fields: { question: 'Tell us about your fishing', questionCy: 'Dywedwch wrthym am eich pysgota', guidance: '## What to tell us\n\n- the waters\n- the fish', guidanceCy: '## Beth i’w ddweud wrthym\n\n- y dyfroedd\n- y pysgod' }, radio: { multiline: 'yes' } },
  { type: 'file', fields: { question: 'Upload a photo of yourself', questionCy: 'Uwchlwythwch lun ohonoch chi’ch hun', maxSizeMb: '2' }, check: ['fileTypes=pdf', 'fileTypes=png'] },
];

async function buildAndPublish(t: TestContext, input: { baseUrl: string; app: Parameters<typeof createBuilderTeam>[0]; webhookUrl: string }) {
  const { baseUrl, app } = input;
  const team = await createBuilderTeam(app, 'Department for Fishing');
  const member = await signInConsoleMember(app, { organisationId: team.organisationId, role: 'developer', email: 'developer@fishing.example.gov.uk' });
  const { page, problems } = await openPage(t, browser);
  page.setDefaultTimeout(20_000);
  await page.context().addCookies([{ name: member.cookieName, value: member.cookieValue, url: baseUrl }]);
  const { save, fill } = consoleSteps(page);

  await page.goto(`${baseUrl}/console/organisations/${team.organisationId}`);
  await clickToNextPage(page, page.locator(`main a[href="/console/forms/${team.organisationId}"]`));
  await expectAccessiblePage(page, 'en', 'the organisation’s forms');
  await clickToNextPage(page, page.locator(`main a[href="${team.servicePath}"]`));
  await expectAccessiblePage(page, 'en', 'the service’s forms');
  await clickToNextPage(page, page.locator('main a.govuk-button'));
  await expectAccessiblePage(page, 'en', 'create a form');
  await fill({ name: 'Apply for a fishing permit', slug: SLUG });
  await save('the new form');
  const formPath = new URL(page.url()).pathname;

  // Welsh and the settings first, so each question page asks for its Welsh text.
  await clickToNextPage(page, page.locator(`main a[href="${formPath}/settings"]`));
  await expectAccessiblePage(page, 'en', 'settings');
  await page.locator('input[name="welsh"][value="yes"]').check();
  await fill({
    nameCy: 'Gwneud cais am drwydded bysgota',
    declaration: 'I confirm that my answers are true.',
    declarationCy: 'Rwy’n cadarnhau bod fy atebion yn wir.',
    whatHappensNext: 'We will email your permit within 5 working days.',
    whatHappensNextCy: 'Byddwn yn e-bostio eich trwydded o fewn 5 diwrnod gwaith.',
    privacyUrl: 'https://fishing.example.gov.uk/privacy',
    supportEmail: 'help@fishing.example.gov.uk',
    submissionEmail: TEAM_EMAIL,
    webhookUrl: input.webhookUrl,
    retentionDays: '60',
    referenceFormat: 'FISH-######',
  });
  await save('the form, settings saved');

  const editorsScanned = new Set<string>();
  for (const [index, question] of QUESTIONS.entries()) {
    // axe scans the choice of answer type, the same page each time, and the form's page with one
    // question, the first time; the form's page is scanned again with them all, after the exit page.
    // A new question's page is scanned once for each answer type (the second text question's is
    // the first one's again, still empty).
    const first = index === 0;
    await page.locator(`main a[href="${formPath}/pages/new"]`).click();
    await page.waitForURL((url) => url.pathname === `${formPath}/pages/new`);
    await (first ? expectAccessiblePage(page, 'en', 'choose an answer type') : expectLanguageAndOneHeading(page, 'en', 'choose an answer type'));
    await page.locator(`input[name="answerType"][value="${question.type}"]`).check();
    await save(`a new ${question.type} question`, { scan: !editorsScanned.has(question.type) });
    editorsScanned.add(question.type);
    await fill(question.fields);
    for (const [name, value] of Object.entries(question.radio ?? {})) await page.locator(`input[name="${name}"][value="${value}"]`).check();
    for (const box of question.check ?? []) {
      const [name, value = 'yes'] = box.split('=');
      await page.locator(`input[name="${name}"][value="${value}"]`).check();
    }
    await save(`the form with its ${question.type} question`, { scan: first });
  }

  await clickToNextPage(page, page.locator(`main a[href="${formPath}/exit-pages/new"]`));
  await expectAccessiblePage(page, 'en', 'a new exit page');
  await fill({ heading: 'You cannot get a permit', headingCy: 'Ni allwch gael trwydded', body: 'Permits are for **rivers** and the **sea** only.', bodyCy: 'Mae trwyddedau ar gyfer **afonydd** a’r **môr** yn unig.' });
  await save('the form with an exit page');

  // The branch: at sea skips the club and the rods; none of the above ends on the exit page.
  await clickToNextPage(page, page.locator(`main a[href="${formPath}/pages/where-will-you-fish/routes"]`));
  await expectAccessiblePage(page, 'en', 'routing');
  await page.locator('#route-1').selectOption('what-is-your-name');
  await page.locator('#route-2').selectOption('exit-you-cannot-get-a-permit');
  await save('the form with its routes');
  assert.match(await page.locator('main').innerText(), /If the answer is “At sea”, go to “What is your name\?”/);

  await clickToNextPage(page, page.locator(`main a[href="${formPath}/pages/where-will-you-fish/preview"]`));
  await expectAccessiblePage(page, 'en', 'a preview of the first question');
  assert.equal(await page.locator('input[name="answer"]').count(), 3);
  await page.goBack();

  await clickToNextPage(page, page.locator(`main form[action="${formPath}/publish"] button`));
  await expectAccessiblePage(page, 'en', 'published');
  assert.equal(await page.locator('.govuk-notification-banner--success').count(), 1);
  assert.equal(await page.locator(`main a[href="${FORM}"]`).count(), 1, 'the form links to its live address');
  expectNoPageProblems(problems);
  return { formId: formPath.split('/').at(-1)! };
}

/** A person on the live form: each page checked by axe, in its language. */
function personSteps(page: Page, problems: PageProblems, lang: 'en' | 'cy') {
  const at = (id: string) => `${FORM}/pages/${id}`;
  const checkPage = async (pathname: string) => {
    assert.equal(new URL(page.url()).pathname, pathname);
    await expectAccessiblePage(page, lang, pathname);
    expectNoPageProblems(problems);
  };
  const next = async (pathname: string) => {
    await page.locator('main button.govuk-button').click();
    await page.waitForURL((url) => url.pathname === pathname);
    await checkPage(pathname);
  };
  return { at, checkPage, next };
}

type PersonAnswers = { route: 'sea' | 'river'; reference: string };

async function fillInEnglish(t: TestContext, baseUrl: string): Promise<PersonAnswers> {
  const { page, problems } = await openPage(t, browser);
  page.setDefaultTimeout(20_000);
  const { at, checkPage, next } = personSteps(page, problems, 'en');
  await page.goto(`${baseUrl}${FORM}?lang=en`);
  await checkPage(at('where-will-you-fish'));
  // None of the above ends on the exit page; back, and the branch.
  await page.check('input[name="answer"][value="none"]');
  await next(`${FORM}/exit/exit-you-cannot-get-a-permit`);
  assert.match(await page.locator('main').innerText(), /Permits are for rivers and the sea only/);
  await page.locator('.govuk-back-link').click();
  await page.waitForURL((url) => url.pathname === at('where-will-you-fish'));
  await page.check('input[name="answer"][value="At sea"]');
  await next(at('what-is-your-name'));
  await page.fill('#title', 'Dr');
  await page.fill('#first_name', 'Ada');
  await page.fill('#last_name', 'Lovelace');
  await next(at('what-is-your-email-address'));
  await page.fill('#answer', 'ada@example.com');
  await next(at('what-is-your-phone-number'));
  await page.fill('#answer', '07700 900 123');
  await next(at('what-is-your-national-insurance-number'));
  await page.fill('#answer', 'jh 12 34 56 c');
  await next(at('what-is-your-address'));
  await page.fill('#address_line_1', '10 Harbour Road');
  await page.fill('#town', 'Whitby');
  await page.fill('#postcode', 'yo21 1aa');
  await next(at('what-is-your-date-of-birth'));
  await page.fill('#day', '10');
  await page.fill('#month', '12');
  await page.fill('#year', '1985');
  await next(at('what-is-the-name-of-a-boat-you-will-fish-from'));
  await page.fill('#answer', 'Sea Swallow');
  await next(`${at('what-is-the-name-of-a-boat-you-will-fish-from')}/add-another`);
  await page.check('input[name="add_another"][value="yes"]');
  await next(at('what-is-the-name-of-a-boat-you-will-fish-from'));
  await page.fill('#answer', '=Gull, "the second"');
  await next(`${at('what-is-the-name-of-a-boat-you-will-fish-from')}/add-another`);
  await page.check('input[name="add_another"][value="no"]');
  await next(at('tell-us-about-your-fishing'));
  await page.fill('#answer', 'Mackerel off the pier.\nCod in winter.');
  await next(at('upload-a-photo-of-yourself'));
  await page.setInputFiles('#answer', { name: 'ada.png', mimeType: 'image/png', buffer: SMALL_PNG });
  await next(`${FORM}/check-answers`);
  const summary = await page.locator('main').innerText();
  assert.doesNotMatch(summary, /Which angling club are you in\?/, 'the branch skipped the club');
  assert.match(summary, /Sea Swallow[\s\S]*=Gull, "the second"/);
  assert.match(summary, /I confirm that my answers are true\./);
  await next(`${FORM}/confirmation`);
  const reference = /FISH-[A-Z0-9]{6}/.exec(await page.locator('.govuk-panel__body').innerText())?.[0];
  assert.ok(reference);
  return { route: 'sea', reference };
}

async function fillInWelsh(t: TestContext, baseUrl: string): Promise<PersonAnswers> {
  const { page, problems } = await openPage(t, browser);
  page.setDefaultTimeout(20_000);
  const { at, checkPage, next } = personSteps(page, problems, 'cy');
  await page.goto(`${baseUrl}${FORM}?lang=cy`);
  await checkPage(at('where-will-you-fish'));
  assert.match(await page.locator('main').innerText(), /Ble byddwch chi’n pysgota\?[\s\S]*Ar afon/);
  await page.check('input[name="answer"][value="On a river"]');
  await next(at('which-angling-club-are-you-in'));
  await page.fill('#answer', 'Clwb Pysgota Teifi');
  await next(at('how-many-rods-will-you-use'));
  await page.fill('#answer', '2');
  await next(at('what-is-your-name'));
  await page.fill('#first_name', 'Gwenllian');
  await page.fill('#last_name', 'ap Rhys');
  await next(at('what-is-your-email-address'));
  await page.fill('#answer', 'gwenllian@example.com');
  await next(at('what-is-your-phone-number'));
  await page.fill('#answer', '01970 623111');
  await next(at('what-is-your-national-insurance-number'));
  await page.fill('#answer', 'AB123456D');
  await next(at('what-is-your-address'));
  await page.fill('#address_line_1', '1 Stryd y Bont');
  await page.fill('#address_line_2', 'Llanbedr Pont Steffan');
  await page.fill('#town', 'Ceredigion');
  await page.fill('#postcode', 'SA48 7AA');
  await next(at('what-is-your-date-of-birth'));
  await page.fill('#day', '1');
  await page.fill('#month', '3');
  await page.fill('#year', '1970');
  await next(at('what-is-the-name-of-a-boat-you-will-fish-from'));
  await page.fill('#answer', 'Y Wennol');
  await next(`${at('what-is-the-name-of-a-boat-you-will-fish-from')}/add-another`);
  await page.check('input[name="add_another"][value="no"]');
  await next(at('tell-us-about-your-fishing'));
  await page.fill('#answer', 'Sewin ar afon Teifi.');
  await next(at('upload-a-photo-of-yourself'));
  await page.setInputFiles('#answer', { name: 'gwenllian.pdf', mimeType: 'application/pdf', buffer: SMALL_PDF });
  await next(`${FORM}/check-answers`);
  assert.match(await page.locator('main').innerText(), /Rwy’n cadarnhau bod fy atebion yn wir\./);
  await next(`${FORM}/confirmation`);
  assert.match(await page.locator('main').innerText(), /Byddwn yn e-bostio eich trwydded/);
  const reference = /FISH-[A-Z0-9]{6}/.exec(await page.locator('.govuk-panel__body').innerText())?.[0];
  assert.ok(reference);
  return { route: 'river', reference };
}

const HEADER = [
  'Reference',
  'Submitted at',
  ...QUESTIONS.map((question) => question.fields.question),
];

/** What the team's CSV must hold for each person, as the team reads it (option labels in English). */
const EXPECTED_CELLS = {
  sea: ['At sea', '', '', 'Dr Ada Lovelace', 'ada@example.com', '07700 900 123', 'JH123456C', '10 Harbour Road\nWhitby\nYO21 1AA', '10 December 1985', 'Sea Swallow\n=Gull, "the second"', 'Mackerel off the pier.\nCod in winter.', 'ada.png'],
  river: ['On a river', 'Clwb Pysgota Teifi', '2', 'Gwenllian ap Rhys', 'gwenllian@example.com', '01970 623111', 'AB123456D', '1 Stryd y Bont\nLlanbedr Pont Steffan\nCeredigion\nSA48 7AA', '1 March 1970', 'Y Wennol', 'Sewin ar afon Teifi.', 'gwenllian.pdf'],
};

/** The team's email for a reference, and the CSV it links to, parsed. */
async function readTeamCsv(kernel: Kernel, baseUrl: string, reference: string): Promise<string[][]> {
  const emails = (await kernel.developmentOutbox?.listRecent()) ?? [];
  const teamEmails = emails.filter((message) => message.recipient === TEAM_EMAIL && message.text.includes(reference));
  assert.equal(teamEmails.length, 1, `one email to the team for ${reference}`);
  const link = /https?:\/\/[^\s]+\/answers\.csv\?key=[A-Za-z0-9_-]+/.exec(teamEmails[0]!.text)?.[0];
  assert.ok(link, 'the team’s email links to the answers as CSV');
  const response = await fetch(new URL(new URL(link).pathname + new URL(link).search, baseUrl));
  assert.equal(response.status, 200);
  assert.match(response.headers.get('content-type') ?? '', /^text\/csv/);
  return parseCsv(await response.text(), { relax_column_count: false, skip_empty_lines: true }) as string[][];
}

test('a team builds a form in the console, publishes it; people fill it in in English and Welsh; the team gets the CSV and the webhook once each', async (t) => {
  const receiver = await startReceiver(t);
  const { baseUrl, app, kernel } = await startTestServer(t);
  const { formId } = await buildAndPublish(t, { baseUrl, app, webhookUrl: receiver.url });
  const secret = await createWebhookSecrets({ db: kernel.db, secrets: kernel.secrets }).secretOf(formId);
  const verifies = (delivery: Received) => delivery.headers['civitas-signature'] === `sha256=${createHmac('sha256', secret).update(delivery.body, 'utf8').digest('hex')}`;

  const people: PersonAnswers[] = [];
  for (const fillIn of [fillInEnglish, fillInWelsh]) {
    const person = await fillIn(t, baseUrl);
    people.push(person);
    const before = receiver.received.length;
    await runJobs(kernel);

    // The team's email and its CSV: exactly the answers given.
    const [header, row, ...rest] = await readTeamCsv(kernel, baseUrl, person.reference);
    assert.deepEqual(header, HEADER);
    assert.equal(rest.length, 0, 'one row of answers');
    assert.equal(row?.[0], person.reference);
    assert.match(row?.[1] ?? '', /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{3})?Z$/);
    assert.deepEqual(row?.slice(2), EXPECTED_CELLS[person.route]);

    // The webhook: the first person's first delivery fails (500) and is retried with the same key and body.
    const deliveries = receiver.received.slice(before);
    assert.ok(deliveries.every(verifies), 'every delivery is signed with the form’s secret');
    assert.ok(deliveries.every((delivery) => delivery.headers['idempotency-key'] === deliveries[0]!.headers['idempotency-key'] && delivery.body === deliveries[0]!.body), 'the same key and bytes on every try');
    assert.deepEqual(deliveries.map((delivery) => delivery.status), person.route === 'sea' ? [500, 200] : [200]);
    const body = JSON.parse(deliveries[0]!.body);
    assert.equal(body.reference, person.reference);
    assert.equal(body.submission_id, deliveries[0]!.headers['idempotency-key']);
    assert.equal(body.form.slug, SLUG);
    const expectedPages = person.route === 'sea' ? QUESTIONS.filter((_, index) => index !== 1 && index !== 2) : QUESTIONS;
    assert.deepEqual(body.answers.map((answer: { question: string }) => answer.question), expectedPages.map((question) => question.fields.question));
  }

  // Exactly one submission each accepted by the receiver, the forced retry included.
  const accepted = receiver.received.filter((delivery) => delivery.status === 200).map((delivery) => JSON.parse(delivery.body).reference as string);
  assert.deepEqual(accepted, people.map((person) => person.reference));
  assert.equal(new Set(receiver.received.map((delivery) => delivery.headers['idempotency-key'])).size, 2);
  assert.equal(receiver.received.length, 3);
  assert.equal((await kernel.audit.search({ action: 'forms.submission.webhook-delivered' })).length, 2);
});
