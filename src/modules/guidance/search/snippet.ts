/** A piece of a snippet: text, and whether it is a word the search matched (shown highlighted). */
export type SnippetSegment = { text: string; match: boolean };

const SNIPPET_LENGTH = 220;
const CONTEXT_BEFORE = 60;
/** Words, as the index splits text into them: runs of anything but spaces, line ends, punctuation and symbols (`=`, `£`). */
const WORD = /[^\n\r\p{Z}\p{P}\p{S}]+/gu;

export function tokenize(text: string): string[] {
  return text.match(WORD) ?? [];
}
const COMBINING_MARKS = /[\u0300-\u036f]/g;

/** A term as the index keeps it: lower case, accents (Welsh ŵ, ŷ, â…) taken off. */
export function foldTerm(term: string): string {
  return term.normalize('NFKD').replace(COMBINING_MARKS, '').toLowerCase();
}

function wordsOf(text: string): Array<{ start: number; end: number; folded: string }> {
  return [...text.matchAll(WORD)].map((match) => ({ start: match.index, end: match.index + match[0].length, folded: foldTerm(match[0]) }));
}

/** Widens a position to the nearest space before it, so a snippet starts at a word. */
function wordStartAtOrBefore(text: string, position: number): number {
  if (position <= 0) return 0;
  const space = text.lastIndexOf(' ', position);
  return space < 0 || position - space > 30 ? position : space + 1;
}

/**
 * About 220 characters of `text` around the first word the search matched, split into segments
 * so the template escapes every character and highlights the matched words; the start of the
 * text when no word of it matched (the match was in the title).
 */
export function buildSnippet(text: string, matchedTerms: readonly string[]): SnippetSegment[] {
  const flat = text.replace(/\s+/g, ' ').trim();
  const terms = new Set(matchedTerms.map(foldTerm));
  const words = wordsOf(flat);
  const first = words.find((word) => terms.has(word.folded));
  const start = first ? wordStartAtOrBefore(flat, first.start - CONTEXT_BEFORE) : 0;
  let end = Math.min(flat.length, start + SNIPPET_LENGTH);
  if (end < flat.length) {
    const space = flat.lastIndexOf(' ', end);
    if (space > start + SNIPPET_LENGTH / 2) end = space;
  }
  const segments: SnippetSegment[] = [];
  const push = (piece: string, match: boolean) => {
    if (piece !== '') segments.push({ text: piece, match });
  };
  if (start > 0) push('… ', false);
  let position = start;
  for (const word of words) {
    if (word.start < start || !terms.has(word.folded)) continue;
    if (word.start >= end) break;
    push(flat.slice(position, word.start), false);
    push(flat.slice(word.start, Math.min(word.end, end)), true);
    position = Math.min(word.end, end);
  }
  push(flat.slice(position, end), false);
  if (end < flat.length) push(' …', false);
  return segments;
}
