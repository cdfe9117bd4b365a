/**
 * The assistant's figure from ../shared/TARGETS.md: answer p95 (extractive, no model) over
 * 10,000 guidance passages, through POST /api/assistant/answers, beside /search over the same
 * guidance and the page shell (a static page in the same layout), measured in the same run.
 * The example guidance is published with 1,000 generated pages of ten passages each around it
 * (a vocabulary of a few thousand words, common ones often and rare ones seldom). Requests are
 * made in process (app.inject) on durable SQLite, each from an address of its own so the
 * assistant's rate limit does not count them; the indexes are built before timing.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { InjectOptions } from 'fastify';
import { pino } from 'pino';
import { buildApp, modules } from '../src/app.ts';
import { loadConfig } from '../src/platform/config/load-config.ts';
import { openKernel } from '../src/platform/kernel.ts';
import { openGuidanceLibrary } from '../src/modules/guidance/guidance.contract.ts';
import { EXAMPLES_DIRECTORY } from '../src/modules/guidance/guidance.cli.ts';
import { importGuidanceFolder } from '../src/modules/guidance/import/import-folder.ts';
import { EVALUATION_SETS, readEvaluationSet } from '../src/modules/guidance/assistant/eval/evaluation.ts';
import { passagesOf } from '../src/modules/guidance/assistant/passages.ts';
import { ADVERSARIAL_FLOODS } from '../src/modules/guidance/assistant/eval/adversarial-floods.ts';
import { checkQuestion } from '../src/modules/guidance/assistant/input-guardrails.ts';
import { percentile, report } from './bench-support.ts';

const GENERATED_PAGES = 1_000;
const PARAGRAPHS_PER_PAGE = 10;
const ROUNDS = 3;

let seed = 17;
const random = () => ((seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31);
const SYLLABLES = ['ab', 'ber', 'cal', 'dor', 'el', 'fin', 'gar', 'hol', 'in', 'jen', 'kel', 'lan', 'mor', 'nes', 'ol', 'pen', 'quar', 'ros', 'sel', 'tan', 'ur', 'ven', 'wal', 'yst'];
const EVERYDAY = 'council tax badge parking fine pay apply renew discount band appeal payment letter online phone account code password home vehicle permit licence form evidence deadline days weeks months'.split(' ');
const WORDS = [...EVERYDAY, ...Array.from({ length: 3_000 }, (_, index) => `${SYLLABLES[index % 24]}${SYLLABLES[Math.floor(index / 24) % 24]}${SYLLABLES[Math.floor(index / 576) % 24]}`)];
const zipfWord = () => WORDS[Math.min(WORDS.length - 1, Math.floor(Math.exp(random() * Math.log(WORDS.length))) - 1)]!;
const sentence = (words: number) => `${Array.from({ length: words }, zipfWord).join(' ')}.`;

function generatedBody(): string {
  const paragraphs = Array.from({ length: PARAGRAPHS_PER_PAGE }, (_, index) => {
    const text = `${sentence(12)} ${sentence(14)} ${sentence(10)}`;
    return index % 4 === 0 ? `## ${sentence(3).slice(0, -1)}\n\n${text}` : text;
  });
  return paragraphs.join('\n\n');
}

const directory = mkdtempSync(join(tmpdir(), 'civitas-assistant-bench-'));
const { config } = loadConfig({ NODE_ENV: 'test', LOG_LEVEL: 'warn', DATABASE_URL: `sqlite:${join(directory, 'civitas.sqlite')}` });
const kernel = openKernel({ config, modules, logger: pino({ level: 'silent' }) });
await kernel.migrate();
const app = await buildApp(kernel);
const library = openGuidanceLibrary(kernel);
await importGuidanceFolder({ directory: EXAMPLES_DIRECTORY, library, actor: 'bench', publish: true });
for (let index = 0; index < GENERATED_PAGES; index += 1) {
  await library.save({
    draft: { slug: `generated-${index}`, lang: 'en', title: `${sentence(4).slice(0, -1)} ${index}`, description: '', content: { type: 'answer', body: generatedBody() } },
    actor: 'bench',
    publish: true,
  });
}
const passages = (await library.listPublished()).flatMap(passagesOf).length;

// Every question of the evaluation set (answered, refused and unanswerable alike), in its language.
const questions = [...readEvaluationSet(EVALUATION_SETS.development), ...readEvaluationSet(EVALUATION_SETS.heldOut)];
let address = 0;
const nextAddress = () => `10.${(address >> 16) & 255}.${(address >> 8) & 255}.${address++ & 255}`;

async function timeEach(label: string, request: (question: (typeof questions)[number]) => InjectOptions): Promise<number[]> {
  const timings: number[] = [];
  for (let round = 0; round < ROUNDS; round += 1) {
    for (const question of questions) {
      const started = performance.now();
      const response = await app.inject(request(question));
      timings.push(performance.now() - started);
      if (response.statusCode !== 200) throw new Error(`${label} answered ${response.statusCode}: ${response.body.slice(0, 200)}`);
    }
  }
  return timings;
}

const askApi = (question: (typeof questions)[number]): InjectOptions => ({
  method: 'POST',
  url: '/api/assistant/answers',
  remoteAddress: nextAddress(),
  payload: { question: question.question, language: question.language },
});
const searchPage = (question: (typeof questions)[number]): InjectOptions => ({ method: 'GET', url: `/search?q=${encodeURIComponent(question.question)}&lang=${question.language}` });

// Warm up: the first question and search build their indexes.
await app.inject(askApi(questions[0]!));
await app.inject(searchPage(questions[0]!));
const shell = await timeEach('the page shell', () => ({ method: 'GET', url: '/cookies' }));
const search = await timeEach('/search', searchPage);
const started = performance.now();
const answers = await timeEach('the assistant', askApi);
const perSecond = answers.length / ((performance.now() - started) / 1000);

process.stdout.write('Assistant\n');
report({
  what: `assistant answer p95 over ${passages.toLocaleString('en-GB')} passages (extractive, POST /api/assistant/answers, ${questions.length} questions x ${ROUNDS})`,
  value: `${percentile(answers, 0.95).toFixed(2)} ms (p50 ${percentile(answers, 0.5).toFixed(2)} ms, ${perSecond.toFixed(0)} answers/s one at a time)`,
  target: '< 50 ms',
  baseline: `/search p95 ${percentile(search, 0.95).toFixed(2)} ms, page shell p95 ${percentile(shell, 0.95).toFixed(2)} ms`,
  met: percentile(answers, 0.95) < 50,
});

/** The input guardrails on questions built to make their patterns work hard, beside the same checks on the evaluation's questions. */
const timeChecks = (texts: readonly string[]) =>
  texts.map((text) => {
    let fastest = Infinity;
    for (let round = 0; round < ROUNDS; round += 1) {
      const checkStarted = performance.now();
      checkQuestion(text);
      fastest = Math.min(fastest, performance.now() - checkStarted);
    }
    return fastest;
  });
const floods = timeChecks(ADVERSARIAL_FLOODS);
const ordinary = timeChecks(questions.map((question) => question.question));
report({
  what: `input guardrails, slowest of ${ADVERSARIAL_FLOODS.length} adversarial 1,000-character questions`,
  value: `${Math.max(...floods).toFixed(2)} ms`,
  target: '< 30 ms',
  baseline: `evaluation questions p95 ${percentile(ordinary, 0.95).toFixed(2)} ms`,
  met: Math.max(...floods) < 30,
});
await app.close();
await kernel.close();
rmSync(directory, { recursive: true, force: true });
