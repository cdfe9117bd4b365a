import MiniSearch, { type SearchResult } from 'minisearch';
import { isVisibleTo, type Audience, type CatalogueEntries, type CatalogueEntry } from './catalogue-entries.ts';

export const FILTER_NAMES = ['organisation', 'theme', 'type', 'accessRights', 'securityClassification', 'serviceStatus'] as const;
export type FilterName = (typeof FILTER_NAMES)[number];
export type Filters = Record<FilterName, readonly string[]>;
export const SORTS = ['relevance', 'title', 'modified'] as const;
export type Sort = (typeof SORTS)[number];

export type CatalogueQuery = { text: string; filters: Filters; sort: Sort; audience: Audience };
export type FacetValue = { value: string; count: number; selected: boolean };
export type CatalogueResults = {
  /** Every matching record, best first (or in the order asked for). */
  entries: CatalogueEntry[];
  /** How many records match each value of each filter, given the other filters. */
  facets: Record<FilterName, FacetValue[]>;
};

export const MAX_QUERY_LENGTH = 256;
const MAX_TERMS = 12;
const STOP_WORDS = new Set(['a', 'an', 'and', 'are', 'as', 'at', 'be', 'by', 'for', 'from', 'in', 'is', 'it', 'of', 'on', 'or', 'the', 'to', 'with']);
const WORD = /[\p{L}\p{N}]+/gu;
const MARKS = /\p{M}/gu;

const splitWords = (text: string): string[] => text.match(WORD) ?? [];
function foldWord(word: string): string | null {
  const folded = word.normalize('NFKD').replace(MARKS, '').toLowerCase();
  return STOP_WORDS.has(folded) ? null : folded;
}

const textOf = (value: unknown): string => (Array.isArray(value) ? value.join(' ') : typeof value === 'string' ? value : '');

/** The value a record has for a filter: its class, publisher, themes... */
function filterValuesOf(entry: CatalogueEntry, filter: FilterName): string[] {
  const { record } = entry;
  switch (filter) {
    case 'organisation':
      return [record.publisher as string];
    case 'type':
      return [record.type.slice('dcat:'.length)];
    case 'theme':
      return Array.isArray(record.theme) ? (record.theme as string[]) : [];
    default:
      return typeof record[filter] === 'string' ? [record[filter] as string] : [];
  }
}

/** The type filter takes the class's name or the model's CURIE. */
const normaliseFilterValue = (filter: FilterName, value: string) => (filter === 'type' && value.startsWith('dcat:') ? value.slice('dcat:'.length) : value);

type SearchDocument = { id: number; title: string; alternativeTitle: string; keyword: string; summary: string; description: string; organisation: string };

/**
 * Full-text search over the listed records: BM25 (MiniSearch), prefixes of three letters or
 * more, and one typo in five letters in words of five letters or more. A record whose title
 * matches always comes before one that matches elsewhere only. Filters combine: a record must
 * have one of the chosen values of every filter used.
 */
export function createCatalogueIndex(catalogue: CatalogueEntries) {
  const listed = catalogue.entries.filter((entry) => entry.listed);
  const index = new MiniSearch<SearchDocument>({
    fields: ['title', 'alternativeTitle', 'keyword', 'summary', 'description', 'organisation'],
    tokenize: splitWords,
    processTerm: foldWord,
  });
  index.addAll(
    listed.map((entry, id) => ({
      id,
      title: entry.record.title,
      alternativeTitle: textOf(entry.record.alternativeTitle),
      keyword: textOf(entry.record.keyword),
      summary: textOf(entry.record.summary),
      description: textOf(entry.record.description),
      organisation: [textOf(entry.record.publisher), textOf(entry.record.creator)].join(' ').replaceAll('-', ' '),
    })),
  );
  // Orders worked out once, so a search sorts numbers, never strings.
  const collator = new Intl.Collator('en', { sensitivity: 'base', numeric: true });
  const titleRank = rankOf(listed.length, (a, b) => collator.compare(listed[a]!.record.title, listed[b]!.record.title) || compareIdentifiers(listed[a]!, listed[b]!));
  const modifiedOf = (id: number) => String(listed[id]!.record.modified ?? '');
  const modifiedRank = rankOf(listed.length, (a, b) => (modifiedOf(a) < modifiedOf(b) ? 1 : modifiedOf(a) > modifiedOf(b) ? -1 : titleRank[a]! - titleRank[b]!));

  function matchText(text: string): Array<{ id: number; titleMatch: boolean; score: number }> | undefined {
    const terms = splitWords(text.slice(0, MAX_QUERY_LENGTH)).slice(0, MAX_TERMS).join(' ');
    if (terms.trim() === '') return undefined;
    return index
      .search(terms, {
        boost: { title: 5, alternativeTitle: 3, keyword: 2.5, summary: 1.5, organisation: 1.2, description: 1 },
        prefix: (term) => term.length >= 3,
        fuzzy: (term) => (term.length >= 5 && term.length <= 30 ? 0.2 : false),
        combineWith: 'AND',
      })
      .map((result: SearchResult) => ({ id: result.id as number, score: result.score, titleMatch: Object.values(result.match).some((fields) => fields.includes('title')) }));
  }

  return {
    search(query: CatalogueQuery): CatalogueResults {
      const matches = matchText(query.text);
      let candidates: Array<{ id: number; titleMatch: boolean; score: number }>;
      if (matches) candidates = matches;
      else candidates = listed.map((_, id) => ({ id, titleMatch: false, score: 0 }));
      candidates = candidates.filter((candidate) => isVisibleTo(listed[candidate.id]!, query.audience));

      const chosen = FILTER_NAMES.map((filter) => [filter, new Set(query.filters[filter].map((value) => normaliseFilterValue(filter, value)))] as const);
      const passes = (id: number, except?: FilterName) =>
        chosen.every(([filter, values]) => filter === except || values.size === 0 || filterValuesOf(listed[id]!, filter).some((value) => values.has(value)));
      const facets = Object.fromEntries(
        chosen.map(([filter, values]) => {
          const counts = new Map<string, number>();
          for (const candidate of candidates) {
            if (!passes(candidate.id, filter)) continue;
            for (const value of new Set(filterValuesOf(listed[candidate.id]!, filter))) counts.set(value, (counts.get(value) ?? 0) + 1);
          }
          for (const value of values) if (!counts.has(value)) counts.set(value, 0);
          const list = [...counts].map(([value, count]) => ({ value, count, selected: values.has(value) })).sort((a, b) => a.value.localeCompare(b.value));
          return [filter, list];
        }),
      ) as Record<FilterName, FacetValue[]>;

      const results = candidates.filter((candidate) => passes(candidate.id));
      const sort = query.sort === 'relevance' && !matches ? 'title' : query.sort;
      if (sort === 'relevance') results.sort((a, b) => Number(b.titleMatch) - Number(a.titleMatch) || b.score - a.score || titleRank[a.id]! - titleRank[b.id]!);
      else {
        const rank = sort === 'title' ? titleRank : modifiedRank;
        results.sort((a, b) => rank[a.id]! - rank[b.id]!);
      }
      return { entries: results.map((result) => listed[result.id]!), facets };
    },
  };
}

const compareIdentifiers = (a: CatalogueEntry, b: CatalogueEntry) => (a.record.identifier < b.record.identifier ? -1 : a.record.identifier > b.record.identifier ? 1 : 0);

/** For each id, its place when all ids are put in `compare`'s order. */
function rankOf(count: number, compare: (a: number, b: number) => number): number[] {
  const order = Array.from({ length: count }, (_, id) => id).sort(compare);
  const rank = new Array<number>(count);
  order.forEach((id, position) => (rank[id] = position));
  return rank;
}

export type CatalogueIndex = ReturnType<typeof createCatalogueIndex>;
