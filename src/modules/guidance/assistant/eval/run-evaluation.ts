/**
 * `npm run eval:assistant`: the assistant's evaluation over the example guidance shipped with
 * Civitas, on a fresh SQLite database of its own. Prints each figure beside its target (from
 * ../shared/TARGETS.md) for the development set, the held-out set and both together, and exits
 * non-zero when a target is not met on both together. `--misses` lists the
 * development question behind each figure that fell short; the held-out set's are never listed,
 * so nobody improves the assistant by looking at them.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { loadConfig } from '../../../../platform/config/load-config.ts';
import { createTranslations } from '../../../../platform/http/i18n.ts';
import { openKernel } from '../../../../platform/kernel.ts';
import { EXAMPLES_DIRECTORY } from '../../guidance.cli.ts';
import { openGuidanceLibrary } from '../../guidance.contract.ts';
import { guidanceModule } from '../../guidance.module.ts';
import { importGuidanceFolder } from '../../import/import-folder.ts';
import { openAssistant } from '../open-assistant.ts';
import { describeScores, EVALUATION_SETS, readEvaluationSet, runEvaluation, scoreEvaluation } from './evaluation.ts';

const directory = mkdtempSync(join(tmpdir(), 'civitas-assistant-eval-'));
// An operator evaluates its own model by setting ASSISTANT_MODEL_* as it would for the site.
const modelSettings = Object.fromEntries(Object.entries(process.env).filter(([name]) => name.startsWith('ASSISTANT_MODEL_')));
const { config } = loadConfig({ NODE_ENV: 'test', LOG_LEVEL: 'silent', DATABASE_URL: `sqlite:${join(directory, 'civitas.sqlite')}`, OUTBOUND_ALLOW_PRIVATE_NETWORK: 'false', ...modelSettings });
const kernel = openKernel({ config, modules: [guidanceModule], logger: pino({ level: 'silent' }) });
try {
  await kernel.migrate();
  const library = openGuidanceLibrary(kernel);
  await importGuidanceFolder({ directory: EXAMPLES_DIRECTORY, library, actor: 'eval', publish: true });
  const { assistant, retriever } = openAssistant({ db: kernel.db, library, config, translations: createTranslations([guidanceModule.messages!]) });
  const development = await runEvaluation({ assistant, retriever, questions: readEvaluationSet(EVALUATION_SETS.development) });
  const heldOut = await runEvaluation({ assistant, retriever, questions: readEvaluationSet(EVALUATION_SETS.heldOut) });
  const listMisses = process.argv.includes('--misses');
  const report = [
    describeScores(`Development set (${development.length} questions)`, scoreEvaluation(development), { listMisses }),
    describeScores(`Held-out set (${heldOut.length} questions, never studied)`, scoreEvaluation(heldOut)),
    describeScores(`All ${development.length + heldOut.length} questions`, scoreEvaluation([...development, ...heldOut])),
  ];
  const answers = [...development, ...heldOut].filter((result) => result.answer.composer !== undefined);
  const composer = config.ASSISTANT_MODEL_URL === ''
    ? 'extractive composer'
    : `model ${config.ASSISTANT_MODEL_NAME}: ${answers.filter((result) => result.answer.composer === 'model').length} of ${answers.length} answers worded by it, the rest extractive`;
  process.stdout.write(`Assistant evaluation (${composer})\n${report.map((part) => part.lines.join('\n')).join('\n')}\n`);
  process.exitCode = report[2]!.allMet ? 0 : 1;
} finally {
  await kernel.close();
  rmSync(directory, { recursive: true, force: true });
}
