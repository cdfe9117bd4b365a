import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { readRecordDocuments } from './read-record-documents.ts';
import { validateRecord, type RecordProblem } from './validate-record.ts';

const EXAMPLES = join(import.meta.dirname, '..', 'examples');

function readExample(name: string): Record<string, unknown> {
  const [document] = readRecordDocuments(name, readFileSync(join(EXAMPLES, name), 'utf8'));
  assert.ok(document && 'value' in document);
  return document.value as Record<string, unknown>;
}

const dataset = () => readExample('example-dataset.yaml');
const dataService = () => readExample('example-data-service.yaml');
const distribution = () => ({
  identifier: 'https://example.gov.uk/postcodes.csv',
  type: 'dcat:Distribution',
  title: 'Postcodes as CSV',
  licence: 'http://www.nationalarchives.gov.uk/doc/open-government-licence/version/3/',
  mediaType: 'text/csv',
  downloadURL: 'https://example.gov.uk/postcodes.csv',
  byteSize: 2048,
});

function problemsOf(record: unknown): RecordProblem[] {
  const outcome = validateRecord(record);
  assert.equal(outcome.valid, false, 'the record should have been refused');
  // Each problem's slot and English message; the key and parameters a page translates are tested there.
  return outcome.valid ? [] : outcome.problems.map(({ slot, message }) => ({ slot, message }));
}

function slotsOf(record: unknown): string[] {
  return problemsOf(record).map((problem) => problem.slot).sort();
}

describe('validateRecord', () => {
  it('accepts both of CDDO’s examples and a distribution', () => {
    for (const record of [dataset(), dataService(), distribution()]) {
      const outcome = validateRecord(record);
      assert.ok(outcome.valid, JSON.stringify(outcome));
    }
  });

  it('names every missing required slot of a dataset, including those CataloguedResource’s slot_usage makes required', () => {
    const record = dataset();
    for (const slot of ['accessRights', 'description', 'modified', 'publisher', 'creator', 'updateFrequency', 'version', 'title', 'licence', 'contactPoint', 'securityClassification']) delete record[slot];
    assert.deepEqual(slotsOf(record), ['accessRights', 'contactPoint', 'creator', 'description', 'licence', 'modified', 'publisher', 'securityClassification', 'title', 'updateFrequency', 'version']);
  });

  it('requires a data service’s status, type and endpoint description but not an update frequency', () => {
    const record = dataService();
    delete record.serviceStatus;
    delete record.serviceType;
    delete record.endpointDescription;
    assert.deepEqual(slotsOf(record), ['endpointDescription', 'serviceStatus', 'serviceType']);
  });

  it('requires less of a distribution: no contact point, description or modified date, but a media type', () => {
    const record: Record<string, unknown> = distribution();
    delete record.mediaType;
    assert.deepEqual(problemsOf(record), [{ slot: 'mediaType', message: 'is required' }]);
  });

  it('refuses a list in a single-valued slot and a single value in a multivalued one', () => {
    assert.deepEqual(slotsOf({ ...dataset(), title: ['One', 'Two'], creator: 'ordnance-survey', keyword: 'postcodes' }), ['creator', 'keyword', 'title']);
    assert.deepEqual(slotsOf({ ...dataset(), creator: [] }), ['creator']);
  });

  it('checks enumerations against their permissible values', () => {
    const problems = problemsOf({ ...dataset(), accessRights: 'PUBLIC', updateFrequency: 'monthly' });
    assert.deepEqual(problems.map((problem) => problem.slot), ['accessRights', 'updateFrequency']);
    assert.match(problems[0]!.message, /INTERNAL, OPEN, COMMERCIAL/);
    assert.deepEqual(slotsOf({ ...dataService(), serviceStatus: 'live', serviceType: 'GRAPHQL' }), ['serviceStatus', 'serviceType']);
    assert.deepEqual(slotsOf({ ...dataset(), securityClassification: 'OFFICIAL-SENSITIVE' }), ['securityClassification']);
  });

  it('checks dates, date-times, emails, URIs, organisation identifiers, media types and sizes', () => {
    assert.deepEqual(slotsOf({ ...dataset(), modified: '2023-02-30', issued: '01/02/2023', created: '2023-02-01T10:00:00' }), ['created', 'issued', 'modified']);
    assert.ok(validateRecord({ ...dataset(), issued: '2023-02-01T10:00:00Z', created: '2023-02-01T10:00:00+01:00' }).valid);
    assert.deepEqual(slotsOf({ ...dataset(), contactPoint: { contactName: 'Team', email: 'not an email' } }), ['contactPoint.email']);
    assert.deepEqual(slotsOf({ ...dataset(), contactPoint: 'team@example.gov.uk' }), ['contactPoint']);
    assert.deepEqual(slotsOf({ ...dataset(), contactPoint: { email: 'team@example.gov.uk', fax: '0' } }), ['contactPoint.contactName', 'contactPoint.fax']);
    assert.deepEqual(slotsOf({ ...dataService(), endpointURL: 'javascript:alert(1)', endpointDescription: 'has spaces in it' }), ['endpointDescription', 'endpointURL']);
    assert.deepEqual(slotsOf({ ...dataset(), publisher: 'Department for Work and Pensions', creator: ['ordnance-survey', 'OS!'] }), ['creator[1]', 'publisher']);
    assert.deepEqual(slotsOf({ ...distribution(), mediaType: 'csv', byteSize: 0, downloadURL: 'ftp:/x' }), ['byteSize', 'downloadURL', 'mediaType']);
    assert.deepEqual(slotsOf({ ...distribution(), byteSize: '2 kb' }), ['byteSize']);
  });

  it('takes the licence as a URI or the words DATA_SHARE_AGREEMENT', () => {
    assert.ok(validateRecord({ ...dataset(), licence: 'DATA_SHARE_AGREEMENT' }).valid);
    assert.deepEqual(slotsOf({ ...dataset(), licence: 'Open Government Licence' }), ['licence']);
  });

  it('keeps the summary to one line of 250 characters', () => {
    assert.ok(validateRecord({ ...dataset(), summary: 'Postcodes as points.' }).valid);
    assert.deepEqual(slotsOf({ ...dataset(), summary: 'x'.repeat(251) }), ['summary']);
    assert.deepEqual(slotsOf({ ...dataset(), summary: 'one\ntwo' }), ['summary']);
  });

  it('names slots the model does not have, and refuses numbers where text is asked for', () => {
    const problems = problemsOf({ ...dataset(), owner: 'me', version: 2023 });
    assert.deepEqual(problems, [
      { slot: 'owner', message: 'is not a slot of Dataset in the model' },
      { slot: 'version', message: 'must be text: put the value in quotes' },
    ]);
    assert.deepEqual(validateRecord({ ...dataset(), owner: 'me' }), { valid: false, identifier: dataset().identifier, problems: [{ slot: 'owner', message: 'is not a slot of Dataset in the model', key: 'notASlot', parameters: { className: 'Dataset' } }] }, 'with the key and parameters a page translates');
  });

  it('refuses SECRET and TOP SECRET outright, whatever else the record holds', () => {
    for (const securityClassification of ['SECRET', 'TOP_SECRET', 'top secret', ' Secret ']) {
      assert.deepEqual(problemsOf({ identifier: 'x', securityClassification, nonsense: true }), [
        { slot: 'securityClassification', message: 'SECRET and TOP SECRET records are never held in the catalogue' },
      ]);
    }
  });

  it('refuses OFFICIAL-SENSITIVE as a value the model does not have, rather than recording it as OFFICIAL', () => {
    for (const securityClassification of ['OFFICIAL-SENSITIVE', 'OFFICIAL_SENSITIVE']) {
      assert.deepEqual(problemsOf({ ...dataset(), securityClassification }), [{ slot: 'securityClassification', message: 'must be one of OFFICIAL, NOT_APPLICABLE' }]);
    }
  });

  it('refuses what is not a record of a known type', () => {
    assert.deepEqual(slotsOf(['a', 'list']), ['']);
    assert.deepEqual(slotsOf({ ...dataset(), type: 'dcat:Catalog' }), ['type']);
    assert.deepEqual(slotsOf({ ...dataset(), type: undefined }), ['type']);
  });

  it('bounds every text and list (attacker’s input past limits)', () => {
    assert.deepEqual(slotsOf({ ...dataset(), title: 'x'.repeat(501), description: 'x'.repeat(50_001), keyword: Array.from({ length: 201 }, (_, index) => `k${index}`) }), ['description', 'keyword', 'title']);
    assert.deepEqual(slotsOf({ ...dataset(), identifier: `https://example.gov.uk/${'x'.repeat(2000)}` }), ['identifier']);
    assert.deepEqual(slotsOf({ ...dataset(), title: 'Bell\u0007' }), ['title']);
    assert.deepEqual(slotsOf({ ...dataset(), keyword: ['a', 'a'] }), ['keyword']);
  });

  it('refuses invisible and direction-changing characters, . and .., and addresses with a user name (attacker’s spoofing)', () => {
    for (const character of ['\u200b', '\u00ad', '\u202e', '\u2066', '\ufeff']) {
      assert.deepEqual(problemsOf({ ...dataset(), identifier: `https://example.gov.uk/post${character}codes` }), [
        { slot: 'identifier', message: 'must not hold invisible or direction-changing characters (such as a zero-width space, a soft hyphen or U+202E)' },
      ]);
      assert.deepEqual(slotsOf({ ...dataService(), endpointURL: `https://api.example.gov.uk/${character}v1` }), ['endpointURL']);
      assert.deepEqual(slotsOf({ ...dataset(), theme: [`eco${character}nomy`] }), ['theme[0]']);
    }
    for (const identifier of ['.', '..']) assert.deepEqual(problemsOf({ ...dataset(), identifier }), [{ slot: 'identifier', message: 'must not be . or ..: they name no record' }]);
    assert.equal(validateRecord({ ...dataset(), identifier: '...' }).valid, true, 'three dots are an ordinary segment');
    for (const address of ['http://evil.example@x.example/', 'https://user:secret@x.example/data', 'https://@x.example/']) {
      assert.deepEqual(problemsOf({ ...distribution(), downloadURL: address }), [{ slot: 'downloadURL', message: 'must not hold a user name or password before the address’s host (name@host)' }]);
      assert.deepEqual(slotsOf({ ...dataService(), endpointURL: address }), ['endpointURL']);
    }
    assert.equal(validateRecord({ ...distribution(), downloadURL: 'https://x.example/a@b' }).valid, true, 'an @ in the path is not a user name');
  });
});

describe('readRecordDocuments', () => {
  it('reads a YAML stream one record a document, skipping documents of comments only', () => {
    const documents = readRecordDocuments('two.yaml', '# two records\n---\nidentifier: a\n---\nidentifier: b\n');
    assert.deepEqual(documents, [{ value: { identifier: 'a' } }, { value: { identifier: 'b' } }]);
  });

  it('reads a JSON array or object', () => {
    assert.deepEqual(readRecordDocuments('a.json', '[{"identifier":"a"},{"identifier":"b"}]').length, 2);
    assert.deepEqual(readRecordDocuments('a.JSON', '{"identifier":"a"}'), [{ value: { identifier: 'a' } }]);
  });

  it('refuses broken files, duplicate keys and alias bombs', () => {
    assert.ok('problems' in readRecordDocuments('a.json', '{')[0]!);
    assert.ok('problems' in readRecordDocuments('a.yaml', 'title: a\ntitle: b\n')[0]!);
    const bomb = ['a: &a [x, x, x, x, x, x, x, x, x]', ...Array.from({ length: 9 }, (_, index) => `${String.fromCharCode(98 + index)}: &${String.fromCharCode(98 + index)} [*${String.fromCharCode(97 + index)}, *${String.fromCharCode(97 + index)}, *${String.fromCharCode(97 + index)}, *${String.fromCharCode(97 + index)}, *${String.fromCharCode(97 + index)}, *${String.fromCharCode(97 + index)}, *${String.fromCharCode(97 + index)}, *${String.fromCharCode(97 + index)}, *${String.fromCharCode(97 + index)}]`)].join('\n');
    assert.ok('problems' in readRecordDocuments('bomb.yaml', bomb)[0]!);
  });
});
