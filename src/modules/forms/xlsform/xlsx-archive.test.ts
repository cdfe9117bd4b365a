import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { readXlsformWorkbook } from './read-workbook.ts';
import { findXlsxArchiveProblem, XLSX_LIMITS } from './xlsx-archive.ts';
import { describeXlsformProblem } from './xlsform-problems.ts';
import { BOAT_XLSFORM, buildWorkbook, buildZip } from './xlsform.test-kit.ts';

const messageOf = async (bytes: Buffer) => (await readXlsformWorkbook(bytes)).problems.map(describeXlsformProblem);

test('a workbook a spreadsheet program saves is within the bounds and read', async () => {
  const bytes = await buildWorkbook(BOAT_XLSFORM);
  assert.equal(findXlsxArchiveProblem(bytes), undefined);
  const read = await readXlsformWorkbook(bytes);
  assert.deepEqual(read.problems, []);
  assert.equal(read.sheets?.survey.rows.length, BOAT_XLSFORM.survey.length - 1);
  assert.equal(read.sheets?.survey.rows[1]?.number, 3, 'rows keep their spreadsheet numbers');
  assert.equal(read.sheets?.survey.rows[1]?.cells.get('label::English (en)'), 'Do you own a boat?');
});

test('attacks: a zip bomb is refused before exceljs inflates it, whatever sizes the archive declares', async () => {
  // 50 MB of spaces deflates to about 50 KB: far under the file limit, far over the inflated one.
  const bomb = buildZip([{ name: 'xl/worksheets/sheet1.xml', data: Buffer.alloc(50_000_000, 0x20) }]);
  assert.ok(bomb.length < 100_000);
  assert.deepEqual(await messageOf(bomb), [`workbook: inflates to more than ${XLSX_LIMITS.inflatedBytes} bytes (a compressed "zip bomb" is refused)`]);

  // Each entry within the budget, but the same data named by several directory records (an overlapping bomb) counts each time.
  const part = Buffer.alloc(3_000_000, 0x20);
  const overlapping = buildZip([
    { name: 'a.xml', data: part },
    { name: 'b.xml', data: part, localOffset: 0 },
    { name: 'c.xml', data: part, localOffset: 0 },
  ]);
  assert.match(findXlsxArchiveProblem(overlapping) ?? '', /zip bomb/);

  // A declared size of a few bytes does not help: the data itself is inflated, stopping at the budget.
  const lying = buildZip([{ name: 'xl/worksheets/sheet1.xml', data: Buffer.alloc(20_000_000, 0x20) }]);
  lying.writeUInt32LE(10, lying.length - 22 - 46 - 'xl/worksheets/sheet1.xml'.length + 24);
  assert.match(findXlsxArchiveProblem(lying) ?? '', /zip bomb/);
});

test('attacks: not a zip, an old .xls, cut short, encrypted, too many entries, too large: each refused in words, never a crash', async () => {
  assert.deepEqual(await messageOf(Buffer.from('type,name,label\ntext,q,Question\n')), ['workbook: is not an .xlsx workbook (not a zip archive)']);
  assert.deepEqual(await messageOf(Buffer.concat([Buffer.from([0xd0, 0xcf, 0x11, 0xe0]), Buffer.alloc(600)])), ['workbook: is an Excel 97-2003 .xls workbook: save it as .xlsx']);
  const workbook = await buildWorkbook(BOAT_XLSFORM);
  assert.match((await messageOf(workbook.subarray(0, workbook.length - 200)))[0] ?? '', /is not an .xlsx workbook/);
  assert.match(findXlsxArchiveProblem(buildZip([{ name: 'a.xml', data: Buffer.from('<a/>'), flags: 1 }])) ?? '', /is encrypted/);
  const many = buildZip(Array.from({ length: XLSX_LIMITS.entries + 1 }, (_, index) => ({ name: `${index}.xml`, data: Buffer.from('<a/>') })));
  assert.equal(findXlsxArchiveProblem(many), `has more than ${XLSX_LIMITS.entries} files inside it`);
  assert.equal(findXlsxArchiveProblem(Buffer.alloc(XLSX_LIMITS.bytes + 1)), `is larger than ${XLSX_LIMITS.bytes} bytes`);
  // A zip within bounds that is not a workbook, and one whose XML declares entities (exceljs's parser refuses them).
  assert.deepEqual(await messageOf(buildZip([{ name: 'hello.txt', data: Buffer.from('hello') }])), ['workbook: has no "survey" sheet: an XLSForm needs one']);
  const entities = buildZip([{ name: 'xl/workbook.xml', data: Buffer.from('<?xml version="1.0"?><!DOCTYPE a [<!ENTITY b "bbbb">]><workbook>&b;</workbook>') }]);
  assert.match((await messageOf(entities))[0] ?? '', /^workbook: /);
});

test('a workbook without a survey sheet, with too many rows, or with a column twice is refused by sheet', async () => {
  assert.deepEqual(await messageOf(await buildWorkbook({ choices: BOAT_XLSFORM.choices })), ['workbook: has no "survey" sheet: an XLSForm needs one']);
  const long = [['type', 'name', 'label'], ...Array.from({ length: 1_001 }, (_, index) => ['text', `q${index}`, `Question ${index}`])];
  assert.deepEqual(await messageOf(await buildWorkbook({ survey: long })), ['survey: has 1002 rows: at most 1000 (and a heading row) are taken']);
  assert.deepEqual(await messageOf(await buildWorkbook({ survey: [['type', 'name', 'Label', 'label'], ['text', 'q', 'A', 'B']] })), ['survey row 1: has the column "label" twice']);
  assert.deepEqual(await messageOf(await buildWorkbook({ survey: [['type', 'name', 'label']] })), ['survey: has no questions']);
  assert.deepEqual(await messageOf(await buildWorkbook({ survey: [['type', 'name', 'label'], ['text', 'q', 'x'.repeat(10_001)]] })), ['survey row 2: has a cell of more than 10000 characters']);
});

test('attacks: a workbook damaged anywhere (bytes changed, cut short) is read or refused in words, never thrown', async () => {
  const workbook = await buildWorkbook(BOAT_XLSFORM);
  await fc.assert(
    fc.asyncProperty(fc.array(fc.tuple(fc.nat(workbook.length - 1), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 5 }), fc.option(fc.nat(workbook.length)), async (changes, cut) => {
      const damaged = Buffer.from(workbook);
      for (const [at, byte] of changes) damaged[at] = byte;
      const read = await readXlsformWorkbook(cut === null ? damaged : damaged.subarray(0, cut));
      assert.ok(read.sheets !== undefined || read.problems.length > 0);
    }),
    { numRuns: 60 },
  );
});
