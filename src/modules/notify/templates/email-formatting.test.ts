import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseBlocks, splitLinks } from './email-formatting.ts';

test('links and blocks are found as before in ordinary text', () => {
  assert.deepEqual(splitLinks('Read [the guide](https://www.gov.uk/guide) or https://www.gov.uk.'), [
    { text: 'Read ' },
    { text: 'the guide', href: 'https://www.gov.uk/guide' },
    { text: ' or ' },
    { text: 'https://www.gov.uk', href: 'https://www.gov.uk' },
    { text: '.' },
  ]);
  assert.deepEqual(parseBlocks('# Title   \n\nText  \t\n* one  '), [
    { kind: 'heading', level: 1, text: 'Title' },
    { kind: 'paragraph', lines: ['Text'] },
    { kind: 'list', ordered: false, items: ['one'] },
  ]);
});

test('text made to make the patterns backtrack (long runs of spaces or brackets) is read in one pass', () => {
  // Each of these took seconds per 100,000 characters when a pattern backtracked over them.
  const spaces = `a${' '.repeat(100_000)}b`;
  assert.deepEqual(parseBlocks(spaces), [{ kind: 'paragraph', lines: [spaces] }]);
  const brackets = '['.repeat(100_000);
  assert.deepEqual(splitLinks(brackets), [{ text: brackets }]);
  assert.deepEqual(splitLinks(`[[a](https://example.com)`), [{ text: '[' }, { text: 'a', href: 'https://example.com' }]);
});
