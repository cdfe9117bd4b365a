import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MAX_REPEATS } from './answers.ts';
import { answerUpToBoats, createRunnerTestApp, FORM, readExampleForm, Visitor } from './runner.test-kit.ts';
import { createSubmissions } from '../submissions/submissions.ts';

test("another person's session: no cookie, a forged cookie, or one from another form sees none of the answers", async (t) => {
  const other = readExampleForm();
  other.slug = 'other-form';
  const { app, versions } = await createRunnerTestApp(t);
  await versions.importForm({ serviceId: 'service-a', definition: other, actor: 'operator:test' });
  const owner = new Visitor(app);
  await owner.answer(`${FORM}/pages/licence-type`, { answer: 'rod' }, `${FORM}/pages/full-name`);
  await owner.answer(`${FORM}/pages/full-name`, { first_name: 'Secret', last_name: 'Person' }, `${FORM}/pages/organisation`);

  const stranger = new Visitor(app);
  assert.equal((await stranger.get(`${FORM}/pages/full-name`)).headers.location, `${FORM}/pages/licence-type`);
  stranger.cookies.set('forms_session', 'forged-token-value');
  assert.equal((await stranger.get(`${FORM}/pages/full-name`)).headers.location, `${FORM}/pages/licence-type`);
  stranger.cookies.set('forms_session', `${owner.cookies.get('forms_session')}x`);
  assert.equal((await stranger.get(`${FORM}/pages/full-name`)).headers.location, `${FORM}/pages/licence-type`);

  // The owner's token presented to another form is not a session there.
  const elsewhere = new Visitor(app);
  elsewhere.cookies.set('forms_session', owner.cookies.get('forms_session') as string);
  assert.equal((await elsewhere.get('/forms/other-form/pages/full-name')).headers.location, '/forms/other-form/pages/licence-type');
  const shown = await owner.get(`${FORM}/pages/full-name`);
  assert.match(shown.body, /value="Secret"/, 'the owner still sees their own answer');
  const cookie = (await owner.post(`${FORM}/pages/licence-type`, { answer: 'rod' })).headers['set-cookie'];
  assert.equal(cookie, undefined, 'a session is not replaced once started');
});

test('skipping pages by URL and posting to pages not on the route: redirected to where the journey is, nothing stored', async (t) => {
  const { app } = await createRunnerTestApp(t);
  const person = new Visitor(app);
  await person.get(`${FORM}/pages/licence-type`);
  for (const path of ['/pages/email', '/check-answers', '/confirmation', '/exit/cannot-apply', '/pages/boat-name/add-another', '/pages/licence-type?item=3']) {
    assert.equal((await person.get(`${FORM}${path}`)).headers.location, `${FORM}/pages/licence-type`, path);
  }
  const skipped = await person.post(`${FORM}/pages/email`, { answer: 'a@example.com' });
  assert.equal(skipped.headers.location, `${FORM}/pages/licence-type`);
  assert.equal(person.cookies.has('forms_session'), false, 'nothing was saved');
  assert.equal((await person.post(`${FORM}/check-answers`)).headers.location, `${FORM}/pages/licence-type`);

  await person.answer(`${FORM}/pages/licence-type`, { answer: 'net' }, `${FORM}/pages/organisation`);
  const offRoute = await person.post(`${FORM}/pages/full-name`, { first_name: 'Not', last_name: 'Asked' });
  assert.equal(offRoute.headers.location, `${FORM}/pages/organisation`, 'a page the route skips takes no answer');
  assert.equal((await person.get(`${FORM}/pages/rods`)).headers.location, `${FORM}/pages/organisation`);
  assert.equal((await person.get(`${FORM}/pages/no-such-page`)).statusCode, 404);
  assert.equal((await person.get('/forms/no-such-form')).statusCode, 404);
  assert.equal((await person.get(`${FORM}/pages/${'x'.repeat(65)}`)).statusCode, 400);
  const withoutCsrf = await person.post(`${FORM}/pages/organisation`, { answer: 'Acme' }, { csrf: false });
  assert.equal(withoutCsrf.statusCode, 403);
});

test('replay: a second POST of the declaration, at once or later, gives one submission and the same reference; a submitted journey takes no more answers', async (t) => {
  const { app, kernel, formId } = await createRunnerTestApp(t);
  const person = new Visitor(app);
  await answerUpToBoats(person);
  await person.answer(`${FORM}/pages/boat-name`, { answer: 'Morwennol' }, `${FORM}/pages/boat-name/add-another`);
  await person.post(`${FORM}/pages/boat-name/add-another`, { add_another: 'no' });
  await person.answer(`${FORM}/pages/experience`, {}, `${FORM}/pages/licence-photo`);
  await person.answer(`${FORM}/pages/licence-photo`, {}, `${FORM}/check-answers`);
  await person.get(`${FORM}/check-answers`);

  const twice = await Promise.all([person.post(`${FORM}/check-answers`), person.post(`${FORM}/check-answers`)]);
  assert.deepEqual(twice.map((response) => response.headers.location), [`${FORM}/confirmation`, `${FORM}/confirmation`]);
  assert.equal((await person.post(`${FORM}/check-answers`)).headers.location, `${FORM}/confirmation`);
  const submissions = await createSubmissions({ db: kernel.db, jobs: kernel.jobs }).listForForm(formId);
  assert.equal(submissions.length, 1, 'one submission');
  const jobs = (await kernel.jobs.list({ status: 'pending' })).filter((job) => job.type === 'forms.deliver-submission');
  assert.equal(jobs.length, 1, 'one delivery');
  const figures = (await app.metrics.render()).body;
  assert.match(figures, /civitas_forms_submissions_total\{outcome="created"\} 1\n/);
  const confirmation = await person.get(`${FORM}/confirmation`);
  assert.ok(confirmation.body.includes(submissions[0]?.reference as string));

  const late = await person.post(`${FORM}/pages/email`, { answer: 'changed@example.com' });
  assert.equal(late.headers.location, `${FORM}/confirmation`);
  assert.equal((await person.get(`${FORM}/pages/email`)).headers.location, `${FORM}/confirmation`);
  const stored = await createSubmissions({ db: kernel.db, jobs: kernel.jobs }).listForForm(formId);
  assert.equal(JSON.parse(stored[0]?.answers ?? '{}').email.values[0], 'ffion@example.com', 'the submission is unchanged');

  // The form's address after submitting starts afresh, without the old answers.
  const again = await person.get(FORM);
  assert.equal(again.headers.location, `${FORM}/pages/licence-type`);
  assert.equal(person.cookies.has('forms_session'), false);
});

test('input past every limit: answer lengths, repeat counts, body size, field counts and list sizes', async (t) => {
  const { app } = await createRunnerTestApp(t);
  const person = new Visitor(app);
  await answerUpToBoats(person);

  for (let item = 0; item < MAX_REPEATS; item += 1) {
    const saved = await person.post(`${FORM}/pages/boat-name?item=${item}`, { answer: `Boat ${item}` });
    assert.equal(saved.headers.location, `${FORM}/pages/boat-name/add-another`);
  }
  const atLimit = await person.get(`${FORM}/pages/boat-name/add-another`);
  assert.match(atLimit.body, /You have added the most answers this question takes/);
  const more = await person.refused(`${FORM}/pages/boat-name/add-another`, { add_another: 'yes' });
  assert.match(more.body, /You cannot add more than 50 answers/);
  assert.equal((await person.post(`${FORM}/pages/boat-name?item=${MAX_REPEATS}`, { answer: 'One too many' })).headers.location, `${FORM}/pages/boat-name/add-another`);
  assert.equal((await person.get(`${FORM}/pages/boat-name?item=${MAX_REPEATS + 5}`)).headers.location, `${FORM}/pages/boat-name/add-another`);
  await person.post(`${FORM}/pages/boat-name/add-another`, { add_another: 'no' });

  const long = await person.refused(`${FORM}/pages/experience`, { answer: 'x'.repeat(5_000) });
  assert.match(long.body, /The answer must be 4999 characters or fewer/);
  const huge = await person.post(`${FORM}/pages/experience`, { answer: 'x'.repeat(200_000) });
  assert.equal(huge.statusCode, 413, 'a body past 128 KB is refused before it is read');
  const manyFields = Object.fromEntries(Array.from({ length: 40 }, (_, index) => [`field${index}`, 'x']));
  assert.equal((await person.post(`${FORM}/pages/experience`, manyFields)).statusCode, 400);
  const manyChoices = await person.post(`${FORM}/pages/waters`, { answer: Array.from({ length: 1_002 }, () => 'sea') });
  assert.equal(manyChoices.statusCode, 400);
  const repeated = await person.refused(`${FORM}/pages/waters`, { answer: ['sea', 'sea', 'rivers', 'lakes', 'ocean'] });
  assert.match(repeated.body, /Select an answer from the list/);
});

test('hostile markdown in guidance and exit pages is shown as text: no script, no javascript: or data: links, no images', async (t) => {
  const form = readExampleForm();
  form.pages[0].guidance.en = '<script>alert(1)</script>\n\n[click](javascript:alert(1)) [data](data:text/html,<b>x</b>) ![x](https://evil.example/x.png" onerror="alert(1))\n\n<img src=x onerror=alert(1)>\n\n[ok](https://example.gov.uk/ok "title")';
  form.exitPages[0].body.en = '<iframe src="https://evil.example"></iframe>';
  const { app } = await createRunnerTestApp(t, form);
  const person = new Visitor(app);
  const page = await person.get(`${FORM}/pages/licence-type`);
  const main = page.body.slice(page.body.indexOf('<main'), page.body.indexOf('</main>'));
  assert.doesNotMatch(main, /<script|<img|<iframe|href="(?!https:)|<[^>]*\sonerror=/, 'nothing runs, embeds or links anywhere but https');
  assert.match(main, /&lt;script&gt;alert\(1\)&lt;\/script&gt;/);
  assert.match(main, /<a href="https:\/\/example.gov.uk\/ok" title="title" class="govuk-link">ok<\/a>/);
  await person.answer(`${FORM}/pages/licence-type`, { answer: 'none' }, `${FORM}/exit/cannot-apply`);
  const exit = await person.get(`${FORM}/exit/cannot-apply`);
  assert.match(exit.body, /&lt;iframe/);
  assert.doesNotMatch(exit.body, /<iframe/);
});

test('a person halfway through an old version finishes on it after a new version goes live; a newcomer gets the new one', async (t) => {
  const { app, kernel, versions, formId } = await createRunnerTestApp(t);
  const early = new Visitor(app);
  await answerUpToBoats(early);

  const changed = readExampleForm();
  changed.pages = changed.pages.filter((page: { id: string }) => page.id !== 'boat-name');
  changed.pages[0].question.en = 'Which licence do you want?';
  const draft = await versions.createDraft({ formId, definition: changed, actor: 'operator:test' });
  await versions.publish({ formId, versionId: draft, actor: 'operator:test' });

  const newcomer = new Visitor(app);
  assert.match((await newcomer.get(`${FORM}/pages/licence-type`)).body, /Which licence do you want\?/);
  await early.answer(`${FORM}/pages/boat-name`, { answer: 'Morwennol' }, `${FORM}/pages/boat-name/add-another`);
  await early.post(`${FORM}/pages/boat-name/add-another`, { add_another: 'no' });
  await early.answer(`${FORM}/pages/experience`, {}, `${FORM}/pages/licence-photo`);
  await early.answer(`${FORM}/pages/licence-photo`, {}, `${FORM}/check-answers`);
  await early.get(`${FORM}/check-answers`);
  assert.equal((await early.post(`${FORM}/check-answers`)).headers.location, `${FORM}/confirmation`);
  const [submission] = await createSubmissions({ db: kernel.db, jobs: kernel.jobs }).listForForm(formId);
  const firstVersion = (await versions.listVersions(formId))[0];
  assert.equal(submission?.version_id, firstVersion?.id, 'submitted on the version it started');
  assert.deepEqual(JSON.parse(submission?.answers ?? '{}')['boat-name'].values, ['Morwennol']);
});

test('hostile answers are shown as text on "add another" and check your answers', async (t) => {
  const { app } = await createRunnerTestApp(t);
  const person = new Visitor(app);
  await answerUpToBoats(person);
  await person.answer(`${FORM}/pages/boat-name`, { answer: '<script>alert(1)</script>' }, `${FORM}/pages/boat-name/add-another`);
  const list = await person.get(`${FORM}/pages/boat-name/add-another`);
  assert.match(list.body, /&lt;script&gt;alert\(1\)&lt;\/script&gt;/);
  assert.doesNotMatch(list.body, /<script>alert/);
  await person.post(`${FORM}/pages/boat-name/add-another`, { add_another: 'no' });
  await person.answer(`${FORM}/pages/experience`, { answer: '<img src=x onerror=alert(1)>\nline two' }, `${FORM}/pages/licence-photo`);
  await person.answer(`${FORM}/pages/licence-photo`, {}, `${FORM}/check-answers`);
  const check = await person.get(`${FORM}/check-answers`);
  assert.match(check.body, /&lt;img src=x onerror=alert\(1\)&gt;<br>line two/);
  assert.doesNotMatch(check.body, /<script>alert|<img src=x/);
});
