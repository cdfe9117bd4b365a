import MiniSearch from 'minisearch';
import type { Locale } from '../../../platform/http/i18n.ts';
import type { GuidanceLibrary } from '../content/guidance-library.ts';
import { searchDocumentsOf, type SearchDocument } from './search-documents.ts';
import { followRevision } from './revision-cache.ts';
import { buildSnippet, foldTerm, tokenize, type SnippetSegment } from './snippet.ts';

export type SearchHit = { url: string; title: string; description: string; snippet: SnippetSegment[] };
export type SearchResults = { total: number; page: number; pageCount: number; hits: SearchHit[] };

export const RESULTS_PER_PAGE = 10;
/** Longer queries are cut here: no question needs more, and every term costs a fuzzy lookup. */
export const MAX_QUERY_LENGTH = 256;
const MAX_TERMS = 12;
/** Words too common to tell pages apart, English and Welsh. */
const STOP_WORDS = new Set(['a', 'an', 'and', 'are', 'as', 'at', 'be', 'by', 'for', 'from', 'i', 'if', 'in', 'is', 'it', 'of', 'on', 'or', 'the', 'to', 'ac', 'ar', 'y', 'yr', 'yn', 'o', 'i', 'am', 'mae', 'eich']);

function processTerm(term: string): string | null {
  const folded = foldTerm(term);
  return STOP_WORDS.has(folded) ? null : folded;
}

function buildIndex(documents: readonly SearchDocument[]): MiniSearch<SearchDocument> {
  const index = new MiniSearch<SearchDocument>({
    fields: ['title', 'headings', 'description', 'text'],
    storeFields: ['lang'],
    tokenize,
    processTerm,
  });
  index.addAll(documents);
  return index;
}

type BuiltIndex = { index: MiniSearch<SearchDocument>; documents: Map<string, SearchDocument> };

/**
 * Full-text search over the published guidance: BM25 (MiniSearch), the title counting most, then
 * headings, then the description and text; prefixes, and one typo in five letters in words of
 * five letters or more, match. The index is this process's own, rebuilt when the database's
 * revision count moves (followRevision).
 */
export function createGuidanceSearch(library: GuidanceLibrary) {
  const currentIndex = followRevision(library.readRevision, async (): Promise<BuiltIndex> => {
    const documents = (await library.listPublished()).flatMap(searchDocumentsOf);
    return { index: buildIndex(documents), documents: new Map(documents.map((document) => [document.id, document])) };
  });

  return {
    async search(input: { query: string; lang: Locale; page: number }): Promise<SearchResults> {
      const terms = input.query.slice(0, MAX_QUERY_LENGTH).split(/\s+/).filter(Boolean).slice(0, MAX_TERMS).join(' ');
      const { index, documents } = await currentIndex();
      const results = terms === ''
        ? []
        : index
            .search(terms, {
              boost: { title: 4, headings: 2, description: 1.5, text: 1 },
              prefix: (term) => term.length >= 3,
              // Short words are left exact: one letter off would turn "zone" into "one".
              fuzzy: (term) => (term.length >= 5 && term.length <= 30 ? 0.2 : false),
              filter: (result) => result.lang === input.lang,
            })
            // Equal scores in id order, so every process and both databases list the same.
            .sort((a, b) => b.score - a.score || String(a.id).localeCompare(String(b.id)));
      const pageCount = Math.max(1, Math.ceil(results.length / RESULTS_PER_PAGE));
      const page = Math.min(Math.max(1, Math.floor(input.page) || 1), pageCount);
      const hits = results.slice((page - 1) * RESULTS_PER_PAGE, page * RESULTS_PER_PAGE).map((result) => {
        const document = documents.get(String(result.id))!;
        return { url: document.url, title: document.title, description: document.description, snippet: buildSnippet(document.text, result.terms) };
      });
      return { total: results.length, page, pageCount, hits };
    },
  };
}

export type GuidanceSearch = ReturnType<typeof createGuidanceSearch>;
