import { randomUUID } from 'node:crypto';
import type { Database } from '../../../platform/db/database.ts';
import type { ServiceEventRecorder, ServiceEventType } from '../../../platform/events/service-events.ts';
import type { Locale, Translate } from '../../../platform/http/i18n.ts';
import type { AssistantOutcomeStore } from './assistant-outcome.store.ts';
import { isAbout, subjectOf } from './question-subject.ts';
import { composeExtractiveAnswer, type AnswerSource } from './extractive-composer.ts';
import { createAnswerVoteStore } from './feedback/answer-vote.store.ts';
import { TICKET_LIFETIME_MS } from './feedback/answer-tickets.ts';
import { checkQuestion } from './input-guardrails.ts';
import { withoutCitations, type ModelComposer, type ModelFailure } from './model-composer.ts';
import { checkAnswer } from './output-guardrails.ts';
import type { GuidanceRetriever } from './retrieval.ts';

/** What the assistant's events are counted against in Insight: the platform's own service, no team's. */
export const ASSISTANT_SERVICE = 'platform:assistant';

export type RefusalReason = 'personal-data' | 'jailbreak' | 'out-of-scope' | 'no-answer';

export type ComposerName = 'extractive' | 'model';
/**
 * Which composer wrote an answer, and why the model's was not used when one is configured: told
 * once an answer, with nothing of the question in it.
 */
export type Composition = { composer: ComposerName; modelFailure?: ModelFailure | 'output-guardrails' };

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
  /** Which composer wrote it (answers only). */
  composer?: ComposerName;
};

type Draft = { text: string; passages: ReadonlyArray<{ id: string; text: string }>; sources: AnswerSource[] };

function passesOutputGuardrails(draft: Draft): boolean {
  return checkAnswer({ text: withoutCitations(draft.text), sourceCount: draft.sources.length, citedPassages: draft.passages.map((passage) => passage.text) }).passed;
}

/**
 * The assistant's pipeline: input guardrails, retrieval, the extractive composer (and the model,
 * when one is configured and the guidance holds an answer, with the extractive answer to fall
 * back on), output guardrails. Each outcome is counted by day (answered, or the refusal's reason); the question
 * and the answer are never kept.
 */
export function createAssistant(dependencies: {
  db: Database;
  retriever: GuidanceRetriever;
  outcomes: AssistantOutcomeStore;
  translations: Record<Locale, Translate>;
  baseUrl: string;
  model?: ModelComposer;
  recordComposition?: (composition: Composition) => void;
  /** Insight's counts: questions answered and refused, and feedback, as the platform's assistant. */
  serviceEvents?: ServiceEventRecorder;
  clock?: () => Date;
}) {
  const { db, retriever, outcomes, translations } = dependencies;
  const votes = createAnswerVoteStore();
  const clock = dependencies.clock ?? (() => new Date());
  const dayOf = (moment: Date) => moment.toISOString().slice(0, 10);
  const today = () => dayOf(clock());
  const recordEvent = (type: ServiceEventType) => dependencies.serviceEvents?.record({ service: ASSISTANT_SERVICE, type, journeyId: randomUUID() });

  async function refuse(reason: RefusalReason, language: Locale): Promise<AssistantAnswer> {
    await outcomes.count(db, { day: today(), outcome: `refused:${reason}` });
    recordEvent('guidance.question.refused');
    return { answer: translations[language](`guidance.assistant.refusals.${reason}`), sources: [], refused: { reason }, passageIds: [] };
  }

  return {
    /**
     * Counts what someone said of an answer's use ("was this useful?"), by day: one vote for each
     * answer (`answerId`, from its ticket), so false when this answer has had its vote.
     */
    async countFeedback(input: { useful: boolean; answerId: string }): Promise<boolean> {
      const now = clock();
      const counted = await db.transaction().execute(async (transaction) => {
        await votes.deleteBefore(transaction, new Date(now.getTime() - TICKET_LIFETIME_MS).toISOString());
        if (!(await votes.claim(transaction, { answerId: input.answerId, votedAt: now.toISOString() }))) return false;
        await outcomes.count(transaction, { day: dayOf(now), outcome: input.useful ? 'feedback:useful' : 'feedback:not-useful' });
        return true;
      });
      if (counted) recordEvent('guidance.feedback.given');
      return counted;
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
      const retrieved = await timed('retrieval', () => retriever.retrieve({ question: input.question, lang: language }));
      const subject = subjectOf(input.question);
      const passages = subject === undefined ? retrieved : retrieved.filter((passage) => isAbout(passage, subject));
      const extracted = await timed('composition', () => composeExtractiveAnswer(passages));
      if (extracted.kind === 'no-answer') return refuse('no-answer', language);
      const extractive: Draft = { text: extracted.passages.map((passage) => passage.text).join('\n\n'), passages: extracted.passages, sources: extracted.sources };
      let chosen: Draft = extractive;
      let composition: Composition = { composer: 'extractive' };
      if (dependencies.model) {
        const modelled = await timed('composition', () => dependencies.model!.compose({ question: input.question, language, passages }));
        if (modelled.kind === 'failed') composition = { composer: 'extractive', modelFailure: modelled.failure };
        else if (!(await timed('output-guardrails', () => passesOutputGuardrails(modelled)))) composition = { composer: 'extractive', modelFailure: 'output-guardrails' };
        else [chosen, composition] = [modelled, { composer: 'model' }];
      }
      if (chosen === extractive && !(await timed('output-guardrails', () => passesOutputGuardrails(extractive)))) return refuse('no-answer', language);
      dependencies.recordComposition?.(composition);
      await outcomes.count(db, { day: today(), outcome: 'answered' });
      recordEvent('guidance.question.answered');
      return {
        answer: chosen.text,
        sources: chosen.sources.map((source) => ({ title: source.title, url: new URL(source.url, dependencies.baseUrl).toString() })),
        refused: null,
        passageIds: chosen.passages.map((passage) => passage.id),
        composer: composition.composer,
      };
    },
  };
}

export type Assistant = ReturnType<typeof createAssistant>;
