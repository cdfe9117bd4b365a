import type { RetrievedPassage } from './retrieval.ts';

/** A page an answer came from: what the reader sees and where the link goes (the section, where there is one). */
export type AnswerSource = { title: string; url: string };

export type ComposedAnswer =
  | { kind: 'answer'; passages: Array<{ id: string; text: string; source: number }>; sources: AnswerSource[] }
  | { kind: 'no-answer' };

/** A passage must speak to more than half of the question's meaningful words to be part of an answer. */
export const MIN_COVERAGE = 0.6;
/** At most this many passages make one answer: enough to cover a question, few enough to read. */
export const MAX_ANSWER_PASSAGES = 3;

/**
 * The default composer, with no language model: it selects the retrieved passages that answer
 * the question and keeps them word for word, in the order retrieval ranked them, each with its
 * source. Where no passage speaks to enough of the question, it says there is no answer rather
 * than offer the nearest text.
 */
export function composeExtractiveAnswer(passages: readonly RetrievedPassage[]): ComposedAnswer {
  const chosen = passages.filter((passage) => passage.coverage >= MIN_COVERAGE).slice(0, MAX_ANSWER_PASSAGES);
  if (chosen.length === 0) return { kind: 'no-answer' };
  const sources: AnswerSource[] = [];
  const sourceIndex = new Map<string, number>();
  const cited = chosen.map((passage) => {
    let index = sourceIndex.get(passage.url);
    if (index === undefined) {
      index = sources.push({ title: passage.title, url: `${passage.url}${passage.anchor}` }) - 1;
      sourceIndex.set(passage.url, index);
    }
    return { id: passage.id, text: passage.text, source: index };
  });
  return { kind: 'answer', passages: cited, sources };
}
