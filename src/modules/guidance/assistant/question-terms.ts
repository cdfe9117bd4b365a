import { foldTerm, tokenize } from '../search/snippet.ts';

/** Words that carry no meaning of their own in a question, English and Welsh. */
const QUESTION_WORDS = new Set(['how', 'what', 'when', 'where', 'who', 'why', 'which', 'can', 'do', 'does', 'did', 'i', 'my', 'me', 'you', 'your', 'a', 'an', 'the', 'is', 'are', 'to', 'of', 'for', 'in', 'on', 'and', 'or', 'it', 'if', 'be', 'get', 'sut', 'beth', 'pryd', 'ble', 'pwy', 'pam', 'y', 'yr', 'a', 'ac', 'i', 'o', 'yn', 'fy', 'ydw', 'mae', 'oes']);

/** A light English stemmer: "renewing", "renewed" and "renews" all become "renew". Welsh words rarely end so. */
function stem(word: string): string {
  if (word.length <= 4) return word;
  if (word.endsWith('ies')) return `${word.slice(0, -3)}y`;
  if (word.endsWith('sses')) return word.slice(0, -2);
  if (/(?:[sxz]|ch|sh)es$/.test(word)) return word.slice(0, -2);
  if (word.endsWith('ing') && word.length >= 6) return word.slice(0, -3);
  if (word.endsWith('ed') && word.length >= 5) return word.slice(0, -2);
  if (word.endsWith('s') && !word.endsWith('ss')) return word.slice(0, -1);
  return word;
}

export function processTerm(term: string): string | null {
  const folded = foldTerm(term);
  return QUESTION_WORDS.has(folded) ? null : stem(folded);
}

/** The meaningful terms of a text, as the assistant's index keeps them. */
export function termsOf(text: string): Set<string> {
  const terms = new Set<string>();
  for (const word of tokenize(text)) {
    const term = processTerm(word);
    if (term) terms.add(term);
  }
  return terms;
}
