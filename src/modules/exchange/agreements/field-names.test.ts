import assert from 'node:assert/strict';
import { test } from 'node:test';
import { humaniseFieldPath, nameAgreedFields } from './field-names.ts';

const describe = (properties: Record<string, unknown>) =>
  JSON.stringify({
    openapi: '3.0.3',
    info: { title: 'Awards', version: '1' },
    paths: { '/awards/{id}': { get: { parameters: [{ name: 'id', in: 'path', required: true, schema: { type: 'string' } }], responses: { '200': { description: 'An award', content: { 'application/json': { schema: { type: 'object', properties } } } } } } } },
  });

test('fields are named by their schema titles, in Welsh by x-title-cy; with no Welsh title the English one; with none, their own name in words', async () => {
  const openApi = describe({
    status: { type: 'string', title: 'Award status', 'x-title-cy': 'Statws y dyfarniad' },
    rate: { type: 'string', title: 'Rate of award' },
    award: { type: 'object', title: 'The award', properties: { dateOfBirth: { type: 'string' }, next_review: { type: 'string', 'x-title-cy': 'Adolygiad nesaf' } } },
    items: { type: 'array', items: { type: 'object', properties: { id: { type: 'string' } } } },
  });
  assert.deepEqual(await nameAgreedFields({ openApi, fields: ['$.status', '$.rate', '$.award', '$.award.dateOfBirth', '$.award.next_review', '$.items[*].id'] }), [
    { path: '$.status', en: 'Award status', cy: 'Statws y dyfarniad' },
    { path: '$.rate', en: 'Rate of award', cy: 'Rate of award' },
    { path: '$.award', en: 'The award', cy: 'The award' },
    { path: '$.award.dateOfBirth', en: 'Award date of birth', cy: 'Award date of birth' },
    { path: '$.award.next_review', en: 'Award next review', cy: 'Adolygiad nesaf' },
    { path: '$.items[*].id', en: 'Items id', cy: 'Items id' },
  ]);
  assert.equal(humaniseFieldPath('$["date-of-birth"]'), 'Date of birth');
  assert.equal(humaniseFieldPath('$.NHSNumber'), 'Nhs number');
  assert.equal(humaniseFieldPath('$.postcode'), 'Postcode');
});

test('attacker: a provider title is cut to one line of 80 characters, control and format characters removed (the page escapes it); titles of fields not agreed are not shown; an unreadable description or an odd path falls back to the path in words', async () => {
  const openApi = describe({
    status: { type: 'string', title: `<script>alert(1)</script>\u202E\nAward\u0000 status ${'x'.repeat(200)}` },
    secret: { type: 'string', title: 'Everything we hold about you' },
    constructor: { type: 'string' },
  });
  const [status, proto] = await nameAgreedFields({ openApi, fields: ['$.status', '$.__proto__'] });
  assert.equal(status?.en.length, 80);
  assert.match(status?.en ?? '', /^<script>alert\(1\)<\/script> Award status x+$/);
  assert.equal(proto?.en, 'Proto', 'a path that names an object property of JavaScript is not read from the prototype');
  assert.deepEqual(await nameAgreedFields({ openApi, fields: ['$.constructor'] }), [{ path: '$.constructor', en: 'Constructor', cy: 'Constructor' }]);
  assert.deepEqual(await nameAgreedFields({ openApi: 'not: [valid', fields: ['$.status'] }), [{ path: '$.status', en: 'Status', cy: 'Status' }]);
  assert.equal(humaniseFieldPath('$'), '$');
  assert.equal(humaniseFieldPath('not a path'), 'Not a path');
});
