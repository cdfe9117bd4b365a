import { test } from 'node:test';
import assert from 'node:assert/strict';
import { findEnglish } from './english-in-welsh.ts';

const page = (body: string) => `<!DOCTYPE html><html lang="cy"><body><main>${body}</main></body></html>`;

test('identifiers on a Welsh page are not read as English words, but English beside them is', () => {
  const identifiers = page('<p>Rhoi cynnig arall 01a23be2-82ec-71bd-98cf-1b70997253b5 a CIV-4BE9-IT2X</p>');
  assert.deepEqual(findEnglish(identifiers, { catalogueRuns: [] }), []);

  const english = page('<p>Rhoi cynnig arall 01a23be2-82ec-71bd-98cf-1b70997253b5 it will be tried again</p>');
  assert.deepEqual(findEnglish(english, { catalogueRuns: [] }).map((item) => item.found), ['it', 'will', 'be', 'again']);
});
