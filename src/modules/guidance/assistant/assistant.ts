import type { Database } from '../../../platform/db/database.ts';
import type { Locale, Translate } from '../../../platform/http/i18n.ts';
import type { AssistantOutcomeStore } from './assistant-outcome.store.ts';
import { composeExtractiveAnswer } from './extractive-composer.ts';
import { checkQuestion } from './input-guardrails.ts';
import { checkAnswer } from './output-guardrails.ts';
import type { GuidanceRetriever } from './retrieval.ts';

export type RefusalReason = 'personal-data' | 'jailbreak' | 'out-of-scope' | 'no-answer';

export type AssistantStage = 'input-guardrails' | 'retrieval' | 'composition' | 'output-guardrails';
/** Told how long each stage of one answer took, in milliseconds (for the evaluation's figures). */
export type StageTimer = (stage: AssistantStage, milliseconds: number) => void;

/** The assistant's answer, as the API sends it: the answer with its sources, or why there is none. */
export type AssistantAnswer = {
  answer: string;
  sources: Array<{ title: string; url: string }>;
  refused: null | { reason: RefusalReason };
  /** The passages the answer is made of, so a page can show it again from them alone. */
  passageIds: string[];
};

/**
 * The assistant's pipeline: input guardrails, retrieval, the extractive composer, output
 * guardrails. Each outcome is counted by day (answered, or the refusal's reason); the question
 * and the answer are never kept.
 */
export function createAssistant(dependencies: {
  db: Database;
  retriever: GuidanceRetriever;
  outcomes: AssistantOutcomeStore;
  translations: Record<Locale, Translate>;
  baseUrl: string;
  clock?: () => Date;
}) {
  const { db, retriever, outcomes, translations } = dependencies;
  const today = () => (dependencies.clock ?? (() => new Date()))().toISOString().slice(0, 10);

  async function refuse(reason: RefusalReason, language: Locale): Promise<AssistantAnswer> {
    await outcomes.count(db, { day: today(), outcome: `refused:${reason}` });
    return { answer: translations[language](`guidance.assistant.refusals.${reason}`), sources: [], refused: { reason }, passageIds: [] };
  }

  return {
    /** Counts what people said of an answer's use ("was this useful?"), by day. */
    async countFeedback(useful: boolean): Promise<void> {
      await outcomes.count(db, { day: today(), outcome: useful ? 'feedback:useful' : 'feedback:not-useful' });
    },

    async answer(input: { question: string; language: Locale }, timeStage: StageTimer = () => {}): Promise<AssistantAnswer> {
      const { language } = input;
      const timed = async <T>(stage: AssistantStage, run: () => T | Promise<T>): Promise<T> => {
        const started = performance.now();
        try {
          return await run();
        } finally {
          timeStage(stage, performance.now() - started);
        }
      };
      const check = await timed('input-guardrails', () => checkQuestion(input.question));
      if (!check.allowed) return refuse(check.reason, language);
      const passages = await timed('retrieval', () => retriever.retrieve({ question: input.question, lang: language }));
      const composed = await timed('composition', () => composeExtractiveAnswer(passages));
      if (composed.kind === 'no-answer') return refuse('no-answer', language);
      const text = composed.passages.map((passage) => passage.text).join('\n\n');
      const verdict = await timed('output-guardrails', () =>
        checkAnswer({ text, sourceCount: composed.sources.length, citedPassages: composed.passages.map((passage) => passage.text) }),
      );
      if (!verdict.passed) return refuse('no-answer', language);
      await outcomes.count(db, { day: today(), outcome: 'answered' });
      return {
        answer: text,
        sources: composed.sources.map((source) => ({ title: source.title, url: new URL(source.url, dependencies.baseUrl).toString() })),
        refused: null,
        passageIds: composed.passages.map((passage) => passage.id),
      };
    },
  };
}

export type Assistant = ReturnType<typeof createAssistant>;
