import assert from 'node:assert/strict';
import { test } from 'node:test';
import { convertXlsform } from './convert-xlsform.ts';
import { readXlsformWorkbook } from './read-workbook.ts';
import { describeXlsformProblem } from './xlsform-problems.ts';
import { BOAT_XLSFORM, buildWorkbook, type SheetCells } from './xlsform.test-kit.ts';

const SETTINGS: SheetCells = [
  ['form_title', 'form_id', 'privacy_url', 'what_happens_next'],
  ['Test form', 'test_form', 'https://example.gov.uk/privacy', 'We will be in touch.'],
];
const YES_NO: SheetCells = [
  ['list_name', 'name', 'label'],
  ['yn', 'yes', 'Yes'],
  ['yn', 'no', 'No'],
  ['kinds', 'rod', 'Rod'],
  ['kinds', 'net', 'Net'],
];

async function convert(sheets: Record<string, SheetCells>, fallbackFormId = 'from-the-file-name') {
  const read = await readXlsformWorkbook(await buildWorkbook(sheets));
  assert.deepEqual(read.problems, []);
  const converted = convertXlsform(read.sheets as NonNullable<typeof read.sheets>, { fallbackFormId });
  return { ...converted, problems: converted.problems.map(describeXlsformProblem), warnings: converted.warnings.map(describeXlsformProblem) };
}

/** An English survey with the settings and choices above: each row is [type, name, label, required, relevant]. */
const survey = (...rows: ReadonlyArray<ReadonlyArray<string | undefined>>) => ({ survey: [['type', 'name', 'label', 'required', 'relevant'], ...rows], choices: YES_NO, settings: SETTINGS });

test('the boat XLSForm maps to pages of Civitas answer types, in English and Welsh, with its relevant group as routing', async () => {
  const { definition, problems, warnings } = await convert(BOAT_XLSFORM);
  assert.deepEqual(problems, []);
  assert.deepEqual(warnings, ['survey row 2: start records something about the device or session, not an answer: left out']);
  assert.ok(definition);
  assert.equal(definition.slug, 'register-fishing-boat');
  assert.deepEqual(definition.name, { en: 'Register a fishing boat', cy: 'Cofrestru cwch pysgota' });
  assert.deepEqual(definition.settings.languages, ['en', 'cy']);
  assert.deepEqual(
    definition.pages.map((page) => [page.id, page.answerType, page.optional ?? false, page.repeatable ?? false]),
    [
      ['owns-boat', 'selection', false, false],
      ['boat-name', 'text', false, false],
      ['boat-length', 'number', false, false],
      ['waters', 'selection', false, false],
      ['email', 'email', false, false],
      ['start-date', 'date', false, false],
      ['helper-name', 'text', false, true],
      ['experience', 'text', true, false],
      ['boat-photo', 'file', true, false],
    ],
  );
  const page = (id: string) => definition.pages.find((item) => item.id === id);
  assert.deepEqual(page('owns-boat')?.routes, [{ answer: 'no', goTo: 'waters' }], 'the group asked when owns_boat is yes: no goes past it');
  assert.deepEqual(page('boat-length')?.hint, { en: 'Round up to the next metre', cy: 'Talgrynnwch i fyny i’r metr nesaf' });
  assert.deepEqual(page('waters')?.guidance, { en: 'Read the fishing rules before you go on.', cy: 'Darllenwch y rheolau pysgota cyn mynd ymlaen.' }, 'the note is the next question’s guidance');
  assert.deepEqual(page('waters')?.settings, {
    multiple: true,
    options: [
      { value: 'rivers', label: { en: 'Rivers', cy: 'Afonydd' } },
      { value: 'lakes', label: { en: 'Lakes', cy: 'Llynnoedd' } },
      { value: 'sea', label: { en: 'The sea', cy: 'Y môr' } },
    ],
  });
  assert.deepEqual(page('experience')?.settings, { multiline: true });
  assert.deepEqual(page('boat-photo')?.settings, { fileTypes: ['jpg', 'png'] });
});

test('an English form: unsuffixed columns, the address from the file name, routing to check your answers, conditions joined by or', async () => {
  const { definition, problems } = await convert({
    survey: [
      ['Type', 'Name', 'Label', 'Hint', 'Required', 'Relevant', 'Guidance_hint'],
      ['select one kinds', 'kind', 'What kind?', 'Choose one', 'yes'],
      ['decimal', 'weight', 'How heavy?', undefined, 'true', "${kind} = 'rod' or selected(${kind}, 'rod')", '## Weighing\n\nUse scales.'],
    ],
    choices: [['list name', 'name', 'label'], ...YES_NO.slice(1)],
    settings: [SETTINGS[0]?.filter((column) => column !== 'form_id') ?? [], ['Test form', 'https://example.gov.uk/privacy', 'We will be in touch.']],
  }, 'Weigh_Your_Catch');
  assert.deepEqual(problems, []);
  assert.equal(definition?.slug, 'weigh-your-catch');
  assert.deepEqual(definition?.settings.languages, ['en']);
  assert.deepEqual(definition?.pages[0]?.routes, [{ answer: 'net', goTo: 'check-answers' }]);
  assert.deepEqual(definition?.pages[1]?.guidance, { en: '## Weighing\n\nUse scales.' });
  assert.deepEqual(definition?.pages[0]?.hint, { en: 'Choose one' });
});

test('older spellings pyxform still reads: single-colon languages (label:English), caption and relevance, and the phone number type', async () => {
  const { definition, problems } = await convert({
    survey: [
      ['type', 'name', 'caption:English', 'caption:Welsh', 'required', 'relevance'],
      ['select_one yn', 'call', 'Can we call you?', 'Gawn ni eich ffonio?', 'yes'],
      ['phone number', 'phone', 'What is your phone number?', 'Beth yw eich rhif ffôn?', 'yes', "${call} = 'yes'"],
    ],
    choices: [['list_name', 'name', 'label:English', 'label:Welsh'], ['yn', 'yes', 'Yes', 'Ie'], ['yn', 'no', 'No', 'Na']],
    settings: [['form_title:English', 'form_title:Welsh', 'privacy_url', 'what_happens_next:English', 'what_happens_next:Welsh'], ['Call me', 'Ffoniwch fi', 'https://example.gov.uk/privacy', 'Soon.', 'Cyn bo hir.']],
  });
  assert.deepEqual(problems, []);
  assert.deepEqual(definition?.pages[1], { id: 'phone', answerType: 'phone_number', question: { en: 'What is your phone number?', cy: 'Beth yw eich rhif ffôn?' } });
  assert.deepEqual(definition?.pages[0]?.routes, [{ answer: 'no', goTo: 'check-answers' }]);
});

test('nested conditions: a question named by a condition passes on its own conditions, so each answer skips exactly what XLSForm would hide', async () => {
  const { definition, problems } = await convert(
    survey(
      ['select_one yn', 'fishes', 'Do you fish?', 'yes'],
      ['select_one kinds', 'kind', 'What kind?', 'yes', "${fishes} = 'yes'"],
      ['text', 'net_size', 'What size is your net?', 'yes', "${kind} = 'net'"],
      ['begin_group', 'boat', 'Boat', undefined, "${fishes} = 'yes'"],
      ['select_one yn', 'has_boat', 'Do you have a boat?', 'yes'],
      ['text', 'boat_name', 'Boat name', 'yes', "${has_boat} = 'yes'"],
      ['end_group'],
      ['text', 'town', 'Which town?', 'yes'],
    ),
  );
  assert.deepEqual(problems, []);
  assert.deepEqual(
    definition?.pages.map((page) => [page.id, page.routes ?? []]),
    [
      ['fishes', [{ answer: 'no', goTo: 'town' }]],
      ['kind', [{ answer: 'rod', goTo: 'has-boat' }]],
      ['net-size', []],
      ['has-boat', [{ answer: 'no', goTo: 'town' }]],
      ['boat-name', []],
      ['town', []],
    ],
  );
});

test('routing XLSForm cannot say the Civitas way is refused on the row, with why', async () => {
  const cases: Array<[string, Record<string, SheetCells>, string]> = [
    [
      'not straight after',
      survey(['select_one yn', 'q', 'Q?', 'yes'], ['text', 'always', 'Always?', 'yes'], ['text', 'sometimes', 'Sometimes?', 'yes', "${q} = 'yes'"]),
      "survey row 4: the questions asked only when ${q} is 'yes' must come straight after ${q} (row 2): Civitas routes from that answer past them",
    ],
    [
      'either/or branches',
      survey(['select_one kinds', 'q', 'Q?', 'yes'], ['text', 'rod_only', 'Rod?', 'yes', "${q} = 'rod'"], ['text', 'net_only', 'Net?', 'yes', "${q} = 'net'"]),
      "survey row 4: the questions asked only when ${q} is 'net' must come straight after ${q} (row 2): Civitas routes from that answer past them",
    ],
    [
      'not one after another',
      survey(['select_one yn', 'q', 'Q?', 'yes'], ['text', 'a', 'A?', 'yes', "${q} = 'yes'"], ['text', 'b', 'B?', 'yes'], ['text', 'c', 'C?', 'yes', "${q} = 'yes'"]),
      "survey row 3: the questions asked only when ${q} is 'yes' are not one after another: another question comes between them",
    ],
    ['optional question', survey(['select_one yn', 'q', 'Q?', 'no'], ['text', 'a', 'A?', 'yes', "${q} = 'yes'"]), 'survey row 3: relevant names ${q}, which is not required: make it required (an unanswered question cannot route)'],
    ['select_multiple', survey(['select_multiple kinds', 'q', 'Q?', 'yes'], ['text', 'a', 'A?', 'yes', "selected(${q}, 'rod')"]), 'survey row 3: relevant names ${q}: only a select_one question can decide which questions are asked'],
    ['unknown question', survey(['text', 'a', 'A?', 'yes', "${nowhere} = 'yes'"]), 'survey row 2: relevant names ${nowhere}, which is not a question of the survey'],
    ['a later question', survey(['text', 'a', 'A?', 'yes', "${q} = 'yes'"], ['select_one yn', 'q', 'Q?', 'yes']), 'survey row 2: relevant names ${q}, which is not asked before this row'],
    ['not a choice', survey(['select_one yn', 'q', 'Q?', 'yes'], ['text', 'a', 'A?', 'yes', "${q} = 'maybe'"]), "survey row 3: relevant names 'maybe', which is not a choice of ${q}"],
    [
      'not equality',
      survey(['select_one yn', 'q', 'Q?', 'yes'], ['text', 'a', 'A?', 'yes', "${q} != 'no'"]),
      "survey row 3: relevant \"${q} != 'no'\" cannot become routing: only ${q} = 'value' and selected(${q}, 'value') on a select_one question (joined by or on one question, or by and) are supported",
    ],
  ];
  for (const [name, sheets, problem] of cases) {
    const converted = await convert(sheets);
    assert.equal(converted.definition, undefined, name);
    assert.deepEqual(converted.problems, [problem], name);
  }
});

test('every construct Civitas cannot take is listed by sheet and row, all at once, and nothing is imported', async () => {
  const { definition, problems } = await convert({
    survey: [
      ['type', 'name', 'label', 'required', 'relevant', 'constraint', 'calculation', 'choice_filter', 'read_only', 'media::image', 'repeat_count'],
      ['calculate', 'total', undefined, undefined, undefined, undefined, '1 + 1'],
      ['integer', 'age', 'How old are you?', 'yes', undefined, '. > 17'],
      ['select_one kinds', 'kind', 'What kind?', 'yes', undefined, undefined, undefined, 'kind = ${age}'],
      ['geopoint', 'where', 'Where are you?'],
      ['text', 'why', 'Why?', '${age} > 20'],
      ['select_one yn or_other', 'other', 'Other?'],
      ['select_one missing', 'lost', 'Lost?'],
      ['text', 'age', 'Again?'],
      ['begin_repeat', 'people', 'People', undefined, undefined, undefined, undefined, undefined, undefined, undefined, '3'],
      ['text', 'first', 'First?'],
      ['text', 'second', 'Second?'],
      ['end_repeat'],
      ['text', 'fixed', 'Fixed?', undefined, undefined, undefined, undefined, undefined, 'yes', 'map.png'],
      ['end_group'],
      ['begin_group', 'open'],
      ['note', 'bye', 'Thank you'],
    ],
    choices: [['list_name', 'name', 'label'], ['yn', 'yes', 'Yes'], ['yn', 'none', 'None'], ['yn', 'yes', 'Yes again'], ['kinds', 'rod', 'Rod'], ['kinds', 'net', 'Net'], ['kinds', '-bad', 'Bad']],
    settings: [['form_title', 'public_key', 'what_happens_next'], ['Test form', 'MIIBIjANBg', 'We will be in touch.']],
  });
  assert.equal(definition, undefined);
  assert.deepEqual(problems, [
    'choices row 3: the choice name "none" is Civitas\'s own "None of the above": give the choice another name',
    'choices row 4: the choice "yes" is in the list "yn" already (row 2)',
    'choices row 7: the choice name "-bad" may hold letters, digits, spaces and simple punctuation, starting with a letter or digit',
    'survey row 2: calculate (a computed value) is not supported: Civitas asks questions only',
    'survey row 3: constraint ". > 17" is not supported (Civitas checks each answer type its own way; a regex with @ on a text question makes it an email question)',
    'survey row 4: choice_filter (cascading choices) is not supported',
    'survey row 5: the type "geopoint" has no Civitas answer type (supported: text, integer, decimal, date, phone number, select_one, select_multiple, image, file, note, groups and one-question repeats)',
    'survey row 6: required "${age} > 20" is an expression: only yes or no is supported',
    'survey row 7: "or_other" is not supported: add an "other" choice and a text question after it',
    'survey row 8: the choice list "missing" is not on the choices sheet',
    'survey row 9: the name "age" is used already (row 3)',
    'survey row 10: repeat_count is not supported: a repeat asks "add another" until the person stops',
    'survey row 10: a repeat becomes "add another" on one question: this one has 2 questions',
    'survey row 14: a picture, sound or video beside a question cannot be shown',
    'survey row 14: read_only questions are not supported: a person answers every question',
    'survey row 15: end_group has no begin_group before it',
    'survey row 16: begin_group has no end_group',
    'survey row 17: a note becomes the guidance of the question after it: there is none',
    'settings row 2: public_key (encrypted submissions) is not supported: submissions are kept in Civitas, sealed at rest',
    'settings row 2: privacy_url is needed: the https:// address of the form’s privacy notice',
  ]);
});

test('names: each becomes a page id (lower case, _ and . as -); two names making one id, or Civitas’s own check-answers, are refused', async () => {
  const { problems } = await convert(survey(['text', 'Boat_Name', 'A?', 'yes'], ['text', 'boat.name', 'B?', 'yes'], ['text', 'check_answers', 'C?', 'yes'], ['text', '1st', 'D?', 'yes']));
  assert.deepEqual(problems, [
    'survey row 3: the name "boat.name" becomes the page "boat-name", as the question in row 2 does: rename one',
    'survey row 4: the name "check_answers" becomes the page "check-answers", which is Civitas\'s own: rename it',
    'survey row 5: the name "1st" must start with a letter or _ and hold only letters, digits, _, - and .',
  ]);
  // What the definition's own checks find is put back on the row it came from.
  const long = await convert(survey(['text', 'short', 'A?', 'yes'], ['text', 'x'.repeat(70), 'B?', 'yes']));
  assert.deepEqual(long.problems, ['survey row 3: name (as the page id): must be at most 64 characters']);
  const wordy = await convert(survey(['text', 'wordy', 'W'.repeat(501), 'yes']));
  assert.deepEqual(wordy.problems, ['survey row 2: label: must be at most 500 characters']);
});

test('settings: what Civitas needs is asked for by name, what it would break is refused, what changes nothing is a warning', async () => {
  const missing = await convert({ survey: [['type', 'name', 'label'], ['text', 'q', 'Q?']], settings: [['form_id', 'submission_url', 'instance_name'], ['x', 'https://odk.example/submission', 'concat(${q})']] });
  assert.deepEqual(missing.problems, [
    'settings row 2: submission_url is not supported: submissions go to Civitas (use submission_email, or a webhook with forms import)',
    'settings row 2: form_title is needed: the name of the form people see',
    'settings row 2: privacy_url is needed: the https:// address of the form’s privacy notice',
    'settings row 2: what_happens_next is needed: what the person is told happens after they submit',
  ]);
  assert.deepEqual(missing.warnings, ['settings row 2: instance_name is left out: each submission is named by its reference']);

  const checked = await convert({
    survey: [['type', 'name', 'label', 'default', 'esri:fieldtype', 'label::Français (fr)'], ['text', 'q', 'Q?', 'Ffion', 'null', 'Q ?']],
    settings: [['form_title', 'form_id', 'privacy_url', 'what_happens_next', 'reference_format'], ['Test', 'files', 'http://example.gov.uk/privacy', 'Soon.', 'SHORT-#']],
  });
  assert.deepEqual(checked.problems, [
    'settings row 2: form_id: must not be files, submissions, sign-in, signed-out: Forms uses those addresses',
    'settings row 2: settings.referenceFormat: needs at least 6 # characters',
    'settings row 2: settings.privacyUrl: must be an https:// address',
  ]);
  assert.deepEqual(checked.warnings, [
    'survey: the columns in Français (fr) are left out: Civitas offers forms in English and Welsh',
    'survey: the columns esri:fieldtype are not XLSForm columns Civitas knows: left out',
    'survey row 2: default is left out: Civitas asks every question without a prefilled answer',
  ]);
});

test('Welsh: a Welsh column makes the form bilingual and every text then needs its Welsh; a Welsh default language needs English columns', async () => {
  const { problems } = await convert({
    survey: [['type', 'name', 'label::English (en)', 'label::Welsh (cy)', 'hint::English (en)'], ['select_one yn', 'q', 'Q?', 'C?', 'A hint'], ['text', 'r', 'R?']],
    choices: [['list_name', 'name', 'label::English (en)', 'label::cy'], ['yn', 'yes', 'Yes', 'Ie'], ['yn', 'no', 'No']],
    settings: [['form_title::English (en)', 'form_title::Cymraeg', 'privacy_url', 'what_happens_next::en', 'what_happens_next::cy'], ['Test', 'Prawf', 'https://example.gov.uk/privacy', 'Soon.', 'Cyn bo hir.']],
  });
  assert.deepEqual(problems, [
    'choices row 3: has no label::Welsh (cy): the form is offered in Welsh, so every text needs its Welsh',
    'survey row 2: has no hint::Welsh (cy): the form is offered in Welsh, so every text needs its Welsh',
    'survey row 3: has no label::Welsh (cy): the form is offered in Welsh, so every text needs its Welsh',
  ]);
  const welshFirst = await convert({ survey: [['type', 'name', 'label'], ['text', 'q', 'Beth?']], settings: [['form_title', 'default_language', 'privacy_url', 'what_happens_next'], ['Prawf', 'Welsh (cy)', 'https://example.gov.uk/privacy', 'Cyn bo hir.']] });
  assert.deepEqual(welshFirst.problems, [
    'survey row 2: has no English label (label or label::English (en))',
    'settings row 2: has no English form_title (form_title or form_title::English (en))',
    'settings row 2: has no English what_happens_next (what_happens_next or what_happens_next::English (en))',
  ]);
});
