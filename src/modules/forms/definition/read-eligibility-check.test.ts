import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { parseFormDefinition } from './parse-definition.ts';

const blueBadge = () => JSON.parse(readFileSync(join(import.meta.dirname, '..', 'examples', 'apply-for-a-blue-badge.form.json'), 'utf8'));
const pathsOf = (input: unknown) => parseFormDefinition(input).problems.map((problem) => problem.path);

test('the shipped Blue Badge form, with its eligibility check, is a good definition that exports as it imports', () => {
  const parsed = parseFormDefinition(blueBadge());
  assert.deepEqual(parsed.problems, []);
  assert.deepEqual(parsed.definition?.pages[1]?.eligibilityCheck, blueBadge().pages[1].eligibilityCheck);
});

test('an eligibility check needs sign-in, a selection of eligible and not-eligible asked once, and an earlier single-line reference question', () => {
  const withoutSignIn = blueBadge();
  delete withoutSignIn.settings.signIn;
  assert.deepEqual(pathsOf(withoutSignIn), ['settings.signIn']);

  const otherOptions = blueBadge();
  otherOptions.pages[1].settings.options[1].value = 'maybe';
  otherOptions.pages[1].routes = [];
  assert.deepEqual(pathsOf(otherOptions), ['pages[1].settings.options']);

  const optional = blueBadge();
  optional.pages[1].optional = true;
  assert.deepEqual(pathsOf(optional), ['pages[1]']);

  const laterReference = blueBadge();
  laterReference.pages[1].eligibilityCheck.referencePage = 'condition';
  assert.deepEqual(pathsOf(laterReference), ['pages[1].eligibilityCheck.referencePage']);
  const missingReference = blueBadge();
  missingReference.pages[1].eligibilityCheck.referencePage = 'nowhere';
  assert.deepEqual(pathsOf(missingReference), ['pages[1].eligibilityCheck.referencePage']);
  const fileReference = blueBadge();
  fileReference.pages[0].answerType = 'date';
  assert.deepEqual(pathsOf(fileReference), ['pages[1].eligibilityCheck.referencePage']);
});

test('an eligibility check refuses malformed identifiers, paths, fields, unknown properties and too many conditions, each by its path', () => {
  const bad = blueBadge();
  Object.assign(bad.pages[1].eligibilityCheck, {
    client: 'GB-DEV/GOV/DEMO-COUNCIL',
    service: 'GB-DEV/GOV/DEMO-BENEFITS/pip/pip-award/extra',
    path: '/awards/../{reference}/{reference}',
    eligibleWhen: [{ field: 'rate.mobility', oneOf: [] }, ...Array.from({ length: 10 }, () => ({ field: '$.status', oneOf: ['awarded'] }))],
    extra: true,
  });
  assert.deepEqual(pathsOf(bad).sort(), [
    'pages[1].eligibilityCheck.client',
    'pages[1].eligibilityCheck.eligibleWhen',
    'pages[1].eligibilityCheck.extra',
    'pages[1].eligibilityCheck.path',
    'pages[1].eligibilityCheck.service',
  ].sort());
  const noConditions = blueBadge();
  noConditions.pages[1].eligibilityCheck.eligibleWhen = [];
  assert.deepEqual(pathsOf(noConditions), ['pages[1].eligibilityCheck.eligibleWhen']);
  const badField = blueBadge();
  badField.pages[1].eligibilityCheck.eligibleWhen = [{ field: 'rate.mobility', oneOf: [] }];
  assert.deepEqual(pathsOf(badField).sort(), ['pages[1].eligibilityCheck.eligibleWhen[0].field', 'pages[1].eligibilityCheck.eligibleWhen[0].oneOf']);
});
