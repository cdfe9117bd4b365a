import { termsOf } from './question-terms.ts';

/**
 * The last stage before an answer is shown, whichever composer wrote it: no answer without a
 * source, every sentence traceable to the passages it cites, no forbidden terms. A composer's
 * answer that fails is not shown (the extractive answer is, in its place, or "no answer").
 */

export type AnswerCheck = { passed: true } | { passed: false; failure: 'no-source' | 'untraceable-sentence' | 'forbidden-term'; detail?: string };

/** How much of a sentence's meaningful words the cited passages must hold for it to count as drawn from them. */
export const TRACEABLE_SHARE = 0.8;

/** Words an answer from guidance never uses: promises guidance cannot make, and a model speaking of itself. */
const FORBIDDEN_TERMS = [/\bguarantee[ds]?\b/i, /\byou will definitely\b/i, /\bas an ai\b/i, /\blanguage model\b/i, /\bi am a (?:lawyer|doctor|solicitor)\b/i, /\bsystem prompt\b/i];

function sentencesOf(text: string): string[] {
  return text
    .split(/(?<=[.!?])\s+|\n+/)
    .map((sentence) => sentence.trim())
    .filter((sentence) => termsOf(sentence).size > 0);
}

export function checkAnswer(answer: { text: string; sourceCount: number; citedPassages: readonly string[] }): AnswerCheck {
  if (answer.sourceCount === 0 || answer.citedPassages.length === 0) return { passed: false, failure: 'no-source' };
  const forbidden = FORBIDDEN_TERMS.find((pattern) => pattern.test(answer.text));
  if (forbidden) return { passed: false, failure: 'forbidden-term', detail: forbidden.source };
  const cited = termsOf(answer.citedPassages.join('\n'));
  for (const sentence of sentencesOf(answer.text)) {
    const terms = [...termsOf(sentence)];
    const found = terms.filter((term) => cited.has(term)).length;
    if (found / terms.length < TRACEABLE_SHARE) return { passed: false, failure: 'untraceable-sentence', detail: sentence.slice(0, 200) };
  }
  return { passed: true };
}
