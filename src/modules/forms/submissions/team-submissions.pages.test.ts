import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { test } from 'node:test';
import { composeSearchText } from './submissions.ts';
import { createSubmissionStore } from './submission.store.ts';
import { parseCsv, potholeForm, reportPothole, startPotholeTeam } from './team-submissions.test-kit.ts';

const referencesIn = (html: string) => [...html.matchAll(/>(POT-[A-Z0-9]{6})<\/a>/g)].map((match) => match[1]);

test('the team searches a form’s submissions by reference, by words of an answer and by new or done, a page at a time, in English and Welsh', async (t) => {
  const { app, kernel, versions, formId, listPath, member } = await startPotholeTeam(t);
  const ffion = await reportPothole(app, { name: 'Ffion Jones', street: 'High Street', notes: ['Deep, near the school', 'Second one by the bus stop'] });
  const gwyn = await reportPothole(app, { name: 'Gwyn Evans', street: 'Heol y Bont', notes: [] });
  // 26 more, stored as submitting stores them, so the list has two pages.
  const store = createSubmissionStore(kernel.db);
  const definition = (await versions.findLive('report-a-pothole'))!;
  for (let index = 0; index < 26; index += 1) {
    const answers = { 'full-name': { values: [`Person ${index}`], complete: true }, street: { values: ['Station Road'], complete: true } };
    await store.insert({
      id: randomUUID(), reference: `POT-BULK${String(index).padStart(2, '0')}`, form_id: formId, version_id: definition.versionId, session_hash: randomUUID(), answers: JSON.stringify(answers),
      created_at: new Date(Date.UTC(2026, 0, 1, 0, index)).toISOString(), delivered_at: null, expires_at: '2999-01-01T00:00:00.000Z',
      payment_reference: null, pay_payment_id: null, payment_amount: null, done_at: null, done_by: null, search_text: composeSearchText(definition.definition, answers),
    });
  }
  const viewer = await member('viewer');
  const first = await viewer.send('GET', listPath);
  assert.equal(first.statusCode, 200);
  assert.match(first.body, /28 submissions/);
  assert.deepEqual(referencesIn(first.body).slice(0, 2), [gwyn, ffion], 'newest first');
  assert.equal(referencesIn(first.body).length, 25);
  assert.match(first.body, /govuk-tag govuk-tag--blue">New</);
  assert.match(first.body, /Download all submissions \(CSV\)/);
  const second = await viewer.send('GET', `${listPath}?page=2`);
  assert.equal(referencesIn(second.body).length, 3);
  assert.match(second.body, /govuk-pagination__prev/);

  const byReference = await viewer.send('GET', `${listPath}?q=${ffion.toLowerCase()}`);
  assert.deepEqual(referencesIn(byReference.body), [ffion], 'a reference in any case');
  assert.match(byReference.body, /1 submission</);
  assert.match(byReference.body, /Download the submissions that match \(CSV\)/);
  assert.deepEqual(referencesIn((await viewer.send('GET', `${listPath}?q=${encodeURIComponent('bus stop')}`)).body), [ffion], 'words of the second of several answers');
  assert.deepEqual(referencesIn((await viewer.send('GET', `${listPath}?q=${encodeURIComponent('HEOL Y')}`)).body), [gwyn], 'any case');
  assert.deepEqual(referencesIn((await viewer.send('GET', `${listPath}?q=${encodeURIComponent('%')}`)).body), [], '% and _ match only themselves');
  assert.deepEqual(referencesIn((await viewer.send('GET', `${listPath}?q=${encodeURIComponent('Person _')}`)).body), []);
  assert.match((await viewer.send('GET', `${listPath}?q=nobody-wrote-this`)).body, /No submissions match your search/);

  const owner = await member('owner');
  const view = await owner.send('GET', `${listPath}?q=${ffion}`);
  const href = /href="([^"]+)">POT-/.exec(view.body)?.[1] as string;
  const marked = await owner.send('POST', `${href}/status`, { status: 'done' });
  assert.equal(marked.statusCode, 303);
  assert.equal(marked.headers.location, `${href}?marked=done`);
  assert.match((await owner.send('GET', `${href}?marked=done`)).body, /Submission marked as done[\s\S]*govuk-tag--green">Done</);
  assert.deepEqual(referencesIn((await viewer.send('GET', `${listPath}?status=done`)).body), [ffion]);
  assert.equal(referencesIn((await viewer.send('GET', `${listPath}?status=new`)).body).length, 25);
  assert.deepEqual(referencesIn((await viewer.send('GET', `${listPath}?status=new&q=Ffion`)).body), []);

  const welsh = await viewer.send('GET', `${listPath}?status=done&lang=cy`);
  assert.match(welsh.body, /Chwilio cyflwyniadau[\s\S]*Cyfeirnod neu ateb[\s\S]*1 cyflwyniad[\s\S]*Wedi’i wneud/);
  const welshView = await viewer.send('GET', `${href}?lang=cy`);
  assert.match(welshView.body, /Cyflwyniad POT-[\s\S]*Wedi’i wneud[\s\S]*Beth yw eich enw\?/);
  assert.doesNotMatch(welshView.body, /Marcio fel/, 'a viewer is offered no button');
});

test('a search past its limit is an error on its field, in English and Welsh; nonsense status and page are read as none and the first', async (t) => {
  const { listPath, member } = await startPotholeTeam(t);
  const viewer = await member('viewer');
  const long = await viewer.send('GET', `${listPath}?q=${'a'.repeat(101)}`);
  assert.equal(long.statusCode, 400);
  assert.match(long.body, /govuk-error-summary[\s\S]*href="#q">Search must be 100 characters or fewer[\s\S]*govuk-error-message/);
  assert.match((await viewer.send('GET', `${listPath}?lang=cy&q=${'a'.repeat(101)}`)).body, /Rhaid i’r chwiliad fod yn 100 nod neu lai/);
  assert.equal((await viewer.send('GET', `${listPath}?q=${'a'.repeat(100)}`)).statusCode, 200);
  assert.equal((await viewer.send('GET', `${listPath}?q=${'%F0%9F%92%A5'.repeat(5000)}`)).statusCode, 400, 'a very long search: the same error, not a 500');
  assert.equal((await viewer.send('GET', `${listPath}?q=a&q=b&status[]=x&page=-1`)).statusCode, 200);
  assert.equal((await viewer.send('GET', `${listPath}?q=a%00b`)).statusCode, 400, 'a NUL is refused before the database (PostgreSQL would fail on it)');
  assert.equal((await viewer.send('GET', `${listPath}?q=a%ED%A0%80b`)).statusCode, 200, 'bytes that are not UTF-8 are read as U+FFFD and searched for, harmlessly');
  assert.equal((await viewer.send('GET', `${listPath}?page=99999999999999999999`)).statusCode, 200);
  const csv = await viewer.send('GET', `${listPath}.csv?q=${'a'.repeat(101)}`);
  assert.equal(csv.statusCode, 303, 'the CSV of a search too long sends to the page that says so');
});

test('the team downloads the submissions as CSV, all or the search’s: a row each, a column a question, several answers numbered, a file as its name and console link; hostile answers cannot run; audited without the answers', async (t) => {
  const { app, kernel, formId, listPath, member, ours } = await startPotholeTeam(t);
  const hostile = await reportPothole(app, { name: '=HYPERLINK("http://evil.example","Click")', street: '+cmd|\' /C calc\'!A0', notes: ['@SUM(1+1)', '-2+3'], photo: 'pothole.pdf' });
  const plain = await reportPothole(app, { name: 'Gwyn Evans', street: 'Heol y Bont', notes: [] });
  const viewer = await member('viewer');
  const all = await viewer.send('GET', `${listPath}.csv`);
  assert.equal(all.statusCode, 200);
  assert.equal(all.headers['content-type'], 'text/csv; charset=utf-8');
  assert.match(String(all.headers['content-disposition']), /^attachment; filename="report-a-pothole-submissions.csv"/);
  assert.equal(all.headers['cache-control'], 'no-store');
  const rows = parseCsv(all.body);
  assert.deepEqual(rows[0], ['Reference', 'Submitted at', 'Status', 'Marked done at', 'What is your name?', 'Which street is it on?', 'Anything else?', 'Upload a photo']);
  assert.equal(rows.length, 3, 'a header and a row a submission, oldest first');
  const [, first, second] = rows as [string[], string[], string[]];
  assert.equal(first[0], hostile);
  assert.equal(first[2], 'New');
  assert.equal(first[4], `'=HYPERLINK("http://evil.example","Click")`, 'a formula is text');
  assert.equal(first[5], `'+cmd|' /C calc'!A0`);
  assert.equal(first[6], '1. @SUM(1+1)\n2. -2+3', 'several answers, numbered (only the cell’s start can run, and it is a digit)');
  const fileId = (await kernel.db.withTables<{ forms_file: { id: string; submission_id: string | null } }>().selectFrom('forms_file').select('id').where('submission_id', 'is not', null).executeTakeFirst())?.id;
  assert.equal(first[7], `pothole.pdf (${kernel.config.BASE_URL}${listPath}/${/submissions\/([^/]+)\/files/.exec(first[7] ?? '')?.[1]}/files/${fileId})`);
  for (const cell of rows.flat()) assert.doesNotMatch(cell, /^[=+\-@\t\r]/, `no cell starts a formula: ${cell}`);
  assert.equal(second[0], plain);
  assert.equal(second[6], '');

  // The file's console link downloads it for a member, audited.
  const link = (first[7] ?? '').replace(/^.*\(|\)$/g, '').replace(kernel.config.BASE_URL, '');
  const download = await viewer.send('GET', link);
  assert.equal(download.statusCode, 200);
  assert.match(String(download.headers['content-disposition']), /^attachment; filename="pothole.pdf"/);

  const searched = parseCsv((await viewer.send('GET', `${listPath}.csv?q=heol`)).body);
  assert.deepEqual(searched.map((row) => row[0]), ['Reference', plain], 'the search’s result only');
  const owner = await member('owner');
  const viewPath = `${listPath}/${/href="[^"]*\/submissions\/([^"/]+)">POT/.exec((await owner.send('GET', `${listPath}?q=${plain}`)).body)?.[1]}`;
  await owner.send('GET', viewPath);
  await owner.send('POST', `${viewPath}/status`, { status: 'done' });
  const done = parseCsv((await viewer.send('GET', `${listPath}.csv?status=done`)).body);
  assert.deepEqual(done.map((row) => [row[0], row[2]]), [['Reference', 'Status'], [plain, 'Done']]);
  assert.match(done[1]?.[3] ?? '', /^\d{4}-\d{2}-\d{2}T/);

  const events = (await kernel.audit.listRecent({ subject: `form:${formId}`, limit: 50 })).filter((event) => event.action.startsWith('forms.submissions.downloaded') || event.action === 'forms.file.downloaded' || event.action.startsWith('forms.submission.marked'));
  const downloads = events.filter((event) => event.action === 'forms.submissions.downloaded');
  assert.equal(downloads.length, 3);
  for (const event of downloads) {
    assert.ok(event.details);
    assert.equal(event.details.organisationId, ours.organisationId);
    assert.equal(event.details.form, formId);
    assert.doesNotMatch(JSON.stringify(event), /heol|Gwyn|HYPERLINK/i, 'never the search nor the answers');
  }
  assert.deepEqual(downloads.map((event) => [event.details?.searched, event.details?.status, event.details?.submissions]).reverse(), [[false, 'any', 2], [true, 'any', 1], [false, 'done', 1]]);
  assert.ok(events.some((event) => event.action === 'forms.file.downloaded' && event.details?.file === fileId));
  assert.ok(events.some((event) => event.action === 'forms.submission.marked-done'));
});

test('marking: owners and developers mark done and new again (audited, once each); a viewer gets 403 and changes nothing; no CSRF token is refused; a status other than new or done is a 400', async (t) => {
  const { app, kernel, formId, listPath, member, ours, browser: browser_ } = await startPotholeTeam(t);
  const reference = await reportPothole(app, { name: 'Ffion Jones', street: 'High Street', notes: [] });
  const developer = await member('developer');
  const viewPath = `${listPath}/${/href="[^"]*\/submissions\/([^"/]+)">POT/.exec((await developer.send('GET', `${listPath}?q=${reference}`)).body)?.[1]}`;
  const page = await developer.send('GET', viewPath);
  assert.match(page.body, /name="_csrf"[\s\S]*name="status" value="done"[\s\S]*Mark as done/);
  const marks = async () => (await kernel.audit.listRecent({ subject: `form:${formId}`, limit: 50 })).filter((event) => event.action.startsWith('forms.submission.marked')).map((event) => event.action).reverse();
  assert.equal((await developer.send('POST', `${viewPath}/status`, { status: 'done' })).statusCode, 303);
  assert.equal((await developer.send('POST', `${viewPath}/status`, { status: 'done' })).statusCode, 303, 'a replay changes nothing');
  assert.match((await developer.send('GET', viewPath)).body, /Marked as done[\s\S]*name="status" value="new"[\s\S]*Mark as new/);
  assert.deepEqual(await marks(), ['forms.submission.marked-done']);
  assert.equal((await developer.send('POST', `${viewPath}/status`, { status: 'new' })).statusCode, 303);
  assert.deepEqual(await marks(), ['forms.submission.marked-done', 'forms.submission.marked-new']);

  const browser = await browser_();
  await browser.signInAs('viewer', ours.organisationId);
  const refused = await browser.send('POST', `${viewPath}/status`, { status: 'done' });
  assert.equal(refused.statusCode, 403);
  assert.match(refused.body, /You cannot change this/);
  await browser.signInAs('owner', ours.organisationId);
  const noToken = await browser.send('POST', `${viewPath}/status`, { status: 'done' }, { csrf: false });
  assert.equal(noToken.statusCode, 403, 'no CSRF token: refused');
  assert.match(noToken.body, /this form has expired/);
  assert.equal((await browser.send('POST', `${viewPath}/status`, { status: 'done', _csrf: 'forged' }, { csrf: false })).statusCode, 403, 'a forged token: refused');
  assert.equal((await developer.send('POST', `${viewPath}/status`, { status: 'archived' })).statusCode, 400);
  assert.deepEqual(await marks(), ['forms.submission.marked-done', 'forms.submission.marked-new'], 'nothing more was done');
  await browser.signInAs('viewer', ours.organisationId);
  assert.match((await browser.send('GET', listPath)).body, /govuk-tag--blue">New</);
});

test('another organisation’s member gets 404 on every submissions route of this form, whatever their role, and on its own organisation’s address for this form; signed out is sent to sign in', async (t) => {
  const { app, versions, listPath, member, ours, theirs, formId, browser: browser_ } = await startPotholeTeam(t);
  const browser = await browser_();
  await reportPothole(app, { name: 'Ffion Jones', street: 'High Street', notes: [], photo: 'pothole.pdf' });
  const owner = await member('owner');
  const viewPath = `${listPath}/${/href="[^"]*\/submissions\/([^"/]+)">POT/.exec((await owner.send('GET', listPath)).body)?.[1]}`;
  const filePath = /href="([^"]+\/files\/[^"]+)"/.exec((await owner.send('GET', viewPath)).body)?.[1] as string;
  assert.ok(filePath);
  const routes: Array<['GET' | 'POST', string]> = [['GET', listPath], ['GET', `${listPath}.csv`], ['GET', viewPath], ['POST', `${viewPath}/status`], ['GET', filePath]];
  for (const role of ['owner', 'developer', 'viewer'] as const) {
    await browser.signInAs(role, theirs.organisationId);
    for (const [method, path] of routes) {
      for (const url of [path, path.replace(ours.organisationId, theirs.organisationId)]) {
        const response = await browser.send(method, url, method === 'POST' ? { status: 'done' } : {});
        // A viewer's change under their own organisation is refused before anything is looked up.
        const expected = role === 'viewer' && method === 'POST' && url.includes(theirs.organisationId) ? 403 : 404;
        assert.equal(response.statusCode, expected, `${role}: ${method} ${url}`);
        assert.doesNotMatch(response.body, /Report a pothole|Ffion|POT-/);
      }
    }
  }
  // A submission of another form, or a file of another submission, under this form: not found.
  const { formId: otherFormId } = await versions.importForm({ serviceId: ours.serviceId, definition: { ...potholeForm(), slug: 'report-a-pothole-again' }, actor: 'operator:test' });
  assert.equal((await owner.send('GET', viewPath.replace(formId, otherFormId))).statusCode, 404);
  assert.equal((await owner.send('GET', filePath.replace(/submissions\/[^/]+\/files/, `submissions/${randomUUID()}/files`))).statusCode, 404);
  assert.equal((await owner.send('GET', filePath.replace(/files\/.*$/, `files/${randomUUID()}`))).statusCode, 404);
  await browser.signInAs(undefined, ours.organisationId);
  for (const [method, path] of routes) {
    const response = await browser.send(method, path, method === 'POST' ? { status: 'done' } : {});
    assert.equal(response.statusCode, 303, `signed out: ${method} ${path}`);
    assert.match(String(response.headers.location), /^\/console\/sign-in\?return=/);
  }
});
