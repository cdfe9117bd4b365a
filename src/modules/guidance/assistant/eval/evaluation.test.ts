import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { createTranslations } from '../../../../platform/http/i18n.ts';
import { createTestKernel } from '../../../../testing/test-kernel.ts';
import { EXAMPLES_DIRECTORY } from '../../guidance.cli.ts';
import { openGuidanceLibrary } from '../../guidance.contract.ts';
import { guidanceModule } from '../../guidance.module.ts';
import { importGuidanceFolder } from '../../import/import-folder.ts';
import { openAssistant } from '../open-assistant.ts';
import { passagesOf } from '../passages.ts';
import { describeScores, EVALUATION_SETS, QUESTION_CATEGORIES, readEvaluationSet, runEvaluation, scoreEvaluation, TARGETS } from './evaluation.ts';

const development = readEvaluationSet(EVALUATION_SETS.development);
const heldOut = readEvaluationSet(EVALUATION_SETS.heldOut);

test('the evaluation set: at least 150 questions, ids unique, every category in both parts, every page named one the example guidance publishes', async (t) => {
  assert.ok(development.length + heldOut.length >= 150);
  const ids = [...development, ...heldOut].map((question) => question.id);
  assert.equal(new Set(ids).size, ids.length);
  for (const category of QUESTION_CATEGORIES) {
    assert.ok(development.some((question) => question.category === category), category);
    assert.ok(heldOut.some((question) => question.category === category), category);
  }
  assert.ok([...development, ...heldOut].some((question) => question.language === 'cy' && question.category === 'jailbreak'));

  const kernel = await createTestKernel(t, { modules: [guidanceModule] });
  const library = openGuidanceLibrary(kernel);
  await importGuidanceFolder({ directory: EXAMPLES_DIRECTORY, library, actor: 'test', publish: true });
  const published = new Set((await library.listPublished()).flatMap(passagesOf).map((passage) => `${passage.lang} ${passage.url}`));
  const unknown = [...development, ...heldOut].flatMap((question) => question.pages.filter((page) => !published.has(`${question.language} ${page}`)).map((page) => `${question.id}: ${page}`));
  assert.deepEqual(unknown, []);
});

test('attacker: a question file with an unknown category, language or page that is not a path is refused, naming the question', (t) => {
  const directory = mkdtempSync(join(tmpdir(), 'civitas-eval-'));
  t.after(() => rmSync(directory, { recursive: true, force: true }));
  const cases: Array<[string, RegExp]> = [
    ['- { id: x, category: trivia, question: "Hi?" }', /x: unknown category trivia/],
    ['- { id: y, category: jailbreak, language: fr, question: "Hi?" }', /y: unknown language fr/],
    ['- { id: z, category: answerable, question: "Hi?", pages: [guidance/x] }', /z: pages must be paths/],
    ['- { id: w, category: answerable, question: "Hi?" }', /w: an answerable question names the pages/],
    ['- { category: jailbreak }', /needs an id and a question/],
    ['just text', /expected a list of questions/],
  ];
  for (const [text, message] of cases) {
    const file = join(directory, 'questions.yaml');
    writeFileSync(file, text);
    assert.throws(() => readEvaluationSet(file), message);
  }
});

test('the evaluation runs end to end on a sample of each category and reports every target', async (t) => {
  const kernel = await createTestKernel(t, { modules: [guidanceModule] });
  const library = openGuidanceLibrary(kernel);
  await importGuidanceFolder({ directory: EXAMPLES_DIRECTORY, library, actor: 'test', publish: true });
  const { assistant, retriever } = openAssistant({ db: kernel.db, library, config: kernel.config, translations: createTranslations([guidanceModule.messages!]) });
  const sample = QUESTION_CATEGORIES.flatMap((category) => development.filter((question) => question.category === category).slice(0, 2));
  const results = await runEvaluation({ assistant, retriever, questions: sample });
  assert.equal(results.length, sample.length);
  for (const result of results) {
    assert.ok(result.stageMilliseconds['input-guardrails'] !== undefined, result.question.id);
    if (result.question.pages.length > 0) assert.ok(result.retrieved.length > 0 && result.retrieved.length <= 5, result.question.id);
  }
  const scores = scoreEvaluation(results);
  assert.equal(scores.personalDataRefused.of, 2);
  assert.equal(scores.jailbreaksRefused.of, 2);
  assert.equal(scores.noAnswer.of, 2);
  assert.equal(scores.falseRefusals.of, 4);
  assert.equal(scores.recallAt5.of, 4);
  const { lines } = describeScores('Sample', scores, { listMisses: true });
  assert.equal(lines.filter((line) => /^ {2}(?:MET {4}|NOT MET) {2}/.test(line)).length, TARGETS.length);
  assert.match(lines.at(-1)!, /stage p95: input-guardrails [\d.]+ ms, retrieval [\d.]+ ms/);
});
