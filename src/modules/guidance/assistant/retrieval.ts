import MiniSearch from 'minisearch';
import type { Locale } from '../../../platform/http/i18n.ts';
import type { GuidanceLibrary } from '../content/guidance-library.ts';
import { followRevision } from '../search/revision-cache.ts';
import { foldTerm, tokenize } from '../search/snippet.ts';
import { passagesOf, type Passage } from './passages.ts';

export type RetrievedPassage = Passage & { score: number };

/** How many of BM25's best passages the second ranking looks at. */
const CANDIDATES = 50;
/** Reciprocal rank fusion's constant: ranks far down either list still count, a little. */
const FUSION_K = 60;
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

function processTerm(term: string): string | null {
  const folded = foldTerm(term);
  return QUESTION_WORDS.has(folded) ? null : stem(folded);
}

/**
 * Words people use for what guidance calls otherwise, added to a question before it is searched.
 * Kept short and plain: each pair is one a reader would agree means the same here.
 */
const EVERYDAY_WORDS: ReadonlyArray<[RegExp, string]> = [
  [/\b(?:on my own|by myself|live alone|only adult)\b/i, 'alone single person'],
  [/\b(?:reduced rate|cheaper|pay less|lower rate)\b/i, 'discount'],
  [/\bticket\b/i, 'penalty charge notice fine'],
  [/\b(?:bailiffs?)\b/i, 'enforcement agents'],
  [/\b(?:turned down|rejected|refused)\b/i, 'rejects rejection'],
  [/\bcan ?not afford\b/i, 'struggling to pay behind'],
];

function withEverydayWords(question: string): string {
  const added = EVERYDAY_WORDS.filter(([pattern]) => pattern.test(question)).map(([, words]) => words);
  return [question, ...added].join(' ');
}

/** At most this many passages from one page among the results, so an answer can draw on several pages. */
const PASSAGES_PER_PAGE = 2;

/** Character trigrams of the words, counted: close to the same for "renew" and "renewing", "discount" and "discounts". */
function trigramsOf(text: string): Map<string, number> {
  const counts = new Map<string, number>();
  for (const word of tokenize(text)) {
    const folded = processTerm(word);
    if (!folded) continue;
    const padded = ` ${folded} `;
    for (let index = 0; index + 3 <= padded.length; index += 1) {
      const trigram = padded.slice(index, index + 3);
      counts.set(trigram, (counts.get(trigram) ?? 0) + 1);
    }
  }
  return counts;
}

function cosine(a: ReadonlyMap<string, number>, b: ReadonlyMap<string, number>): number {
  let dot = 0;
  let normA = 0;
  let normB = 0;
  for (const [trigram, count] of a) {
    normA += count * count;
    dot += count * (b.get(trigram) ?? 0);
  }
  for (const count of b.values()) normB += count * count;
  return normA === 0 || normB === 0 ? 0 : dot / Math.sqrt(normA * normB);
}

type PassageIndex = { index: MiniSearch<Passage>; passages: Map<string, Passage & { trigrams: Map<string, number> }> };

function buildPassageIndex(passages: readonly Passage[]): PassageIndex {
  const index = new MiniSearch<Passage>({ fields: ['title', 'heading', 'text'], storeFields: ['lang'], tokenize, processTerm });
  index.addAll(passages);
  return {
    index,
    passages: new Map(passages.map((passage) => [passage.id, { ...passage, trigrams: trigramsOf(`${passage.title} ${passage.heading} ${passage.text}`) }])),
  };
}

/**
 * The assistant's retrieval: the passages of the published guidance that best answer a question,
 * in its language. Hybrid ranking: BM25 (MiniSearch; the page title and the section heading
 * boosted, prefixes and typos matched) picks candidates, character-trigram cosine similarity
 * ranks them a second way, and reciprocal rank fusion joins the two orders. Kept in this process
 * and rebuilt when the database's revision count moves, as search is.
 */
export function createGuidanceRetriever(library: GuidanceLibrary) {
  const currentIndex = followRevision(library.readRevision, async () => buildPassageIndex((await library.listPublished()).flatMap(passagesOf)));
  return {
    async retrieve(input: { question: string; lang: Locale; limit?: number }): Promise<RetrievedPassage[]> {
      const { index, passages } = await currentIndex();
      const question = withEverydayWords(input.question);
      const lexical = index
        .search(question, {
          boost: { title: 3, heading: 2, text: 1 },
          prefix: (term) => term.length >= 4,
          fuzzy: (term) => (term.length >= 5 ? 0.2 : false),
          filter: (result) => result.lang === input.lang,
        })
        .slice(0, CANDIDATES);
      const questionTrigrams = trigramsOf(question);
      const bySimilarity = lexical
        .map((result) => ({ id: String(result.id), similarity: cosine(questionTrigrams, passages.get(String(result.id))!.trigrams) }))
        .sort((a, b) => b.similarity - a.similarity || a.id.localeCompare(b.id));
      const fused = new Map<string, number>();
      lexical.forEach((result, rank) => fused.set(String(result.id), 1 / (FUSION_K + rank + 1)));
      bySimilarity.forEach((entry, rank) => fused.set(entry.id, fused.get(entry.id)! + 1 / (FUSION_K + rank + 1)));
      const perPage = new Map<string, number>();
      return [...fused]
        .sort(([idA, a], [idB, b]) => b - a || idA.localeCompare(idB))
        .map(([id, score]) => {
          const { trigrams: _trigrams, ...passage } = passages.get(id)!;
          return { ...passage, score };
        })
        .filter((passage) => {
          const count = (perPage.get(passage.url) ?? 0) + 1;
          perPage.set(passage.url, count);
          return count <= PASSAGES_PER_PAGE;
        })
        .slice(0, input.limit ?? 5);
    },
  };
}

export type GuidanceRetriever = ReturnType<typeof createGuidanceRetriever>;
