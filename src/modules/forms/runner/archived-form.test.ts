import assert from 'node:assert/strict';
import { test } from 'node:test';
import { bilingualForm, both, createRunnerTestApp, Visitor } from './runner.test-kit.ts';

const FORM = '/forms/register-a-boat';

function boatForm() {
  return bilingualForm({
    slug: 'register-a-boat',
    name: both('Register a boat', 'Cofrestru cwch'),
    settings: { referenceFormat: 'BOAT-######', support: { email: 'boats@example.gov.uk', phone: both('01632 960 002', '01632 960 002'), url: 'https://example.gov.uk/boats', urlText: both('Boat help', 'Help cychod') } },
    pages: [
      { id: 'boat-name', answerType: 'text', question: both('What is the boat called?', 'Beth yw enw’r cwch?') },
      { id: 'length', answerType: 'number', question: both('How long is it, in metres?', 'Pa mor hir yw e, mewn metrau?') },
    ],
  });
}

test('a form taken down halfway: the person sees "This form is no longer available" with its support contact (English and Welsh), on every page and answer; who had submitted still sees their confirmation', async (t) => {
  const { app, versions, formId } = await createRunnerTestApp(t, boatForm());
  const halfway = new Visitor(app);
  await halfway.answer(`${FORM}/pages/boat-name`, { answer: 'Morwennol' }, `${FORM}/pages/length`);
  const submitted = new Visitor(app);
  await submitted.answer(`${FORM}/pages/boat-name`, { answer: 'Gwylan' }, `${FORM}/pages/length`);
  await submitted.answer(`${FORM}/pages/length`, { answer: '7' }, `${FORM}/check-answers`);
  await submitted.get(`${FORM}/check-answers`);
  assert.equal((await submitted.post(`${FORM}/check-answers`)).headers.location, `${FORM}/confirmation`);
  const reference = /<strong>(BOAT-[A-Z0-9]{6})<\/strong>/.exec((await submitted.get(`${FORM}/confirmation`)).body)?.[1];
  assert.ok(reference);
  await halfway.get(`${FORM}/pages/length`);

  assert.equal(await versions.archive({ formId, actor: 'operator:test' }), true);

  for (const url of [`${FORM}/pages/length`, FORM, `${FORM}/check-answers`, `${FORM}/pages/boat-name`]) {
    const page = await halfway.get(url);
    assert.equal(page.statusCode, 404, url);
    assert.match(page.body, /<title>This form is no longer available/, url);
    assert.match(page.body, /‘Register a boat’ has been taken down[\s\S]*mailto:boats@example.gov.uk[\s\S]*01632 960 002[\s\S]*href="https:\/\/example.gov.uk\/boats">Boat help/, url);
  }
  const answered = await halfway.post(`${FORM}/pages/length`, { answer: '9' });
  assert.equal(answered.statusCode, 404, 'an answer is not taken');
  assert.match(answered.body, /This form is no longer available/);
  const welsh = await halfway.get(`${FORM}/pages/length?lang=cy`);
  assert.match(welsh.body, /<title>Nid yw’r ffurflen hon ar gael mwyach[\s\S]*Mae ‘Cofrestru cwch’ wedi’i thynnu i lawr[\s\S]*Help cychod/);
  const stranger = await new Visitor(app).get(FORM);
  assert.equal(stranger.statusCode, 404);
  assert.match(stranger.body, /This form is no longer available/, 'someone coming to its address is told too');

  const confirmation = await submitted.get(`${FORM}/confirmation`);
  assert.equal(confirmation.statusCode, 200);
  assert.match(confirmation.body, new RegExp(`Your form has been submitted[\\s\\S]*${reference}`));
  assert.equal((await submitted.get(`${FORM}/check-answers`)).headers.location, `${FORM}/confirmation`, 'the journey still goes to the confirmation');

  // A form never published, or an address with no form: not found, as before.
  const nothing = await new Visitor(app).get('/forms/no-such-form');
  assert.equal(nothing.statusCode, 404);
  assert.doesNotMatch(nothing.body, /no longer available/);

  // Published again, the person halfway goes on with their answers.
  await versions.importForm({ serviceId: 'service-a', definition: boatForm(), actor: 'operator:test' });
  assert.equal((await halfway.get(`${FORM}/pages/length`)).statusCode, 200);
});

test('an error other than a form taken down is answered by the kernel as before (a bad address on a runner page is a 400 page, not the form’s page)', async (t) => {
  const { app } = await createRunnerTestApp(t, boatForm());
  const page = await new Visitor(app).get(`${FORM}/pages/NOT_AN_ID`);
  assert.equal(page.statusCode, 400);
  assert.doesNotMatch(page.body, /no longer available/);
});
