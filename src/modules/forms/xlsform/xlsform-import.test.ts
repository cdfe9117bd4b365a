import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { createTestDatabase } from '../../../platform/testing/test-database.ts';
import { runCivitas } from '../../../testing/civitas-cli.ts';
import { createRunnerTestApp, errorsIn, Visitor } from '../runner/runner.test-kit.ts';
import { convertXlsform } from './convert-xlsform.ts';
import { readXlsformWorkbook } from './read-workbook.ts';
import { XLSX_LIMITS } from './xlsx-archive.ts';
import { BOAT_XLSFORM, buildWorkbook, buildZip, type SheetCells } from './xlsform.test-kit.ts';

const FORM = '/forms/register-fishing-boat';
const COMMAND = 'civitas forms import-xlsform';

/** `civitas ...` as an operator runs it, in this process. */
const civitas = (databaseUrl: string, ...args: string[]) => runCivitas({ DATABASE_URL: databaseUrl, BASE_URL: 'http://localhost:3000' }, ...args);

/** A migrated database with a console service, and a folder for the files a test writes. */
async function createCliWorld(t: TestContext) {
  const database = await createTestDatabase();
  const folder = await mkdtemp(join(tmpdir(), 'forms-xlsform-'));
  t.after(async () => {
    await database.drop();
    await rm(folder, { recursive: true, force: true });
  });
  assert.equal((await civitas(database.url, 'migrate')).exitCode, 0);
  const organisation = await civitas(database.url, 'console', 'organisation', 'add', '--name', 'Department for Boats', '--owner-email', 'bryn@example.gov.uk', '--type', 'department', '--json');
  const service = await civitas(database.url, 'console', 'service', 'add', '--organisation', JSON.parse(organisation.stdout).organisation_id, '--name', 'Fishing boats', '--json');
  const write = async (name: string, bytes: Buffer) => {
    await writeFile(join(folder, name), bytes);
    return join(folder, name);
  };
  return { databaseUrl: database.url, serviceId: JSON.parse(service.stdout).service_id as string, folder, write };
}

async function convertBoatForm() {
  const read = await readXlsformWorkbook(await buildWorkbook(BOAT_XLSFORM));
  const converted = read.sheets && convertXlsform(read.sheets, { fallbackFormId: 'boat' });
  assert.ok(converted?.definition);
  return converted.definition;
}

test('forms import-xlsform publishes the XLSForm for a console service and prints {form_id, url} as forms import does; export gives its definition back', async (t) => {
  const { databaseUrl, serviceId, write } = await createCliWorld(t);
  const file = await write('boat.xlsx', await buildWorkbook(BOAT_XLSFORM));

  const imported = await civitas(databaseUrl, 'forms', 'import-xlsform', file, '--service', serviceId, '--json');
  assert.equal(imported.exitCode, 0, imported.stderr);
  const output = JSON.parse(imported.stdout);
  assert.deepEqual(Object.keys(output), ['form_id', 'url']);
  assert.equal(output.url, `http://localhost:3000${FORM}`);
  assert.equal(imported.stderr, 'Left out: survey row 2: start records something about the device or session, not an answer: left out\n');

  const exported = await civitas(databaseUrl, 'forms', 'export', output.form_id);
  assert.deepEqual(JSON.parse(exported.stdout), await convertBoatForm());

  // Imported again (a new version of the sheet): the same form, a new version; and as text without --json.
  const again = await civitas(databaseUrl, 'forms', 'import-xlsform', file, '--service', serviceId);
  assert.equal(again.exitCode, 0, again.stderr);
  assert.equal(again.stdout, `Published the form at http://localhost:3000${FORM} (form ${output.form_id})\n`);
});

test('attacks on forms import-xlsform: usage, an unknown service, hostile and malformed files, unsupported constructs: clear errors and exit codes, nothing published', async (t) => {
  const { databaseUrl, serviceId, write, folder } = await createCliWorld(t);
  const importing = (file: string, ...more: string[]) => civitas(databaseUrl, 'forms', 'import-xlsform', file, '--service', serviceId, ...more);
  const boat = await write('boat.xlsx', await buildWorkbook(BOAT_XLSFORM));

  const noFile = await civitas(databaseUrl, 'forms', 'import-xlsform', '--service', serviceId);
  assert.deepEqual([noFile.exitCode, noFile.stderr.trim()], [2, `${COMMAND}: Give the XLSForm file: forms import-xlsform FILE --service ID`]);
  const noService = await civitas(databaseUrl, 'forms', 'import-xlsform', boat);
  assert.deepEqual([noService.exitCode, noService.stderr.trim()], [2, `${COMMAND}: Give --service`]);
  const unknownService = await civitas(databaseUrl, 'forms', 'import-xlsform', boat, '--service', 'no-such-service');
  assert.equal(unknownService.exitCode, 1);
  assert.match(unknownService.stderr, /There is no console service no-such-service/);
  const missing = await importing(join(folder, 'missing.xlsx'));
  assert.deepEqual([missing.exitCode, missing.stderr.trim()], [1, `${COMMAND}: Cannot read ${join(folder, 'missing.xlsx')}`]);
  const aFolder = await importing(folder);
  assert.deepEqual([aFolder.exitCode, aFolder.stderr.trim()], [1, `${COMMAND}: Cannot read ${folder}`], 'a folder is not a file');

  const refusals: Array<[string, Buffer, string[]]> = [
    ['not-a-zip.xlsx', Buffer.from('type,name,label\ntext,q,Question\n'), ['workbook: is not an .xlsx workbook (not a zip archive)']],
    ['bomb.xlsx', buildZip([{ name: 'xl/worksheets/sheet1.xml', data: Buffer.alloc(40_000_000, 0x20) }]), [`workbook: inflates to more than ${XLSX_LIMITS.inflatedBytes} bytes (a compressed "zip bomb" is refused)`]],
    ['no-survey.xlsx', await buildWorkbook({ choices: BOAT_XLSFORM.choices, settings: BOAT_XLSFORM.settings }), ['workbook: has no "survey" sheet: an XLSForm needs one']],
    [
      'duplicates.xlsx',
      await buildWorkbook({ ...BOAT_XLSFORM, survey: [...BOAT_XLSFORM.survey, ['text', 'boat_name', 'Again?', 'Eto?'], ['calculate', 'total', undefined, undefined, undefined, undefined, undefined, undefined, undefined, undefined]] as SheetCells }),
      [
        'survey row 17: the name "boat_name" is used already (row 5)',
        'survey row 18: calculate (a computed value) is not supported: Civitas asks questions only',
      ],
    ],
  ];
  for (const [name, bytes, problems] of refusals) {
    const refused = await importing(await write(name, bytes), '--json');
    assert.equal(refused.exitCode, 1, name);
    assert.equal(refused.stdout, '', name);
    assert.equal(refused.stderr, [`${COMMAND}: ${join(folder, name)} cannot be imported: ${problems.length} problem(s)`, ...problems.map((problem) => `  ${problem}`)].join('\n') + '\n', name);
  }
  const huge = await importing(await write('huge.xlsx', Buffer.alloc(XLSX_LIMITS.bytes + 1)));
  assert.deepEqual([huge.exitCode, huge.stderr.trim()], [1, `${COMMAND}: ${join(folder, 'huge.xlsx')} is larger than ${XLSX_LIMITS.bytes} bytes`]);

  // Nothing was published by any of them: the boat form's address is free, and then its import is version 1.
  const published = await importing(boat, '--json');
  assert.equal(published.exitCode, 0, published.stderr);
  const exported = await civitas(databaseUrl, 'forms', 'export', JSON.parse(published.stdout).form_id);
  assert.equal(JSON.parse(exported.stdout).slug, 'register-fishing-boat');

  // Another organisation's service cannot take the form over by importing a sheet with its form_id.
  const other = await civitas(databaseUrl, 'console', 'organisation', 'add', '--name', 'Other Council', '--owner-email', 'eve@example.gov.uk', '--type', 'department', '--json');
  const otherService = await civitas(databaseUrl, 'console', 'service', 'add', '--organisation', JSON.parse(other.stdout).organisation_id, '--name', 'Boats too', '--json');
  const takeover = await civitas(databaseUrl, 'forms', 'import-xlsform', boat, '--service', JSON.parse(otherService.stdout).service_id, '--json');
  assert.equal(takeover.exitCode, 1);
  assert.match(takeover.stderr, /Another service has a form at \/forms\/register-fishing-boat/);
});

test('a person fills in the imported XLSForm over HTTP: "no" skips the group its relevant guards, "yes" goes through it, in English and Welsh', async (t) => {
  const { app } = await createRunnerTestApp(t, await convertBoatForm());

  const skipper = new Visitor(app);
  assert.equal((await skipper.get(FORM)).headers.location, `${FORM}/pages/owns-boat`);
  await skipper.answer(`${FORM}/pages/owns-boat`, { answer: 'no' }, `${FORM}/pages/waters`);
  assert.equal((await skipper.get(`${FORM}/pages/boat-name`)).statusCode, 303, 'the group is off the route');
  const waters = await skipper.get(`${FORM}/pages/waters`);
  assert.match(waters.body, /Read the fishing rules before you go on\./, 'the note is shown as guidance');
  assert.match(waters.body, new RegExp(`href="${FORM}/pages/owns-boat" class="govuk-back-link"`), 'the back link follows the route');
  await skipper.answer(`${FORM}/pages/waters`, { answer: ['rivers', 'sea'] }, `${FORM}/pages/email`);
  assert.deepEqual(errorsIn((await skipper.refused(`${FORM}/pages/email`, { answer: 'not an address' })).body), ['Enter an email address in the correct format, like name@example.com']);
  await skipper.answer(`${FORM}/pages/email`, { answer: 'bryn@example.com' }, `${FORM}/pages/start-date`);
  await skipper.answer(`${FORM}/pages/start-date`, { day: '1', month: '4', year: '2027' }, `${FORM}/pages/helper-name`);
  await skipper.answer(`${FORM}/pages/helper-name`, { answer: 'Ffion' }, `${FORM}/pages/helper-name/add-another`);
  assert.equal((await skipper.post(`${FORM}/pages/helper-name/add-another`, { add_another: 'no' })).headers.location, `${FORM}/pages/experience`);
  await skipper.answer(`${FORM}/pages/experience`, { answer: '' }, `${FORM}/pages/boat-photo`);
  await skipper.answer(`${FORM}/pages/boat-photo`, {}, `${FORM}/check-answers`);
  const check = await skipper.get(`${FORM}/check-answers`);
  assert.doesNotMatch(check.body, /What is your boat called\?/, 'the skipped questions are not on check your answers');
  assert.equal((await skipper.post(`${FORM}/check-answers`)).headers.location, `${FORM}/confirmation`);

  const owner = new Visitor(app);
  const welsh = await owner.get(`${FORM}/pages/owns-boat?lang=cy`);
  assert.match(welsh.body, /Oes gennych chi gwch\?/);
  assert.match(welsh.body, />\s*Ie\s*</);
  await owner.answer(`${FORM}/pages/owns-boat`, { answer: 'yes' }, `${FORM}/pages/boat-name`);
  await owner.answer(`${FORM}/pages/boat-name`, { answer: 'Morwennol' }, `${FORM}/pages/boat-length`);
  assert.deepEqual(errorsIn((await owner.refused(`${FORM}/pages/boat-length`, { answer: 'long' })).body).length, 1, 'a number is asked for');
  await owner.answer(`${FORM}/pages/boat-length`, { answer: '7' }, `${FORM}/pages/waters`);
  // Changing the answer to no takes the group's answers off the route.
  await owner.answer(`${FORM}/pages/owns-boat?change=1`, { answer: 'no' }, `${FORM}/pages/waters`);
  assert.equal((await owner.get(`${FORM}/pages/boat-length`)).statusCode, 303);
});
