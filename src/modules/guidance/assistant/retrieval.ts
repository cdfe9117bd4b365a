import MiniSearch from 'minisearch';
import type { Locale } from '../../../platform/http/i18n.ts';
import type { GuidanceLibrary } from '../content/guidance-library.ts';
import { followRevision } from '../search/revision-cache.ts';
import { tokenize } from '../search/snippet.ts';
import { passagesOf, type Passage } from './passages.ts';
import { processTerm, termsOf } from './question-terms.ts';

/**
 * `coverage`: the share of the question's meaningful words found in the passage, its heading or
 * its page's title (a word also counts where one starts with the other, such as "renew" and
 * "renewal"): how much of the question the passage speaks to.
 */
export type RetrievedPassage = Passage & { score: number; coverage: number };

function coverageOf(questionTerms: ReadonlySet<string>, passageTerms: ReadonlySet<string>): number {
  if (questionTerms.size === 0) return 0;
  let found = 0;
  for (const term of questionTerms) {
    if (passageTerms.has(term)) found += 1;
    else if (term.length >= 4 && [...passageTerms].some((candidate) => candidate.length >= 4 && (candidate.startsWith(term) || term.startsWith(candidate)))) found += 1;
  }
  return found / questionTerms.size;
}

/** How many of BM25's best passages the second ranking looks at. */
const CANDIDATES = 50;
/** Reciprocal rank fusion's constant: ranks far down either list still count, a little. */
const FUSION_K = 60;
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

/**
 * Each word of a search costs a walk of the index, and matching typos costs more the longer the
 * word: a question is searched by its distinct words (as compatibility forms fold, so one
 * character cannot grow into eighteen later), of at most MAX_WORD_LENGTH characters (longer is
 * no word of any guidance), at most MAX_SEARCH_WORDS of them (far more than any question has).
 */
const MAX_SEARCH_WORDS = 60;
const MAX_WORD_LENGTH = 40;

function searchWordsOf(question: string): string {
  const words = tokenize(question.normalize('NFKC').toLowerCase()).filter((word) => word.length <= MAX_WORD_LENGTH);
  return [...new Set(words)].slice(0, MAX_SEARCH_WORDS).join(' ');
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

type IndexedPassage = Passage & { trigrams: Map<string, number>; terms: Set<string> };
type PassageIndex = { index: MiniSearch<Passage>; passages: Map<string, IndexedPassage> };

function buildPassageIndex(passages: readonly Passage[]): PassageIndex {
  const index = new MiniSearch<Passage>({ fields: ['title', 'heading', 'text'], storeFields: ['lang'], tokenize, processTerm });
  index.addAll(passages);
  return {
    index,
    passages: new Map(
      passages.map((passage) => {
        const words = `${passage.title} ${passage.heading} ${passage.text}`;
        return [passage.id, { ...passage, trigrams: trigramsOf(words), terms: termsOf(words) }];
      }),
    ),
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
    /** How many passages of published guidance answers are drawn from, by language. */
    async countPassages(): Promise<Record<Locale, number>> {
      const counts: Record<Locale, number> = { en: 0, cy: 0 };
      for (const passage of (await currentIndex()).passages.values()) if (passage.lang === 'en' || passage.lang === 'cy') counts[passage.lang] += 1;
      return counts;
    },
    /** The passages with these ids, in that order, leaving out any no longer published. */
    async findPassages(ids: readonly string[]): Promise<Passage[]> {
      const { passages } = await currentIndex();
      return ids.flatMap((id) => {
        const found = passages.get(id);
        if (!found) return [];
        const { trigrams: _trigrams, terms: _terms, ...passage } = found;
        return [passage];
      });
    },
    async retrieve(input: { question: string; lang: Locale; limit?: number }): Promise<RetrievedPassage[]> {
      const { index, passages } = await currentIndex();
      const question = withEverydayWords(input.question);
      const lexical = index
        .search(searchWordsOf(question), {
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
      const questionTerms = termsOf(input.question);
      const perPage = new Map<string, number>();
      return [...fused]
        .sort(([idA, a], [idB, b]) => b - a || idA.localeCompare(idB))
        .map(([id, score]) => {
          const { trigrams: _trigrams, terms, ...passage } = passages.get(id)!;
          return { ...passage, score, coverage: coverageOf(questionTerms, terms) };
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
