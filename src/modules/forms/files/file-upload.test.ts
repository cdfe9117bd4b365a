import assert from 'node:assert/strict';
import { createServer, type Socket } from 'node:net';
import { test } from 'node:test';
import { createSubmissions } from '../submissions/submissions.ts';
import { errorsIn } from '../runner/runner.test-kit.ts';
import { createAnswerFileStore } from './answer-file.store.ts';
import { createClamdScanner, eicarOnlyScanner } from './file-scanner.ts';
import { EICAR_FILE, SMALL_JPG, SMALL_PDF, SMALL_PNG } from './file-samples.test-kit.ts';
import { createDocumentFormApp, DOCUMENT_FORM, DOCUMENT_PAGE } from './file-upload.test-kit.ts';

test('a person uploads a file: check your answers names it, it is kept with the submission until the retention period ends, and the team’s email links to it', async (t) => {
  const { kernel, formId, person } = await createDocumentFormApp(t);
  const uploaded = await person.upload(DOCUMENT_PAGE, { name: 'C:\\Users\\ffion\\payslip.png', bytes: SMALL_PNG, type: 'image/png' });
  assert.equal(uploaded.headers.location, `${DOCUMENT_FORM}/check-answers`);
  const check = await person.get(`${DOCUMENT_FORM}/check-answers`);
  assert.match(check.body, /payslip\.png/, 'the name without the folders the browser may send');

  const again = await person.get(DOCUMENT_PAGE);
  assert.match(again.body, /You have uploaded payslip\.png/);
  assert.equal((await person.upload(DOCUMENT_PAGE, undefined)).headers.location, `${DOCUMENT_FORM}/check-answers`, 'continuing without a file keeps the one given');

  await person.get(`${DOCUMENT_FORM}/check-answers`);
  const submittedAt = Date.now();
  await person.post(`${DOCUMENT_FORM}/check-answers`);
  const [submission] = await createSubmissions({ db: kernel.db, jobs: kernel.jobs }).listForForm(formId);
  assert.ok(submission);
  const [file] = await createAnswerFileStore(kernel.db).listOfSubmission(submission.id);
  assert.deepEqual({ filename: file?.filename, size: file?.size, type: file?.media_type }, { filename: 'payslip.png', size: SMALL_PNG.length, type: 'image/png' });
  const kept = await createAnswerFileStore(kernel.db).find(file?.id ?? '');
  const days = (Date.parse(kept?.expires_at ?? '') - submittedAt) / 86_400_000;
  assert.ok(days > 6.9 && days <= 7.01, 'kept for the form’s 7 days');

  await kernel.createWorker().runUntilIdle();
  await kernel.createWorker().runUntilIdle();
  const email = ((await kernel.developmentOutbox?.listRecent()) ?? []).find((message) => message.recipient === 'documents-team@example.gov.uk');
  const link = /http:\/\/[^\s]+\/forms\/files\/[0-9a-f-]{36}\?key=[A-Za-z0-9_-]+/.exec(email?.text ?? '')?.[0];
  assert.ok(link, 'the team’s email links to the file');
  const download = await person.app.inject({ method: 'GET', url: link.replace(/^http:\/\/[^/]+/, '') });
  assert.equal(download.statusCode, 200);
  assert.equal(download.headers['content-type'], 'image/png');
  assert.match(String(download.headers['content-disposition']), /^attachment; filename="payslip.png"/);
  assert.deepEqual(download.rawPayload, SMALL_PNG);
});

test('each fault of a file has the Design System’s message, in English and in Welsh, and nothing is kept', async (t) => {
  const { kernel, person } = await createDocumentFormApp(t);
  const refused = async (file: { name: string; bytes: Buffer } | undefined) => {
    const response = await person.upload(DOCUMENT_PAGE, file);
    assert.equal(response.headers.location, DOCUMENT_PAGE, 'the page redirects to itself');
    return errorsIn((await person.get(DOCUMENT_PAGE)).body);
  };
  assert.deepEqual(await refused(undefined), ['Select a file']);
  assert.deepEqual(await refused({ name: 'big.pdf', bytes: Buffer.concat([SMALL_PDF, Buffer.alloc(1024 * 1024)]) }), ['The selected file must be smaller than 1MB']);
  assert.deepEqual(await refused({ name: 'empty.pdf', bytes: Buffer.alloc(0) }), ['The selected file is empty']);
  assert.deepEqual(await refused({ name: 'photo.gif', bytes: Buffer.from('GIF89a') }), ['The selected file must be a PDF, JPG, PNG, DOCX, XLSX, ODT, CSV or TXT']);
  assert.deepEqual(await refused({ name: 'eicar.txt', bytes: EICAR_FILE }), ['The selected file contains a virus']);
  await person.get(`${DOCUMENT_PAGE}?lang=cy`);
  assert.deepEqual(await refused({ name: 'eicar.txt', bytes: EICAR_FILE }), ['Mae’r ffeil a ddewiswyd yn cynnwys feirws']);
  assert.deepEqual(await refused({ name: 'photo.gif', bytes: Buffer.from('GIF89a') }), ['Rhaid i’r ffeil a ddewiswyd fod yn PDF, JPG, PNG, DOCX, XLSX, ODT, CSV neu TXT']);
  assert.equal(await kernel.db.withTables<{ forms_file: { id: string } }>().selectFrom('forms_file').select('id').execute().then((rows) => rows.length), 0);
});

test('a file is its kind by its name and its content together, and a replaced file is not kept', async (t) => {
  const { kernel, person } = await createDocumentFormApp(t);
  const files = () => kernel.db.withTables<{ forms_file: { id: string; filename: string } }>().selectFrom('forms_file').select(['id', 'filename']).execute();
  for (const [name, bytes] of [['notes.txt', Buffer.from('Llyn Tegid\r\n')], ['list.csv', Buffer.from('a,b\n1,2\n')], ['scan.jpeg', SMALL_JPG], ['form.pdf', SMALL_PDF]] as const) {
    assert.equal((await person.upload(DOCUMENT_PAGE, { name, bytes })).headers.location, `${DOCUMENT_FORM}/check-answers`, `${name} is taken`);
    await person.get(DOCUMENT_PAGE);
  }
  assert.deepEqual((await files()).map((file) => file.filename), ['form.pdf'], 'each upload replaced the one before');
});

test('the default scanner refuses only the EICAR test file', async () => {
  assert.equal(await eicarOnlyScanner.scan(EICAR_FILE), 'infected');
  assert.equal(await eicarOnlyScanner.scan(SMALL_PDF), 'clean');
  assert.equal(await eicarOnlyScanner.scan(Buffer.concat([Buffer.alloc(200), EICAR_FILE])), 'clean', 'the test file counts only at the start, as the standard says');
});

/** A clamd stand-in on a real TCP port: reads INSTREAM chunks and answers as `reply` says. */
async function startFakeClamd(t: { after(fn: () => unknown): void }, reply: (received: Buffer) => string | undefined) {
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    sockets.add(socket);
    let buffered = Buffer.alloc(0);
    socket.on('data', (chunk) => {
      buffered = Buffer.concat([buffered, chunk]);
      if (!buffered.subarray(0, 10).equals(Buffer.from('zINSTREAM\0'))) return;
      let offset = 10;
      const content: Buffer[] = [];
      while (offset + 4 <= buffered.length) {
        const length = buffered.readUInt32BE(offset);
        if (length === 0) {
          const answer = reply(Buffer.concat(content));
          if (answer !== undefined) socket.end(`${answer}\0`);
          return;
        }
        if (offset + 4 + length > buffered.length) return;
        content.push(buffered.subarray(offset + 4, offset + 4 + length));
        offset += 4 + length;
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => {
    for (const socket of sockets) socket.destroy();
    server.close();
  });
  return `127.0.0.1:${(server.address() as { port: number }).port}`;
}

test('a clamd scanner (INSTREAM over TCP) is asked about the whole file; a virus, a garbled reply, no reply or no scanner refuses the file', async (t) => {
  const bigFile = Buffer.alloc(200 * 1024, 7);
  const address = await startFakeClamd(t, (received) => (received.equals(bigFile) ? 'stream: OK' : received.includes('EICAR') ? 'stream: Eicar-Test-Signature FOUND' : 'nonsense'));
  const scanner = createClamdScanner({ address });
  assert.equal(await scanner.scan(bigFile), 'clean', 'sent in chunks and reassembled');
  assert.equal(await scanner.scan(EICAR_FILE), 'infected');
  assert.equal(await scanner.scan(SMALL_PDF), 'failed');
  const silent = await startFakeClamd(t, () => undefined);
  assert.equal(await createClamdScanner({ address: silent, timeoutMs: 200 }).scan(SMALL_PDF), 'failed');
  const closed = createServer();
  await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
  const port = (closed.address() as { port: number }).port;
  await new Promise((resolve) => closed.close(resolve));
  assert.equal(await createClamdScanner({ address: `127.0.0.1:${port}` }).scan(SMALL_PDF), 'failed');
});

test('with FORMS_CLAMD_ADDRESS set, the runner asks clamd, and says "could not be uploaded" when it cannot tell', async (t) => {
  const address = await startFakeClamd(t, (received) => (received.equals(SMALL_PNG) ? 'stream: OK' : 'stream: ERROR'));
  const { person } = await createDocumentFormApp(t, { FORMS_CLAMD_ADDRESS: address });
  assert.equal((await person.upload(DOCUMENT_PAGE, { name: 'odd.pdf', bytes: SMALL_PDF })).headers.location, DOCUMENT_PAGE);
  assert.deepEqual(errorsIn((await person.get(DOCUMENT_PAGE)).body), ['The selected file could not be uploaded – try again']);
  assert.equal((await person.upload(DOCUMENT_PAGE, { name: 'photo.png', bytes: SMALL_PNG })).headers.location, `${DOCUMENT_FORM}/check-answers`);
});
