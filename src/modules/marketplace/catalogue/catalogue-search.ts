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
 * more, and one typo in words of five letters or more. A record whose title
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
        // One letter wrong, missing or extra in a word: more would match too much, and slowly.
        maxFuzzy: 1,
        combineWith: 'AND',
      })
      .map((result: SearchResult) => ({ id: result.id as number, score: result.score, titleMatch: Object.values(result.match).some((fields) => fields.includes('title')) }));
  }

  // Each filter's values numbered, and each record's values for each filter as those numbers,
  // worked out once: a search then counts in arrays, never in maps of strings.
  const valueNames = FILTER_NAMES.map(() => [] as string[]);
  const valueNumbers = FILTER_NAMES.map(() => new Map<string, number>());
  const numberOf = (filterIndex: number, value: string) => {
    const numbers = valueNumbers[filterIndex]!;
    let number = numbers.get(value);
    if (number === undefined) {
      number = valueNames[filterIndex]!.push(value) - 1;
      numbers.set(value, number);
    }
    return number;
  };
  const valuesById = listed.map((entry) => FILTER_NAMES.map((filter, filterIndex) => Int32Array.from(new Set(filterValuesOf(entry, filter)), (value) => numberOf(filterIndex, value))));
  const visibleToPublic = Uint8Array.from(listed, (entry) => (isVisibleTo(entry, 'public') ? 1 : 0));
  const everyId = listed.map((_, id) => ({ id, titleMatch: false, score: 0 }));
  const titleOrder = Int32Array.from(listed.keys()).sort((a, b) => titleRank[a]! - titleRank[b]!);
  const modifiedOrder = Int32Array.from(listed.keys()).sort((a, b) => modifiedRank[a]! - modifiedRank[b]!);

  /** Whether a record has one of the chosen values of a filter. */
  function hasChosen(values: Int32Array, chosen: Uint8Array): boolean {
    for (let index = 0; index < values.length; index += 1) if (chosen[values[index]!] === 1) return true;
    return false;
  }

  function search(query: CatalogueQuery): CatalogueResults {
    const matches = matchText(query.text);
    const candidates = matches ?? everyId;
    // Per filter used: a flag for each value number, set for the values chosen.
    const chosen = FILTER_NAMES.map((filter, filterIndex) => {
      if (query.filters[filter].length === 0) return undefined;
      const flags = new Uint8Array(valueNames[filterIndex]!.length);
      for (const value of query.filters[filter]) {
        const number = valueNumbers[filterIndex]!.get(normaliseFilterValue(filter, value));
        if (number !== undefined) flags[number] = 1;
      }
      return flags;
    });
    const counts = valueNames.map((names) => new Uint32Array(names.length));
    const countValues = (values: Int32Array, filterIndex: number) => {
      const facet = counts[filterIndex]!;
      for (let index = 0; index < values.length; index += 1) facet[values[index]!]! += 1;
    };
    const results: typeof candidates = [];
    // A record counts towards a filter's values when it passes every other filter: one pass
    // finds the filters it fails; failing none it is a result, failing one it counts there only.
    for (const candidate of candidates) {
      if (query.audience === 'public' && visibleToPublic[candidate.id] === 0) continue;
      const values = valuesById[candidate.id]!;
      let failed = -1;
      let failures = 0;
      for (let filterIndex = 0; filterIndex < chosen.length && failures < 2; filterIndex += 1) {
        const flags = chosen[filterIndex];
        if (flags && !hasChosen(values[filterIndex]!, flags)) {
          failed = filterIndex;
          failures += 1;
        }
      }
      if (failures === 0) {
        results.push(candidate);
        for (let filterIndex = 0; filterIndex < values.length; filterIndex += 1) countValues(values[filterIndex]!, filterIndex);
      } else if (failures === 1) {
        countValues(values[failed]!, failed);
      }
    }
    const facets = Object.fromEntries(
      FILTER_NAMES.map((filter, filterIndex) => {
        const chosenValues = new Set(query.filters[filter].map((value) => normaliseFilterValue(filter, value)));
        const list = valueNames[filterIndex]!
          .map((value, number) => ({ value, count: counts[filterIndex]![number]!, selected: chosenValues.has(value) }))
          .filter((facet) => facet.count > 0 || facet.selected);
        for (const value of chosenValues) if (!valueNumbers[filterIndex]!.has(value)) list.push({ value, count: 0, selected: true });
        return [filter, list.sort((a, b) => (a.value < b.value ? -1 : a.value > b.value ? 1 : 0))];
      }),
    ) as Record<FilterName, FacetValue[]>;

    const sort = query.sort === 'relevance' && !matches ? 'title' : query.sort;
    if (sort === 'relevance') {
      results.sort((a, b) => Number(b.titleMatch) - Number(a.titleMatch) || b.score - a.score || titleRank[a.id]! - titleRank[b.id]!);
      return { entries: results.map((result) => listed[result.id]!), facets };
    }
    // In a fixed order: walk that order, keeping the results, rather than sort them.
    const isResult = new Uint8Array(listed.length);
    for (const result of results) isResult[result.id] = 1;
    const entries: CatalogueEntry[] = [];
    for (const id of sort === 'title' ? titleOrder : modifiedOrder) if (isResult[id] === 1) entries.push(listed[id]!);
    return { entries, facets };
  }

  // The catalogue's front page (no words, no filters) is asked for most: worked out once for
  // each audience and order, from this snapshot of the catalogue.
  const unfiltered = new Map<string, CatalogueResults>();
  const isUnfiltered = (query: CatalogueQuery) => splitWords(query.text).length === 0 && FILTER_NAMES.every((filter) => query.filters[filter].length === 0);

  return {
    search(query: CatalogueQuery): CatalogueResults {
      if (!isUnfiltered(query)) return search(query);
      const key = `${query.audience} ${query.sort}`;
      let results = unfiltered.get(key);
      if (!results) unfiltered.set(key, (results = search(query)));
      return results;
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
