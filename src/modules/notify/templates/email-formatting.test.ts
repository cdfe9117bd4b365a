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

test('every kind of line is recognised as Notify formats it', () => {
  assert.deepEqual(parseBlocks('## Sub\n### not a heading\n#\n^ inset\n^\n- a\n• b\n1. first\n2) second\n3.no space\n---\n* * *\n- - x'), [
    { kind: 'heading', level: 2, text: 'Sub' },
    { kind: 'paragraph', lines: ['### not a heading', '#'] },
    { kind: 'inset', lines: ['inset'] },
    { kind: 'list', ordered: false, items: ['a', 'b'] },
    { kind: 'list', ordered: true, items: ['first', 'second'] },
    { kind: 'paragraph', lines: ['3.no space'] },
    { kind: 'rule' },
    { kind: 'rule' },
    { kind: 'list', ordered: false, items: ['- x'] },
  ]);
});

test('attacker: heading, list and numbered lines of a long run of spaces ending in a line separator are read in one pass', () => {
  // A personalisation value can start such a line; each pattern that read them took time
  // growing with the square of the line (13 s for 100,000 characters), holding every request.
  const run = ' '.repeat(200_000);
  for (const marker of ['#', '##', '*', '-', '•', '1.']) {
    const line = `${marker}${run}a\u2028a`;
    const [block] = parseBlocks(line);
    assert.ok(block, marker);
    const text = block.kind === 'heading' ? block.text : block.kind === 'list' ? block.items[0] : block.kind === 'paragraph' ? block.lines[0] : '';
    assert.equal(text, 'a\u2028a', marker);
  }
  assert.deepEqual(parseBlocks(`${'- '.repeat(100_000)}\u2028x`).length, 1);
});
