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
  assert.deepEqual(parsed.definition?.pages[3]?.eligibilityCheck, blueBadge().pages[3].eligibilityCheck);
});

test('an eligibility check needs sign-in, a selection of eligible and not-eligible asked once, and an earlier single-line reference question', () => {
  const withoutSignIn = blueBadge();
  delete withoutSignIn.settings.signIn;
  assert.deepEqual(pathsOf(withoutSignIn), ['settings.signIn']);

  const otherOptions = blueBadge();
  otherOptions.pages[3].settings.options[1].value = 'maybe';
  otherOptions.pages[3].routes = [];
  assert.deepEqual(pathsOf(otherOptions), ['pages[3].settings.options']);

  const optional = blueBadge();
  optional.pages[3].optional = true;
  assert.deepEqual(pathsOf(optional), ['pages[3]']);

  const laterReference = blueBadge();
  laterReference.pages[3].eligibilityCheck.referencePage = 'condition';
  assert.deepEqual(pathsOf(laterReference), ['pages[3].eligibilityCheck.referencePage']);
  const missingReference = blueBadge();
  missingReference.pages[3].eligibilityCheck.referencePage = 'nowhere';
  assert.deepEqual(pathsOf(missingReference), ['pages[3].eligibilityCheck.referencePage']);
  const fileReference = blueBadge();
  fileReference.pages[0].answerType = 'date';
  assert.deepEqual(pathsOf(fileReference), ['pages[3].eligibilityCheck.referencePage']);});

test('an eligibility check names the earlier questions of the person’s date of birth and name, which bind the record to them: import refuses them missing, of another type, optional or after the check', () => {
  const withoutBirth = blueBadge();
  delete withoutBirth.pages[3].eligibilityCheck.dateOfBirthPage;
  assert.deepEqual(pathsOf(withoutBirth), ['pages[3].eligibilityCheck.dateOfBirthPage']);
  const missingBirth = blueBadge();
  missingBirth.pages[3].eligibilityCheck.dateOfBirthPage = 'nowhere';
  assert.deepEqual(pathsOf(missingBirth), ['pages[3].eligibilityCheck.dateOfBirthPage']);
  const textBirth = blueBadge();
  textBirth.pages[3].eligibilityCheck.dateOfBirthPage = 'pip-reference';
  assert.deepEqual(pathsOf(textBirth), ['pages[3].eligibilityCheck.dateOfBirthPage']);
  const plainDate = blueBadge();
  delete plainDate.pages[2].settings.dateOfBirth;
  assert.deepEqual(pathsOf(plainDate), ['pages[3].eligibilityCheck.dateOfBirthPage'], 'a date, but not a date of birth');
  const optionalBirth = blueBadge();
  optionalBirth.pages[2].optional = true;
  assert.deepEqual(pathsOf(optionalBirth), ['pages[3].eligibilityCheck.dateOfBirthPage']);
  const laterBirth = blueBadge();
  laterBirth.pages.splice(4, 0, ...laterBirth.pages.splice(2, 1));
  assert.deepEqual(pathsOf(laterBirth), ['pages[2].eligibilityCheck.dateOfBirthPage']);

  const missingName = blueBadge();
  missingName.pages[3].eligibilityCheck.namePage = 'nowhere';
  assert.deepEqual(pathsOf(missingName), ['pages[3].eligibilityCheck.namePage']);
  const emailName = blueBadge();
  emailName.pages[3].eligibilityCheck.namePage = 'email';
  assert.deepEqual(pathsOf(emailName), ['pages[3].eligibilityCheck.namePage'], 'a later question, and not a name');
  const textName = blueBadge();
  textName.pages[3].eligibilityCheck.namePage = 'pip-reference';
  assert.deepEqual(pathsOf(textName), ['pages[3].eligibilityCheck.namePage']);
  const withoutName = blueBadge();
  delete withoutName.pages[3].eligibilityCheck.namePage;
  assert.deepEqual(pathsOf(withoutName), [], 'the name is optional: the date of birth is not');
});

test('an eligibility check refuses malformed identifiers, paths, fields, unknown properties and too many conditions, each by its path', () => {
  const bad = blueBadge();
  Object.assign(bad.pages[3].eligibilityCheck, {
    client: 'GB-DEV/GOV/DEMO-COUNCIL',
    service: 'GB-DEV/GOV/DEMO-BENEFITS/pip/pip-award/extra',
    path: '/awards/../{reference}/{reference}',
    eligibleWhen: [{ field: 'rate.mobility', oneOf: [] }, ...Array.from({ length: 10 }, () => ({ field: '$.status', oneOf: ['awarded'] }))],
    extra: true,
  });
  assert.deepEqual(pathsOf(bad).sort(), [
    'pages[3].eligibilityCheck.client',
    'pages[3].eligibilityCheck.eligibleWhen',
    'pages[3].eligibilityCheck.extra',
    'pages[3].eligibilityCheck.path',
    'pages[3].eligibilityCheck.service',
  ].sort());
  const noConditions = blueBadge();
  noConditions.pages[3].eligibilityCheck.eligibleWhen = [];
  assert.deepEqual(pathsOf(noConditions), ['pages[3].eligibilityCheck.eligibleWhen']);
  const badField = blueBadge();
  badField.pages[3].eligibilityCheck.eligibleWhen = [{ field: 'rate.mobility', oneOf: [] }];
  assert.deepEqual(pathsOf(badField).sort(), ['pages[3].eligibilityCheck.eligibleWhen[0].field', 'pages[3].eligibilityCheck.eligibleWhen[0].oneOf']);
});
