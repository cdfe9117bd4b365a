import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createSubmissions } from '../submissions/submissions.ts';
import { errorsIn, Visitor } from '../runner/runner.test-kit.ts';
import { createAnswerFileStore } from './answer-file.store.ts';
import { createTeamLinks } from './team-links.ts';
import { SMALL_PDF, SMALL_PNG } from './file-samples.test-kit.ts';
import { createDocumentFormApp, DOCUMENT_FORM, DOCUMENT_PAGE } from './file-upload.test-kit.ts';
import { MAX_FILE_BYTES } from './multipart-upload.ts';

const BOUNDARY = 'xYzZY';
const multipart = (...parts: string[]) => ({ payload: parts.join('\r\n'), contentType: `multipart/form-data; boundary=${BOUNDARY}` });

test('malformed or oversized multipart bodies are a 400 page (or, where the parser reads them as a form without a file, "Select a file"), never a 500, and keep nothing', async (t) => {
  const { kernel, person } = await createDocumentFormApp(t);
  const csrf = `--${BOUNDARY}\r\nContent-Disposition: form-data; name="_csrf"\r\n\r\n${person.csrfToken}`;
  const file = (name: string, body: string) => `--${BOUNDARY}\r\nContent-Disposition: form-data; name="answer"; filename="${name}"\r\nContent-Type: application/pdf\r\n\r\n${body}`;
  const bodies = {
    'no boundary': { payload: 'whatever', contentType: 'multipart/form-data' },
    'a boundary that never comes': { payload: 'no parts here at all', contentType: `multipart/form-data; boundary=${BOUNDARY}` },
    'cut off in a part': multipart(csrf, file('a.pdf', '%PDF-1.4 and then nothing')),
    'a part without headers': multipart(csrf, `--${BOUNDARY}\r\n\r\nvalue`, `--${BOUNDARY}--`),
    'a broken part header': multipart(csrf, `--${BOUNDARY}\r\nContent-Disposition form-data name=answer\r\n\r\nx`, `--${BOUNDARY}--`),
    'two files': multipart(csrf, file('a.pdf', '%PDF-1.4'), file('b.pdf', '%PDF-1.4'), `--${BOUNDARY}--`),
    'a field past its limit': multipart(csrf, `--${BOUNDARY}\r\nContent-Disposition: form-data; name="note"\r\n\r\n${'x'.repeat(100_001)}`, `--${BOUNDARY}--`),
    'too many parts': multipart(csrf, ...Array.from({ length: 40 }, (_, index) => `--${BOUNDARY}\r\nContent-Disposition: form-data; name="f${index}"\r\n\r\nx`), `--${BOUNDARY}--`),
    'a field named __proto__': multipart(csrf, `--${BOUNDARY}\r\nContent-Disposition: form-data; name="__proto__"\r\n\r\nx`, `--${BOUNDARY}--`),
  };
  for (const [name, body] of Object.entries(bodies)) {
    const response = await person.send(DOCUMENT_PAGE, body);
    if (response.statusCode === 303) {
      assert.equal(response.headers.location, DOCUMENT_PAGE, `${name}: read as a form without a file`);
      continue;
    }
    assert.ok(response.statusCode === 400 || response.statusCode === 403, `${name}: ${response.statusCode}`);
    assert.match(response.body, /govuk-heading-l/, `${name}: a GOV.UK error page`);
  }
  const files = await kernel.db.withTables<{ forms_file: { id: string } }>().selectFrom('forms_file').select('id').execute();
  assert.equal(files.length, 0);
});

test('a file past the largest any question takes is refused with its message, the rest unread', async (t) => {
  const { person } = await createDocumentFormApp(t);
  const response = await person.upload(DOCUMENT_PAGE, { name: 'huge.pdf', bytes: Buffer.concat([SMALL_PDF, Buffer.alloc(MAX_FILE_BYTES + 10)]) });
  assert.equal(response.headers.location, DOCUMENT_PAGE);
  assert.deepEqual(errorsIn((await person.get(DOCUMENT_PAGE)).body), ['The selected file must be smaller than 1MB']);
});

test('content decides: a PNG named .pdf, a page of HTML named .png, and a script named .txt are refused', async (t) => {
  const { person } = await createDocumentFormApp(t);
  for (const [name, bytes] of [['photo.pdf', SMALL_PNG], ['photo.png', Buffer.from('<html><script>alert(1)</script></html>')], ['run.txt', Buffer.from('MZ\x90\x00\x03\x00\x00\x00', 'latin1')], ['no-extension', SMALL_PDF]] as const) {
    assert.equal((await person.upload(DOCUMENT_PAGE, { name, bytes })).headers.location, DOCUMENT_PAGE, name);
    assert.match(errorsIn((await person.get(DOCUMENT_PAGE)).body)[0] ?? '', /must be a PDF/, name);
  }
});

test('no CSRF token, no file; an answer cannot be posted as a field (a file id), nor a file smuggled onto another page', async (t) => {
  const { app, kernel, person } = await createDocumentFormApp(t);
  const stranger = new Visitor(app);
  stranger.csrfToken = person.csrfToken;
  assert.equal((await stranger.upload(DOCUMENT_PAGE, { name: 'a.pdf', bytes: SMALL_PDF })).statusCode, 403, 'another browser’s token is refused');
  assert.equal((await person.post(DOCUMENT_PAGE, { answer: '00000000-0000-4000-8000-000000000000' })).headers.location, DOCUMENT_PAGE);
  assert.deepEqual(errorsIn((await person.get(DOCUMENT_PAGE)).body), ['Select a file']);
  assert.equal((await person.upload(`${DOCUMENT_FORM}/check-answers`, { name: 'a.pdf', bytes: SMALL_PDF })).headers.location, DOCUMENT_PAGE, 'a page not reached redirects');
  const files = await kernel.db.withTables<{ forms_file: { id: string } }>().selectFrom('forms_file').select('id').execute();
  assert.equal(files.length, 0);
});

test('the team’s link: a wrong key, another file’s key, or a file not submitted is not found; a replayed submit attaches nothing twice', async (t) => {
  const { app, kernel, formId, person } = await createDocumentFormApp(t);
  const links = createTeamLinks({ encryptionKey: kernel.config.ENCRYPTION_KEY, baseUrl: '' });
  await person.upload(DOCUMENT_PAGE, { name: 'a.pdf', bytes: SMALL_PDF });
  const [pending] = await kernel.db.withTables<{ forms_file: { id: string } }>().selectFrom('forms_file').select('id').execute();
  assert.ok(pending);
  assert.equal((await app.inject({ method: 'GET', url: links.linkToFile(pending.id) })).statusCode, 404, 'not submitted yet');
  await person.get(`${DOCUMENT_FORM}/check-answers`);
  await person.post(`${DOCUMENT_FORM}/check-answers`);
  await person.post(`${DOCUMENT_FORM}/check-answers`);
  assert.equal((await app.inject({ method: 'GET', url: links.linkToFile(pending.id) })).statusCode, 200);
  const otherKey = new URL(links.linkToFile('11111111-1111-4111-8111-111111111111'), 'http://x').searchParams.get('key');
  for (const url of [`/forms/files/${pending.id}?key=${otherKey}`, `/forms/files/${pending.id}?key=`, `/forms/files/${pending.id}`, `/forms/files/..%2F..%2Fetc?key=x`]) {
    const status = (await app.inject({ method: 'GET', url })).statusCode;
    assert.ok(status === 404 || status === 400, `${url}: ${status}`);
  }
  const [submission] = await createSubmissions({ db: kernel.db, jobs: kernel.jobs }).listForForm(formId);
  assert.equal((await createAnswerFileStore(kernel.db).listOfSubmission(submission?.id ?? '')).length, 1);
});
