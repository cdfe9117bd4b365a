import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createAnswerFileStore } from '../files/answer-file.store.ts';
import { createTeamLinks } from '../files/team-links.ts';
import { SMALL_PDF } from '../files/file-samples.test-kit.ts';
import { createDocumentFormApp, DOCUMENT_FORM, DOCUMENT_PAGE, documentForm } from '../files/file-upload.test-kit.ts';
import { createRetentionJob, ensureRetentionScheduled, removeExpired, RETENTION_JOB } from '../retention/retention.job.ts';
import { both, Visitor } from '../runner/runner.test-kit.ts';
import { createFormVersions } from '../versions/form-versions.ts';
import { composeSubmissionCsv } from './submission-csv.ts';
import { createSubmissions } from './submissions.ts';
import { parseCsv } from './team-submissions.test-kit.ts';

/** The document form with an email question first, so the person can be sent a confirmation. */
function formWithEmail() {
  const form = documentForm();
  return { ...form, pages: [{ id: 'email', answerType: 'email', question: both('What is your email address?', 'Beth yw eich cyfeiriad e-bost?') }, { id: 'note', answerType: 'text', question: both('Anything to add?', 'Unrhyw beth i’w ychwanegu?'), optional: true }, ...form.pages] };
}

async function fillIn(person: Visitor, input: { email: string; note: string; language: 'en' | 'cy' }) {
  await person.answer(`${DOCUMENT_FORM}/pages/email?lang=${input.language}`, { answer: input.email }, `${DOCUMENT_FORM}/pages/note`);
  await person.answer(`${DOCUMENT_FORM}/pages/note`, { answer: input.note }, DOCUMENT_PAGE);
  await person.get(DOCUMENT_PAGE);
  await person.upload(DOCUMENT_PAGE, { name: 'form.pdf', bytes: SMALL_PDF });
  await person.get(`${DOCUMENT_FORM}/check-answers`);
  await person.post(`${DOCUMENT_FORM}/check-answers`);
  return /<strong>(DOC-[A-Z0-9]{6})<\/strong>/.exec((await person.get(`${DOCUMENT_FORM}/confirmation`)).body)?.[1];
}

test('the person gets a confirmation email with the reference, in the language they used; the team gets a CSV link whose cells cannot run as formulas', async (t) => {
  const { app, kernel } = await createDocumentFormApp(t);
  await createFormVersions({ db: kernel.db, audit: kernel.audit }).importForm({ serviceId: 'service-a', definition: formWithEmail(), actor: 'operator:test' });
  const english = await fillIn(new Visitor(app), { email: 'ffion@example.com', note: '=HYPERLINK("http://evil.example","Click")', language: 'en' });
  const welsh = await fillIn(new Visitor(app), { email: 'gwyn@example.com', note: 'Dim', language: 'cy' });
  await kernel.createWorker().runUntilIdle();
  await kernel.createWorker().runUntilIdle();
  const emails = (await kernel.developmentOutbox?.listRecent()) ?? [];
  const toFfion = emails.find((message) => message.recipient === 'ffion@example.com');
  assert.equal(toFfion?.subject, 'Send a document: we have your form');
  assert.match(toFfion?.text ?? '', new RegExp(`Your reference number is ${english}`));
  assert.doesNotMatch(toFfion?.text ?? '', /HYPERLINK/, 'no answers in the person’s email');
  const toGwyn = emails.find((message) => message.recipient === 'gwyn@example.com');
  assert.equal(toGwyn?.subject, 'Anfon dogfen: rydym wedi cael eich ffurflen');
  assert.match(toGwyn?.text ?? '', new RegExp(`Eich cyfeirnod yw ${welsh}`));

  const teamEmail = emails.find((message) => message.recipient === 'documents-team@example.gov.uk' && message.text.includes(english ?? '-'));
  const link = /http:\/\/[^\s]+\/answers\.csv\?key=[A-Za-z0-9_-]+/.exec(teamEmail?.text ?? '')?.[0];
  assert.ok(link, 'the team’s email links to the CSV');
  const response = await app.inject({ method: 'GET', url: link.replace(/^http:\/\/[^/]+/, '') });
  assert.equal(response.statusCode, 200);
  assert.match(String(response.headers['content-disposition']), new RegExp(`attachment; filename="${english}.csv"`));
  const [header, row] = parseCsv(response.body);
  assert.deepEqual(header, ['Reference', 'Submitted at', 'What is your email address?', 'Anything to add?', 'Upload your document']);
  assert.equal(row?.[0], english);
  assert.deepEqual(row?.slice(2), ['ffion@example.com', `'=HYPERLINK("http://evil.example","Click")`, 'form.pdf']);
  assert.equal((await app.inject({ method: 'GET', url: link.replace(/key=.*/, 'key=wrong') })).statusCode, 404);
});

test('CSV cells: every formula lead is escaped, quotes doubled, lines kept inside the cell', () => {
  const definition = { ...documentForm(), pages: [{ id: 'a', answerType: 'text', question: { en: 'Say "hi"' }, settings: { multiline: true } }] } as never;
  for (const lead of ['=', '+', '-', '@', '\t', '\r']) {
    const csv = composeSubmissionCsv({ definition, reference: 'R', submittedAt: 'S', answers: { a: { values: [`${lead}1+1`], complete: true } } });
    assert.equal(parseCsv(csv)[1]?.[2], `'${lead}1+1`);
  }
  const csv = composeSubmissionCsv({ definition, reference: 'R', submittedAt: 'S', answers: { a: { values: ['one\ntwo "three"'], complete: true } } });
  assert.deepEqual(parseCsv(csv), [['Reference', 'Submitted at', 'Say "hi"'], ['R', 'S', 'one\ntwo "three"']]);
});

test('retention: after the form’s period the answers and files are deleted (and their links are gone); before it, and other forms’ longer periods, they are kept', async (t) => {
  const { app, kernel, formId, person } = await createDocumentFormApp(t);
  const long = { ...documentForm(), slug: 'keep-a-year', settings: { ...documentForm().settings, retentionDays: 365 } };
  await createFormVersions({ db: kernel.db, audit: kernel.audit }).importForm({ serviceId: 'service-a', definition: long, actor: 'operator:test' });
  await person.upload(DOCUMENT_PAGE, { name: 'form.pdf', bytes: SMALL_PDF });
  await person.get(`${DOCUMENT_FORM}/check-answers`);
  await person.post(`${DOCUMENT_FORM}/check-answers`);
  const other = new Visitor(app);
  await other.get('/forms/keep-a-year/pages/document');
  await other.upload('/forms/keep-a-year/pages/document', { name: 'kept.pdf', bytes: SMALL_PDF });
  await other.get('/forms/keep-a-year/check-answers');
  await other.post('/forms/keep-a-year/check-answers');
  const abandoned = new Visitor(app);
  await abandoned.get(DOCUMENT_PAGE);
  await abandoned.upload(DOCUMENT_PAGE, { name: 'left.pdf', bytes: SMALL_PDF });

  const submissions = createSubmissions({ db: kernel.db, jobs: kernel.jobs });
  const [submission] = await submissions.listForForm(formId);
  assert.ok(submission);
  const day = 86_400_000;
  assert.deepEqual(await removeExpired(kernel.db, new Date(Date.now() + day / 2)), { submissions: 0, files: 0 }, 'nothing within 20 hours');
  assert.deepEqual(await removeExpired(kernel.db, new Date(Date.now() + day)), { submissions: 0, files: 1 }, 'the abandoned file goes with its session');
  assert.deepEqual(await removeExpired(kernel.db, new Date(Date.now() + 6.9 * day)), { submissions: 0, files: 0 }, 'nothing submitted before 7 days');
  const links = createTeamLinks({ encryptionKey: kernel.config.ENCRYPTION_KEY, baseUrl: '' });
  const [file] = await createAnswerFileStore(kernel.db).listOfSubmission(submission.id);
  assert.equal((await app.inject({ method: 'GET', url: links.linkToFile(file?.id ?? '') })).statusCode, 200);

  const job = createRetentionJob(kernel, () => new Date(Date.now() + 8 * day));
  await job.run({ id: 'test', type: RETENTION_JOB, payload: {}, attempt: 1, maxAttempts: 1, leaseToken: 'test' });
  assert.equal((await submissions.listForForm(formId)).length, 0, 'the 7-day form’s submission is gone');
  assert.deepEqual((await createAnswerFileStore(kernel.db).listOfSubmission(submission.id)).length, 0, 'and its file');
  const remaining = await kernel.db.withTables<{ forms_file: { filename: string } }>().selectFrom('forms_file').select('filename').execute();
  assert.deepEqual(remaining.map((file) => file.filename), ['kept.pdf'], 'the year-long form’s file stays');
  const audit = await kernel.audit.search({ action: 'forms.retention.deleted' });
  assert.equal(audit.length, 1);
  for (const url of [links.linkToFile(file?.id ?? ''), links.linkToAnswersCsv(submission.id)]) assert.equal((await app.inject({ method: 'GET', url })).statusCode, 404, `${url} is gone`);
});

test('the retention run is booked once however many processes start, and books its own next run', async (t) => {
  const { kernel } = await createDocumentFormApp(t);
  await Promise.all([ensureRetentionScheduled(kernel), ensureRetentionScheduled(kernel), ensureRetentionScheduled(kernel)]);
  const pending = (await kernel.jobs.list({ status: 'pending' })).filter((job) => job.type === RETENTION_JOB);
  assert.equal(pending.length, 1, 'the app’s start booked one; later starts book none');
});
