import { MAX_QUESTION_LENGTH } from './input-guardrails.ts';

/**
 * Whether a question is longer than the assistant takes, as written or as it reads once
 * compatibility forms are folded: one character can fold into eighteen (U+FDFA), and every later
 * stage works on the folded text.
 */
export function isQuestionTooLong(question: string): boolean {
  return question.length > MAX_QUESTION_LENGTH || question.normalize('NFKC').length > MAX_QUESTION_LENGTH;
}
