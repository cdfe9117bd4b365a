import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createTestKernel } from '../../../testing/test-kernel.ts';
import { EXAMPLES_DIRECTORY } from '../guidance.cli.ts';
import { openGuidanceLibrary } from '../guidance.contract.ts';
import { guidanceModule } from '../guidance.module.ts';
import { importGuidanceFolder } from '../import/import-folder.ts';
import { composeExtractiveAnswer } from './extractive-composer.ts';
import { checkAnswer } from './output-guardrails.ts';
import { createGuidanceRetriever } from './retrieval.ts';

test('the extractive composer answers from the guidance with sources, and says so when the guidance has no answer', async (t) => {
  const kernel = await createTestKernel(t, { modules: [guidanceModule] });
  const library = openGuidanceLibrary(kernel);
  await importGuidanceFolder({ directory: EXAMPLES_DIRECTORY, library, actor: 'test', publish: true });
  const retriever = createGuidanceRetriever(library);
  const answer = async (question: string, lang: 'en' | 'cy' = 'en') => composeExtractiveAnswer(await retriever.retrieve({ question, lang }));

  const cost = await answer('How much does a Blue Badge cost?');
  assert.equal(cost.kind, 'answer');
  if (cost.kind !== 'answer') return;
  assert.ok(cost.passages.some((passage) => passage.text.includes('up to £10')));
  assert.ok(cost.sources.some((source) => source.url === '/guidance/blue-badge/what-it-costs'));
  // Every passage cites a source, every source is cited.
  assert.ok(cost.passages.every((passage) => cost.sources[passage.source] !== undefined));
  assert.deepEqual(new Set(cost.passages.map((passage) => passage.source)).size, cost.sources.length);
  const check = checkAnswer({ text: cost.passages.map((passage) => passage.text).join('\n'), sourceCount: cost.sources.length, citedPassages: cost.passages.map((passage) => passage.text) });
  assert.deepEqual(check, { passed: true });

  const welsh = await answer('Faint mae Bathodyn Glas yn ei gostio?', 'cy');
  assert.equal(welsh.kind, 'answer');

  for (const question of ['How do I renew my passport?', 'Can I get a refund on my TV licence?', 'What is the capital of France?', 'How?', 'Sut mae gwneud cais am basbort?']) {
    assert.deepEqual(await answer(question, question.startsWith('Sut') ? 'cy' : 'en'), { kind: 'no-answer' }, question);
  }
});

test('output guardrails: no source, a sentence the sources do not hold, or a forbidden term fails the answer', () => {
  const passage = 'Your council may charge up to £10 for a badge. Some councils do not charge at all.';
  assert.deepEqual(checkAnswer({ text: 'Your council may charge up to £10 for a badge.', sourceCount: 1, citedPassages: [passage] }), { passed: true });
  assert.deepEqual(checkAnswer({ text: 'A badge costs £10.', sourceCount: 0, citedPassages: [] }), { passed: false, failure: 'no-source' });
  assert.equal(checkAnswer({ text: 'Badges are free for everyone over 65 and delivered by drone.', sourceCount: 1, citedPassages: [passage] }).passed, false);
  assert.deepEqual(checkAnswer({ text: 'Your council may charge up to £10. Approval is guaranteed.', sourceCount: 1, citedPassages: [passage] }).passed, false);
  assert.equal(checkAnswer({ text: 'As an AI language model, I think councils charge £10.', sourceCount: 1, citedPassages: [passage] }).passed, false);
});
