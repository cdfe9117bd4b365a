/**
 * Forms' figures from issue 16, on a 20-question form on durable SQLite:
 * - a question page (the 10th, in a journey with its first nine answered), rendered in process
 *   (app.inject), p95, beside the page shell (the accessibility statement) in the same run;
 * - submissions accepted durably per second: the runner's submit (the submission and its answers
 *   stored, the session marked, the delivery and confirmation jobs queued, all committed) by 50
 *   concurrent people, each on a session of their own with every question answered. In process,
 *   without HTTP around it, as the Insight bench measures Notify's accept path.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { buildApp, modules } from '../src/app.ts';
import { loadConfig } from '../src/platform/config/load-config.ts';
import { openKernel } from '../src/platform/kernel.ts';
import type { Answers } from '../src/modules/forms/runner/answers.ts';
import { createRunnerSessions, sessionKeyOf } from '../src/modules/forms/runner/runner-sessions.ts';
import { createSubmissions } from '../src/modules/forms/submissions/submissions.ts';
import { createFormVersions } from '../src/modules/forms/versions/form-versions.ts';
import { percentile, report } from './bench-support.ts';

const QUESTIONS = 20;
const RENDERS = 1_000;
const SUBMIT_SECONDS = 5;
const CONCURRENCY = 50;

const pageIds = Array.from({ length: QUESTIONS }, (_, index) => `question-${index + 1}`);
const definition = {
  format: 'civitas-form',
  formatVersion: 1,
  slug: 'bench-twenty-questions',
  name: { en: 'Apply for a bench licence', cy: 'Gwneud cais am drwydded mainc' },
  settings: {
    languages: ['en', 'cy'],
    declaration: { en: 'By submitting this form you confirm the answers are correct.', cy: 'Drwy gyflwyno’r ffurflen hon rydych yn cadarnhau bod yr atebion yn gywir.' },
    whatHappensNext: { en: 'We will reply within 10 working days.', cy: 'Byddwn yn ateb o fewn 10 diwrnod gwaith.' },
    privacyUrl: 'https://example.gov.uk/privacy',
    support: { email: 'bench@example.gov.uk' },
    referenceFormat: 'BNCH-####-####',
  },
  exitPages: [],
  pages: pageIds.map((id, index) => ({
    id,
    answerType: index % 3 === 0 ? 'email' : 'text',
    question: { en: `Question ${index + 1}: what should we know?`, cy: `Cwestiwn ${index + 1}: beth ddylem ni ei wybod?` },
    hint: { en: 'Answer in a sentence or two.', cy: 'Atebwch mewn brawddeg neu ddwy.' },
  })),
};
const answerOf = (index: number) => (index % 3 === 0 ? `person${index}@example.com` : `An answer to question ${index + 1}, as a person might write it in a sentence.`);
const allAnswers: Answers = Object.fromEntries(pageIds.map((id, index) => [id, { values: [answerOf(index)], complete: true }]));
const firstNine: Answers = Object.fromEntries(pageIds.slice(0, 9).map((id, index) => [id, { values: [answerOf(index)], complete: true }]));

const directory = mkdtempSync(join(tmpdir(), 'civitas-forms-bench-'));
const { config } = loadConfig({ NODE_ENV: 'test', LOG_LEVEL: 'warn', DATABASE_URL: `sqlite:${join(directory, 'civitas.sqlite')}` });
const kernel = openKernel({ config, modules, logger: pino({ level: 'silent' }) });
await kernel.migrate();
const app = await buildApp(kernel);
const versions = createFormVersions({ db: kernel.db, audit: kernel.audit });
const imported = await versions.importForm({ serviceId: 'bench-service', definition, actor: 'operator:bench' });
const importedDefinition = (await versions.findVersion(imported.versionId))!.definition;
const sessions = createRunnerSessions({ db: kernel.db });
const submissions = createSubmissions({ db: kernel.db, jobs: kernel.jobs });

/** The p95 of `RENDERS` renders of `url` with `cookie`, and this process's CPU per render. */
async function renderTimes(url: string, cookie = ''): Promise<{ p95: number; cpuMs: number }> {
  const cpuBefore = process.cpuUsage();
  const timings: number[] = [];
  for (let index = 0; index < RENDERS; index += 1) {
    const started = performance.now();
    const response = await app.inject({ method: 'GET', url, headers: { accept: 'text/html', cookie } });
    timings.push(performance.now() - started);
    if (response.statusCode !== 200) throw new Error(`${url} answered ${response.statusCode}`);
  }
  const cpu = process.cpuUsage(cpuBefore);
  return { p95: percentile(timings, 0.95), cpuMs: (cpu.user + cpu.system) / 1000 / RENDERS };
}

process.stdout.write('Forms\n');
const token = await sessions.start({ formId: imported.formId, versionId: imported.versionId, answers: firstNine });
const questionUrl = `/forms/${definition.slug}/pages/question-10`;
const cookie = `forms_session=${token}`;
await renderTimes(questionUrl, cookie);
const shell = await renderTimes('/accessibility-statement');
const question = await renderTimes(questionUrl, cookie);
report({
  what: `A question page of a ${QUESTIONS}-question form (the 10th, nine answered), in process, SQLite`,
  value: `p95 ${question.p95.toFixed(2)} ms (${question.cpuMs.toFixed(2)} ms CPU a page)`,
  target: 'p95 < 15 ms',
  baseline: `the page shell (accessibility statement): p95 ${shell.p95.toFixed(2)} ms`,
  met: question.p95 < 15,
});

// Each person's session made beforehand, so the timed part is the submit alone.
const prepared = await Promise.all(
  Array.from({ length: 30_000 }, async () => sessionKeyOf(await sessions.start({ formId: imported.formId, versionId: imported.versionId, answers: allAnswers }))),
);
const sessionOf = (idHash: string) => ({ idHash, formId: imported.formId, versionId: imported.versionId, answers: allAnswers, submissionId: null, expiresAt: new Date(Date.now() + 3_600_000).toISOString() });
let next = 0;
let accepted = 0;
const deadline = performance.now() + SUBMIT_SECONDS * 1000;
const submitStarted = performance.now();
async function submitUntilDeadline(): Promise<void> {
  while (performance.now() < deadline && next < prepared.length) {
    const idHash = prepared[next++] as string;
    const outcome = await submissions.submit({ session: sessionOf(idHash), definition: importedDefinition, answers: allAnswers, referenceFormat: definition.settings.referenceFormat, retentionDays: 30, language: 'en', sendWebhook: false });
    if (!outcome.created) throw new Error('a submission was not created');
    accepted += 1;
  }
}
await Promise.all(Array.from({ length: CONCURRENCY }, submitUntilDeadline));
const rate = (accepted * 1000) / (performance.now() - submitStarted);
const stored = (await submissions.listForForm(imported.formId)).length;
report({
  what: `Submissions of a ${QUESTIONS}-question form accepted durably (stored, jobs queued, committed), ${CONCURRENCY} at once, in process, SQLite`,
  value: `${Math.round(rate)}/s (${stored.toLocaleString('en-GB')} stored)`,
  target: '>= 1,000/s',
  baseline: `the question page above at ${Math.round(1000 / Math.max(question.cpuMs, 0.001))}/s of CPU`,
  met: rate >= 1_000 && stored === accepted,
});
await app.close();
await kernel.close();
rmSync(directory, { recursive: true, force: true });
