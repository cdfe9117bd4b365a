import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createTestKernel } from '../../../testing/test-kernel.ts';
import { createTranslations } from '../../../platform/http/i18n.ts';
import { EXAMPLES_DIRECTORY } from '../guidance.cli.ts';
import { openGuidanceLibrary } from '../guidance.contract.ts';
import { guidanceModule } from '../guidance.module.ts';
import { importGuidanceFolder } from '../import/import-folder.ts';
import { openAssistant } from './open-assistant.ts';
import { isAbout, subjectOf } from './question-subject.ts';

test('the subject of a question that asks how to do something to a thing is that thing’s head word; other questions have none', () => {
  assert.equal(subjectOf('How do I apply for a passport?'), 'passport');
  assert.equal(subjectOf('How do I get a resident parking permit?'), 'permit');
  assert.equal(subjectOf('how can i renew my driving licence online'), 'licence');
  assert.equal(subjectOf('I want to apply for a Blue Badge for my son'), 'badge');
  assert.equal(subjectOf('Where do I pay a parking fine?'), 'fine');
  assert.equal(subjectOf('Can I get a discount on my council tax?'), 'discount');
  for (const question of ['How much does a Blue Badge cost?', 'What is a penalty charge notice?', 'Can my husband use my badge?', 'Sut mae gwneud cais am basbort?', 'How do I?', `How do I apply for ${'a '.repeat(5_000)}`]) {
    assert.equal(subjectOf(question), undefined, question.slice(0, 40));
  }
  assert.equal(isAbout({ title: 'Blue Badges for disabled people: How to apply', heading: 'How to apply' }, 'passport'), false);
  assert.equal(isAbout({ title: 'Blue Badges for disabled people', heading: 'Renewing' }, 'badge'), true, 'stems and plurals match');
  assert.equal(isAbout({ title: 'Council Tax', heading: 'Discounts and exemptions' }, 'discount'), true);
});

test('the assistant answers only from pages about the thing asked about: a passport mentioned as proof of identity does not answer how to get one', async (t) => {
  const kernel = await createTestKernel(t, { modules: [guidanceModule] });
  const library = openGuidanceLibrary(kernel);
  await importGuidanceFolder({ directory: EXAMPLES_DIRECTORY, library, actor: 'test', publish: true });
  const { assistant } = openAssistant({ db: kernel.db, library, config: kernel.config, translations: createTranslations([guidanceModule.messages!]) });
  for (const question of ['How do I apply for a passport?', 'How do I renew my driving licence?', 'How do I apply for a fishing licence?', 'How do I get a resident parking permit?']) {
    assert.deepEqual((await assistant.answer({ question, language: 'en' })).refused, { reason: 'no-answer' }, question);
  }
  for (const question of ['How do I apply for a Blue Badge?', 'How do I renew my Blue Badge?', 'How do I pay a parking fine?']) {
    const answer = await assistant.answer({ question, language: 'en' });
    assert.equal(answer.refused, null, question);
    assert.ok(answer.sources.length > 0, question);
  }
});
