import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatCsvField, formatCsvRow } from './csv-field.ts';

test('a field a spreadsheet would run as a formula gets a leading apostrophe; quotes, commas and line breaks are quoted', () => {
  for (const start of ['=', '+', '-', '@', '\t', '\r']) assert.equal(formatCsvField(`${start}1+1`, { quote: 'always' }), `"'${start}1+1"`);
  assert.equal(formatCsvField('=HYPERLINK("http://evil.example","x")'), `"'=HYPERLINK(""http://evil.example"",""x"")"`);
  assert.equal(formatCsvField('plain'), 'plain');
  assert.equal(formatCsvField('plain', { quote: 'always' }), '"plain"');
  assert.equal(formatCsvField('a,b'), '"a,b"');
  assert.equal(formatCsvField('line\nbreak'), '"line\nbreak"');
  assert.equal(formatCsvField(-5), '-5', 'a number is a number, never defused');
  assert.equal(formatCsvField(null), '');
  assert.equal(formatCsvRow(['a', '=b', 3]), "a,'=b,3\r\n");
});
