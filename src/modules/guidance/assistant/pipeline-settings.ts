import type { Config } from '../../../platform/config/config.schema.ts';
import type { GuidanceRetriever } from './retrieval.ts';
import { MAX_ANSWER_PASSAGES, MIN_COVERAGE } from './extractive-composer.ts';
import { JAILBREAK_KINDS, MAX_QUESTION_LENGTH, OUT_OF_SCOPE_TOPICS } from './input-guardrails.ts';
import { MAX_MODEL_ANSWER_LENGTH } from './model-answer-checks.ts';
import { PERSONAL_DATA_KINDS } from './personal-data.ts';
import { TRACEABLE_SHARE } from './output-guardrails.ts';

/**
 * What the assistant on this site actually runs with, read from its configuration and from the
 * pipeline's own constants (never written by hand), for the transparency record to show: which
 * composer and model, which data, which guardrails, and the limits on a person's questions.
 */
export type PipelineSettings = {
  composer: { kind: 'extractive' } | { kind: 'model'; model: string; endpoint: string; timeoutMs: number };
  guidance: { passages: { en: number; cy: number } };
  inputGuardrails: { personalData: readonly string[]; jailbreaks: readonly string[]; outOfScope: readonly string[]; maxQuestionLength: number };
  composition: { minCoverage: number; maxPassages: number };
  outputGuardrails: { traceableShare: number; maxModelAnswerLength: number };
  questionsPerMinute: number;
};

export async function readPipelineSettings(dependencies: { config: Config; retriever: Pick<GuidanceRetriever, 'countPassages'>; questionsPerMinute: number }): Promise<PipelineSettings> {
  const { config } = dependencies;
  return {
    // The endpoint is named by its origin only: a path may carry a deployment's name, never a key.
    composer: config.ASSISTANT_MODEL_URL === '' ? { kind: 'extractive' } : { kind: 'model', model: config.ASSISTANT_MODEL_NAME, endpoint: new URL(config.ASSISTANT_MODEL_URL).origin, timeoutMs: config.ASSISTANT_MODEL_TIMEOUT_MS },
    guidance: { passages: await dependencies.retriever.countPassages() },
    inputGuardrails: { personalData: PERSONAL_DATA_KINDS, jailbreaks: JAILBREAK_KINDS, outOfScope: OUT_OF_SCOPE_TOPICS, maxQuestionLength: MAX_QUESTION_LENGTH },
    composition: { minCoverage: MIN_COVERAGE, maxPassages: MAX_ANSWER_PASSAGES },
    outputGuardrails: { traceableShare: TRACEABLE_SHARE, maxModelAnswerLength: MAX_MODEL_ANSWER_LENGTH },
    questionsPerMinute: dependencies.questionsPerMinute,
  };
}
