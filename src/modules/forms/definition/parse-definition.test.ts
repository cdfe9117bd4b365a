import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { ANSWER_TYPES, DEFINITION_LIMITS } from './form-definition.ts';
import { parseFormDefinition } from './parse-definition.ts';

const FIXTURE = join(import.meta.dirname, '..', 'fixtures', 'every-answer-type.form.json');
const exampleForm = () => JSON.parse(readFileSync(FIXTURE, 'utf8'));
const problemsOf = (input: unknown) => parseFormDefinition(input).problems.map((problem) => `${problem.path} ${problem.message}`);

test('the example form, with every answer type, parses to exactly what it says', () => {
  const input = exampleForm();
  const parsed = parseFormDefinition(input);
  assert.deepEqual(parsed.problems, []);
  assert.deepEqual(parsed.definition, input, 'nothing added, nothing lost');
  assert.deepEqual(new Set(parsed.definition?.pages.map((page) => page.answerType)), new Set(ANSWER_TYPES));
});

test('the JSON Schema in docs/forms names the same answer types as the code', () => {
  const schema = JSON.parse(readFileSync(join(import.meta.dirname, '..', '..', '..', '..', 'docs', 'forms', 'form-definition.schema.json'), 'utf8'));
  assert.deepEqual(schema.$defs.page.properties.answerType.enum, [...ANSWER_TYPES]);
});

test('routing errors are found: a missing target, a backwards route, a route to the next page, an answer the question lacks', () => {
  const form = exampleForm();
  form.pages[0].routes = [{ answer: 'rod', goTo: 'nowhere' }, { answer: 'net', goTo: 'full-name' }, { answer: 'salmon', goTo: 'check-answers' }];
  form.pages[10].routes = [{ answer: 'sea', goTo: 'check-answers' }];
  form.pages[3].routes = [{ answer: 'x', goTo: 'licence-type' }];
  assert.deepEqual(problemsOf(form), [
    'pages[0].routes[0].goTo the page "nowhere" does not exist',
    'pages[0].routes[1].goTo "full-name" is the next page already',
    'pages[0].routes[2].answer the question has no answer "salmon"',
    'pages[3].routes only a question answered with one selection, asked once, can route',
    'pages[10].routes only a question answered with one selection, asked once, can route',
  ]);
  const backwards = exampleForm();
  backwards.pages.splice(0, 0, { id: 'first', answerType: 'text', question: { en: 'First?', cy: 'Cyntaf?' } });
  backwards.pages[1].routes.push({ answer: 'rod', goTo: 'first' });
  assert.deepEqual(problemsOf(backwards), ['pages[1].routes[2].goTo the route goes backwards to "first"']);
});

test('a form offered in Welsh needs Welsh for every text; unknown properties and bad values are named by path', () => {
  const form = exampleForm();
  delete form.pages[2].question.cy;
  form.pages[4].colour = 'red';
  form.pages[5].answerType = 'signature';
  form.settings.privacyUrl = 'javascript:alert(1)';
  form.settings.referenceFormat = 'AB-##';
  form.pages[1].settings.multiline = true;
  form.exitPages[0].id = 'email';
  assert.deepEqual(problemsOf(form), [
    'settings.referenceFormat needs at least 6 # characters',
    'settings.privacyUrl must be an https:// address',
    'pages[1].settings.multiline is not a known property',
    'pages[2].question.cy is needed: the form is offered in Welsh',
    'pages[4].colour is not a known property',
    `pages[5].answerType must be one of ${ANSWER_TYPES.join(', ')}`,
  ]);
  const duplicate = exampleForm();
  duplicate.exitPages[0].id = 'email';
  duplicate.pages[0].routes = [];
  assert.deepEqual(problemsOf(duplicate), ['exitPages[0].id "email" is used more than once or is reserved']);
});

test('limits: too many pages, options and characters are refused, not truncated', () => {
  const form = exampleForm();
  form.pages = Array.from({ length: DEFINITION_LIMITS.pages + 1 }, (_, index) => ({ id: `p${index}`, answerType: 'text', question: { en: 'Q', cy: 'C' } }));
  form.exitPages = [];
  assert.deepEqual(problemsOf(form), [`$.pages must have at most ${DEFINITION_LIMITS.pages} items`]);
  const long = exampleForm();
  long.pages[1].question.en = 'x'.repeat(DEFINITION_LIMITS.shortText + 1);
  long.pages[0].settings.options = Array.from({ length: DEFINITION_LIMITS.options + 1 }, (_, index) => ({ value: `v${index}`, label: { en: 'L', cy: 'L' } }));
  assert.deepEqual(problemsOf(long), [
    `pages[0].settings.options must have at most ${DEFINITION_LIMITS.options} items`,
    'pages[0].settings.options needs at least 2 options',
    `pages[1].question.en must be at most ${DEFINITION_LIMITS.shortText} characters`,
  ]);
  assert.deepEqual(problemsOf('not json object'), ['$ must be an object']);
  assert.deepEqual(problemsOf({ ...exampleForm(), __proto__: null, constructor: 1 }), ['$.constructor is not a known property']);
});

test('attacker: options people cannot tell apart (any case, spaces around), or the same as the “None of the above” the question adds, in English or Welsh, are refused', () => {
  const withOptions = (labels: Array<[string, string]>, noneOfTheAbove: boolean) => {
    const form = exampleForm();
    form.pages[10].settings = { multiple: true, options: labels.map(([en, cy], index) => ({ value: `v${index}`, label: { en, cy } })), ...(noneOfTheAbove ? { noneOfTheAbove: true } : {}) };
    return problemsOf(form);
  };
  assert.deepEqual(withOptions([['Yes', 'Ie'], ['Yes', 'Ydw']], false), ['pages[10].settings.options[1].label.en repeats an option before it']);
  assert.deepEqual(withOptions([['Yes', 'Ie'], ['No', 'Na'], ['  yES ', 'Ydw']], false), ['pages[10].settings.options[2].label.en repeats an option before it']);
  assert.deepEqual(withOptions([['Yes', 'Ie'], ['No', ' ie']], false), ['pages[10].settings.options[1].label.cy repeats an option before it']);
  assert.deepEqual(withOptions([['Rivers', 'Afonydd'], ['None of  the above', 'Dim']], true), ['pages[10].settings.options[1].label.en is the same as "None of the above", which the question adds']);
  assert.deepEqual(withOptions([['Rivers', 'Afonydd'], ['Lakes', "dim un o'r uchod"]], true), ['pages[10].settings.options[1].label.cy is the same as "None of the above", which the question adds']);
  assert.deepEqual(withOptions([['Rivers', 'Afonydd'], ['None of the above', 'Dim un o’r uchod']], false), [], 'without the question’s own, an option may say it');
});

test('a file question: its kinds of file and largest size are checked, and it cannot be repeatable', () => {
  const form = exampleForm();
  const photo = form.pages.find((page: { id: string }) => page.id === 'licence-photo');
  photo.repeatable = true;
  photo.settings = { fileTypes: ['pdf', 'gif', 'pdf'], maxSizeMb: 8, multiline: true };
  form.settings.retentionDays = 0;
  const at = `pages[${form.pages.indexOf(photo)}]`;
  assert.deepEqual(problemsOf(form), [
    'settings.retentionDays must be a whole number from 1 to 3650',
    `${at}.settings.multiline is not a known property`,
    `${at}.settings.fileTypes[1] must be one of pdf, jpg, png, docx, xlsx, odt, csv, txt`,
    `${at}.settings.fileTypes must not repeat a kind of file`,
    `${at}.settings.maxSizeMb must be a whole number from 1 to 7`,
    `${at}.repeatable is not possible for a file question`,
  ]);
});

test('a form cannot take the addresses Forms uses for itself as its slug, nor an unknown sign-in level', () => {
  for (const slug of ['files', 'submissions', 'sign-in', 'signed-out']) {
    assert.deepEqual(problemsOf({ ...exampleForm(), slug }), ['$.slug must not be files, submissions, sign-in, signed-out: Forms uses those addresses']);
  }
  const form = exampleForm();
  form.settings.signIn = 'P2';
  assert.deepEqual(problemsOf(form), ['settings.signIn must be one of Cl, Cl.Cm']);
});

test('a payment: a whole number of pence within Pay\'s bounds, a description (in Welsh too on a Welsh form), parsed as written', () => {
  const form = exampleForm();
  form.settings.payment = { amount: 2500, description: 'Rod licence', descriptionCy: 'Trwydded gwialen' };
  const parsed = parseFormDefinition(form);
  assert.deepEqual(parsed.problems, []);
  assert.deepEqual(parsed.definition?.settings.payment, form.settings.payment);
  for (const [amount, problem] of [[0, 'from 1 to 10000000'], [10_000_001, 'from 1 to 10000000'], [12.5, 'from 1 to 10000000'], ['2500', 'from 1 to 10000000']] as const) {
    form.settings.payment = { amount, description: 'Rod licence', descriptionCy: 'Trwydded gwialen' };
    assert.deepEqual(problemsOf(form), [`settings.payment.amount must be a whole number ${problem}`]);
  }
  form.settings.payment = { amount: 100, description: 'x'.repeat(256), currency: 'EUR' };
  assert.deepEqual(problemsOf(form), [
    'settings.payment.currency is not a known property',
    'settings.payment.description must be at most 255 characters',
    'settings.payment.descriptionCy is needed: the form is offered in Welsh',
  ]);
});
