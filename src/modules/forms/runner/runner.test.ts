import assert from 'node:assert/strict';
import { test } from 'node:test';
import { answerUpToBoats, createRunnerTestApp, errorsIn, FORM, readExampleForm, ROD_ANSWERS, Visitor } from './runner.test-kit.ts';
import { createSubmissions } from '../submissions/submissions.ts';

test('a person fills in the form: every answer type, "add another", check answers with change links, declaration, confirmation with the reference', async (t) => {
  const { app, kernel, formId } = await createRunnerTestApp(t);
  const person = new Visitor(app);

  const start = await person.get(FORM);
  assert.equal(start.statusCode, 303);
  assert.equal(start.headers.location, `${FORM}/pages/licence-type`);
  const first = await person.get(`${FORM}/pages/licence-type`);
  assert.match(first.body, /<h2 class="govuk-heading-m">Which licence<\/h2>/, 'guidance is shown');
  assert.doesNotMatch(first.body, /govuk-back-link/, 'the first page has no back link');
  assert.equal(person.cookies.has('forms_session'), false, 'no session until the first answer');

  await answerUpToBoats(person);
  const session = app.inject({ method: 'GET', url: `${FORM}/pages/boat-name` });
  assert.equal((await session).statusCode, 303, 'a browser without the session cookie is sent back to the start');

  const boats = await person.get(`${FORM}/pages/boat-name`);
  assert.match(boats.body, /href="\/forms\/apply-for-a-fishing-licence\/pages\/rods"/, 'back link to the page before');
  await person.answer(`${FORM}/pages/boat-name`, { answer: 'Morwennol' }, `${FORM}/pages/boat-name/add-another`);
  const addAnother = await person.get(`${FORM}/pages/boat-name/add-another`);
  assert.match(addAnother.body, /Morwennol/);
  assert.deepEqual(errorsIn((await person.refused(`${FORM}/pages/boat-name/add-another`, {})).body), ['Select yes if you need to add another answer']);
  assert.equal((await person.post(`${FORM}/pages/boat-name/add-another`, { add_another: 'yes' })).headers.location, `${FORM}/pages/boat-name?item=1`);
  await person.answer(`${FORM}/pages/boat-name?item=1`, { answer: 'Gwylan' }, `${FORM}/pages/boat-name/add-another`);
  assert.equal((await person.post(`${FORM}/pages/boat-name/add-another`, { add_another: 'no' })).headers.location, `${FORM}/pages/experience`);
  await person.answer(`${FORM}/pages/experience`, { answer: 'Ten years\non the Teifi' }, `${FORM}/pages/licence-photo`);
  await person.answer(`${FORM}/pages/licence-photo`, {}, `${FORM}/check-answers`);

  const check = await person.get(`${FORM}/check-answers`);
  assert.equal(check.statusCode, 200);
  for (const shown of ['Dr Ffion Jones', 'ffion@example.com', 'JH123456C', '1 High Street<br>Aberystwyth<br>SY23 1AA', '27 March 1990', '1 April 2027', 'Rivers<br>The sea', 'Morwennol', 'Gwylan', 'Ten years<br>on the Teifi', 'Not answered']) {
    assert.ok(check.body.includes(shown), `check answers shows ${shown}`);
  }
  assert.match(check.body, /By submitting this form you confirm/);
  assert.match(check.body, /Agree and submit/);

  // A change link returns to check your answers.
  assert.match(check.body, new RegExp(`href="${FORM}/pages/email\\?change=1"`));
  const changeEmail = await person.get(`${FORM}/pages/email?change=1`);
  assert.match(changeEmail.body, new RegExp(`href="${FORM}/check-answers" class="govuk-back-link"`));
  assert.match(changeEmail.body, /value="ffion@example.com"/, 'the answer given is shown again');
  await person.answer(`${FORM}/pages/email?change=1`, { answer: 'ffion.jones@example.com' }, `${FORM}/check-answers`);

  const submitted = await person.post(`${FORM}/check-answers`);
  assert.equal(submitted.headers.location, `${FORM}/confirmation`);
  const confirmation = await person.get(`${FORM}/confirmation`);
  const reference = /<strong>(FISH-[A-Z0-9]{4}-[A-Z0-9]{4})<\/strong>/.exec(confirmation.body)?.[1];
  assert.ok(reference, 'the panel shows the reference in the form’s format');
  assert.match(confirmation.body, /We will reply within 10 working days/);
  assert.match(confirmation.body, /href="\/feedback\/service-a">What did you think of this service\?<\/a>/, "Insight's satisfaction question for the form's service");

  const stored = await createSubmissions({ db: kernel.db, jobs: kernel.jobs }).listForForm(formId);
  assert.equal(stored.length, 1);
  assert.equal(stored[0]?.reference, reference);
  const answers = JSON.parse(stored[0]?.answers ?? '{}');
  assert.deepEqual(answers.email.values, ['ffion.jones@example.com']);
  assert.deepEqual(answers['boat-name'].values, ['Morwennol', 'Gwylan']);
  const jobs = await kernel.jobs.list({ status: 'pending' });
  assert.equal(jobs.filter((job) => job.type === 'forms.deliver-submission').length, 1, 'one delivery job');

  // The delivery job runs through the kernel's queue: the team is emailed through Notify.
  await kernel.createWorker().runUntilIdle();
  await kernel.createWorker().runUntilIdle();
  const delivered = await createSubmissions({ db: kernel.db, jobs: kernel.jobs }).listForForm(formId);
  assert.ok(delivered[0]?.delivered_at, 'delivered');
  const emails = (await kernel.developmentOutbox?.listRecent()) ?? [];
  const teamEmail = emails.find((message) => message.recipient === 'fishing-team@example.gov.uk');
  assert.equal(teamEmail?.subject, `Apply for a fishing licence: submission ${reference}`);
  for (const line of [`Reference: ${reference}`, 'What is your email address?', 'ffion.jones@example.com', 'Dr Ffion Jones', 'Morwennol', 'Gwylan', '27 March 1990', 'SY23 1AA']) {
    assert.ok(teamEmail?.text.includes(line), `the team's email has ${line}`);
  }
});

test('routing: "none of the above" goes to the exit page; "net" skips the name; changing the routed answer drops answers no longer on the route', async (t) => {
  const { app } = await createRunnerTestApp(t);
  const person = new Visitor(app);
  await person.answer(`${FORM}/pages/licence-type`, { answer: 'none' }, `${FORM}/exit/cannot-apply`);
  const exit = await person.get(`${FORM}/exit/cannot-apply`);
  assert.match(exit.body, /You cannot apply with this form/);
  assert.match(exit.body, /href="https:\/\/example.gov.uk\/licences"/);
  assert.equal((await person.get(`${FORM}/pages/full-name`)).headers.location, `${FORM}/exit/cannot-apply`, 'pages past an exit are not reached');

  await person.answer(`${FORM}/pages/licence-type`, { answer: 'rod' }, `${FORM}/pages/full-name`);
  await person.answer(`${FORM}/pages/full-name`, { first_name: 'Ffion', last_name: 'Jones' }, `${FORM}/pages/organisation`);
  await person.answer(`${FORM}/pages/licence-type?change=1`, { answer: 'net' }, `${FORM}/pages/organisation`);
  const organisation = await person.get(`${FORM}/pages/organisation`);
  assert.match(organisation.body, new RegExp(`href="${FORM}/pages/licence-type" class="govuk-back-link"`), 'the back link follows the route');
  assert.equal((await person.get(`${FORM}/pages/full-name`)).headers.location, `${FORM}/pages/organisation`, 'the skipped page is off the route');
  await person.answer(`${FORM}/pages/licence-type`, { answer: 'rod' }, `${FORM}/pages/full-name`);
  const nameAgain = await person.get(`${FORM}/pages/full-name`);
  assert.doesNotMatch(nameAgain.body, /value="Ffion"/, 'the answer dropped when its page left the route is gone');
});

test('each answer type shows its Design System error message in the error summary and at the field', async (t) => {
  const { app } = await createRunnerTestApp(t);
  const person = new Visitor(app);
  await answerUpToBoats(person);
  const cases: Array<{ page: string; fields: Record<string, string | string[]>; errors: string[] }> = [
    { page: 'licence-type', fields: {}, errors: ['Select an answer'] },
    { page: 'licence-type', fields: { answer: 'salmon' }, errors: ['Select an answer from the list'] },
    { page: 'full-name', fields: { title: 'x'.repeat(21) }, errors: ['The answer must be 20 characters or fewer', 'Enter your first name', 'Enter your last name'] },
    { page: 'email', fields: { answer: 'ffion@' }, errors: ['Enter an email address in the correct format, like name@example.com'] },
    { page: 'email', fields: { answer: '' }, errors: ['Enter an email address'] },
    { page: 'phone', fields: { answer: '0770' }, errors: ['Phone number must have at least 8 numbers'] },
    { page: 'phone', fields: { answer: 'call me' }, errors: ['Enter a phone number, like 01632 960 001, 07700 900 982 or +44 808 157 0192'] },
    { page: 'ni-number', fields: { answer: 'JH123456' }, errors: ['Enter a National Insurance number in the correct format, like QQ 12 34 56 C'] },
    { page: 'home-address', fields: { postcode: 'NOT A CODE' }, errors: ['Enter address line 1, typically the building and street', 'Enter town or city', 'Enter a full UK postcode, like AA3 1AB'] },
    { page: 'abroad-address', fields: { address: '1 Rue de la Paix' }, errors: ['Enter the country'] },
    { page: 'date-of-birth', fields: { day: '', month: '', year: '' }, errors: ['Enter your date of birth'] },
    { page: 'date-of-birth', fields: { day: '31', month: '', year: '' }, errors: ['Date must include a month and year'] },
    { page: 'date-of-birth', fields: { day: '31', month: '2', year: '1990' }, errors: ['Date must be a real date'] },
    { page: 'date-of-birth', fields: { day: '1', month: '2', year: '90' }, errors: ['Year must include 4 numbers'] },
    { page: 'date-of-birth', fields: { day: '1', month: '1', year: '2999' }, errors: ['Date of birth must be in the past'] },
    { page: 'waters', fields: {}, errors: ['Select at least one answer, or select ‘None of the above’'] },
    { page: 'waters', fields: { answer: ['sea', 'none'] }, errors: ['Select ‘None of the above’ or other answers, not both'] },
    { page: 'rods', fields: { answer: 'two' }, errors: ['The answer must be a number, like 12 or 3.5'] },
    { page: 'boat-name', fields: { answer: 'x'.repeat(500) }, errors: ['The answer must be 499 characters or fewer'] },
    { page: 'boat-name', fields: { answer: '   ' }, errors: ['Enter an answer'] },
  ];
  for (const { page, fields, errors } of cases) {
    const response = await person.refused(`${FORM}/pages/${page}`, fields);
    assert.deepEqual(errorsIn(response.body), errors, `${page} ${JSON.stringify(fields).slice(0, 60)}`);
    assert.match(response.body, /<title>Error: /);
    for (const error of errors) assert.ok(response.body.includes(`<span class="govuk-visually-hidden">Error:</span> ${error.replace(/‘/g, '‘')}`), `field error ${error}`);
  }
});

test('Welsh throughout: ?lang=cy shows the form’s Welsh text and Welsh error messages', async (t) => {
  const { app } = await createRunnerTestApp(t);
  const person = new Visitor(app);
  const first = await person.get(`${FORM}/pages/licence-type?lang=cy`);
  assert.match(first.body, /Pa fath o drwydded sydd ei hangen arnoch\?/);
  assert.match(first.body, /Trwydded gwialen/);
  assert.match(first.body, /Dim un o’r uchod/);
  assert.match(first.body, /Gwneud cais am drwydded bysgota/);
  const refused = await person.refused(`${FORM}/pages/licence-type`, {});
  assert.deepEqual(errorsIn(refused.body), ['Dewiswch ateb']);
  assert.match(refused.body, /Gwall:/);
});

test('"add another": an answer is removed after "Are you sure?"; removing the last goes back to the question; a missing item goes back to the list', async (t) => {
  const { app } = await createRunnerTestApp(t);
  const person = new Visitor(app);
  await answerUpToBoats(person);
  await person.answer(`${FORM}/pages/boat-name`, { answer: 'Morwennol' }, `${FORM}/pages/boat-name/add-another`);
  await person.post(`${FORM}/pages/boat-name/add-another`, { add_another: 'yes' });
  await person.answer(`${FORM}/pages/boat-name?item=1`, { answer: 'Gwylan' }, `${FORM}/pages/boat-name/add-another`);
  const list = await person.get(`${FORM}/pages/boat-name/add-another`);
  assert.match(list.body, new RegExp(`href="${FORM}/pages/boat-name/remove\\?item=0"`));

  const sure = await person.get(`${FORM}/pages/boat-name/remove?item=0`);
  assert.match(sure.body, /Are you sure you want to remove this answer\?/);
  assert.match(sure.body, /Morwennol/);
  assert.deepEqual(errorsIn((await person.refused(`${FORM}/pages/boat-name/remove?item=0`, {})).body), ['Select yes if you want to remove this answer']);
  assert.equal((await person.post(`${FORM}/pages/boat-name/remove?item=0`, { remove: 'no' })).headers.location, `${FORM}/pages/boat-name/add-another`);
  assert.equal((await person.post(`${FORM}/pages/boat-name/remove?item=0`, { remove: 'yes' })).headers.location, `${FORM}/pages/boat-name/add-another`);
  const after = await person.get(`${FORM}/pages/boat-name/add-another`);
  assert.doesNotMatch(after.body, /Morwennol/);
  assert.match(after.body, /Gwylan/);
  assert.equal((await person.get(`${FORM}/pages/boat-name/remove?item=1`)).headers.location, `${FORM}/pages/boat-name/add-another`, 'no such item');
  assert.equal((await person.post(`${FORM}/pages/boat-name/remove?item=0`, { remove: 'yes' })).headers.location, `${FORM}/pages/boat-name`);
  assert.equal((await person.get(`${FORM}/pages/experience`)).headers.location, `${FORM}/pages/boat-name`, 'the question needs an answer again');
});

test('a single choice from a long list is a select (the no-JavaScript autocomplete), checked like radios', async (t) => {
  const form = readExampleForm();
  form.pages[10] = {
    id: 'waters',
    answerType: 'selection',
    question: { en: 'Which river will you fish?', cy: 'Ar ba afon fyddwch chi’n pysgota?' },
    settings: { options: Array.from({ length: 40 }, (_, index) => ({ value: `river-${index}`, label: { en: `River ${index}`, cy: `Afon ${index}` } })) },
  };
  const { app } = await createRunnerTestApp(t, form);
  const person = new Visitor(app);
  for (const [index, step] of ROD_ANSWERS.slice(0, 10).entries()) {
    await person.answer(`${FORM}/pages/${step.page}`, step.fields, `${FORM}/pages/${ROD_ANSWERS[index + 1]?.page}`);
  }
  const page = await person.get(`${FORM}/pages/waters`);
  assert.match(page.body, /<select class="govuk-select" id="answer" name="answer"/);
  assert.match(page.body, /<option value="river-39">River 39<\/option>/);
  assert.deepEqual(errorsIn((await person.refused(`${FORM}/pages/waters`, { answer: '' })).body), ['Select an answer']);
  assert.equal((await person.post(`${FORM}/pages/waters`, { answer: 'river-7' })).headers.location, `${FORM}/pages/rods`);
  assert.match((await person.get(`${FORM}/pages/waters`)).body, /<option value="river-7" selected>River 7<\/option>/);
});

test('post/redirect/get: a refused answer redirects to its page, which shows the errors and what was entered once', async (t) => {
  const { app } = await createRunnerTestApp(t);
  const person = new Visitor(app);
  await person.get(`${FORM}/pages/licence-type`);
  const first = await person.refused(`${FORM}/pages/licence-type`, {});
  assert.deepEqual(errorsIn(first.body), ['Select an answer'], 'a first page refused before any answer still shows its errors');
  assert.deepEqual(errorsIn((await person.get(`${FORM}/pages/licence-type`)).body), [], 'shown once: reloading shows the page clean');
  await person.answer(`${FORM}/pages/licence-type`, { answer: 'rod' }, `${FORM}/pages/full-name`);
  const name = await person.refused(`${FORM}/pages/full-name`, { first_name: 'Ffion', last_name: '' });
  assert.deepEqual(errorsIn(name.body), ['Enter your last name']);
  assert.match(name.body, /value="Ffion"/, 'what was entered is shown again');
  await person.post(`${FORM}/pages/full-name`, { first_name: '', last_name: '' });
  assert.deepEqual(errorsIn((await person.get(`${FORM}/pages/licence-type`)).body), [], 'errors of one page never show on another');
  await person.answer(`${FORM}/pages/full-name`, { first_name: 'Ffion', last_name: 'Jones' }, `${FORM}/pages/organisation`);
  assert.deepEqual(errorsIn((await person.get(`${FORM}/pages/full-name`)).body), [], 'an answer saved clears what was refused');
});

test('attacker (accessibility): a form offered only in English, asked for in Welsh (?lang=cy, or a remembered choice), is in English throughout, lang="en", with no language switch; a Welsh form keeps both', async (t) => {
  const englishOnly = {
    format: 'civitas-form',
    formatVersion: 1,
    slug: 'report-a-pothole',
    name: { en: 'Report a pothole' },
    settings: { languages: ['en'], whatHappensNext: { en: 'We will fix it.' }, privacyUrl: 'https://example.gov.uk/privacy', support: { email: 'roads@example.gov.uk' } },
    pages: [{ id: 'where', answerType: 'selection', question: { en: 'Which road is it on?' }, settings: { options: [{ value: 'a', label: { en: 'A road' } }, { value: 'b', label: { en: 'B road' } }] } }],
    exitPages: [],
  };
  const { app, versions } = await createRunnerTestApp(t, englishOnly);
  await versions.importForm({ serviceId: 'service-a', definition: readExampleForm(), actor: 'operator:test' });
  const POTHOLE = '/forms/report-a-pothole';
  const inEnglish = (html: string, where: string) => {
    assert.match(html, /<html lang="en"/, where);
    assert.doesNotMatch(html, /govuk-language-navigation|Cymraeg|lang="cy"/, `${where}: no language switch`);
    assert.match(html, /Report a pothole/, where);
  };
  const person = new Visitor(app);
  const question = await person.get(`${POTHOLE}/pages/where?lang=cy`);
  inEnglish(question.body, 'the question');
  assert.match(question.body, /Which road is it on\?[\s\S]*>\s*Continue\s*</);
  const refused = await person.refused(`${POTHOLE}/pages/where`, {});
  inEnglish(refused.body, 'the refused answer (the Welsh choice remembered)');
  assert.deepEqual(errorsIn(refused.body), ['Select an answer']);
  assert.match(refused.body, /<title>Error:/);
  assert.equal((await person.post(`${POTHOLE}/pages/where?lang=cy`, { answer: 'a' })).headers.location, `${POTHOLE}/check-answers`);
  const check = await person.get(`${POTHOLE}/check-answers?lang=cy`);
  inEnglish(check.body, 'check your answers');
  assert.equal((await person.post(`${POTHOLE}/check-answers`, {})).statusCode, 303);
  inEnglish((await person.get(`${POTHOLE}/confirmation?lang=cy`)).body, 'the confirmation');

  // The same browser (Welsh remembered) on a form offered in Welsh: Welsh, with the switch to English.
  const welsh = await person.get(`${FORM}/pages/licence-type`);
  assert.match(welsh.body, /<html lang="cy"/);
  assert.match(welsh.body, /govuk-language-navigation[\s\S]*English/);
  assert.match(welsh.body, /Pa fath o drwydded sydd ei hangen arnoch\?/);
});
