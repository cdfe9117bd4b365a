import assert from 'node:assert/strict';
import { test } from 'node:test';
import { countPdfPages, LETTER_MAX_CHARACTERS, LETTER_MAX_PAGES, LetterTooLongError, renderLetterPdf } from './render-letter.ts';

const letter = { subject: 'About your application', contactBlock: '', addressLines: ['Ffion Jones', '1 High Street', 'SW1A 1AA'], date: new Date('2026-01-31T12:00:00Z') };

test('a letter with words wider than a line prints them cut to fit, as many pages as they take', async () => {
  const pdf = await renderLetterPdf({ ...letter, body: `Dear Ffion,\n\n${'y'.repeat(20_000)}\n\n^ ${'z'.repeat(2_000)}\n\n* ${'w'.repeat(2_000)}` });
  const pages = countPdfPages(pdf);
  assert.ok(pages >= 4 && pages <= LETTER_MAX_PAGES, `${pages} pages`);
});

test('an address stored before addresses were limited still prints: in the window, each line cut short, 7 lines at most', async () => {
  const pdf = await renderLetterPdf({ ...letter, body: 'Dear Ffion,', addressLines: ['x'.repeat(100_000), ...Array.from({ length: 20 }, () => 'ab '.repeat(1000)), 'SW1A 1AA'] });
  assert.equal(countPdfPages(pdf), 1);
});

test('a letter of more than 10 pages, or more characters than the limit, is refused before or while it is laid out', async () => {
  await assert.rejects(renderLetterPdf({ ...letter, body: 'a\n'.repeat(70_000) }), LetterTooLongError);
  await assert.rejects(renderLetterPdf({ ...letter, body: 'Lorem ipsum dolor sit amet. '.repeat(5_000) }), LetterTooLongError);
  await assert.rejects(renderLetterPdf({ ...letter, body: 'x', contactBlock: 'Line\n'.repeat(20_000) }), LetterTooLongError);
  await assert.rejects(renderLetterPdf({ ...letter, body: 'y'.repeat(LETTER_MAX_CHARACTERS) }), LetterTooLongError);
  // Ten full pages print.
  const ten = await renderLetterPdf({ ...letter, body: 'Lorem ipsum dolor sit amet. '.repeat(1_300) });
  assert.ok(countPdfPages(ten) <= LETTER_MAX_PAGES);
});

test('attacker: rules (---) take room on the page like text: a body of thousands of them is more than 10 pages, not one page drawn past its edge', async () => {
  await assert.rejects(renderLetterPdf({ ...letter, body: '---\n\n'.repeat(30_000) }), LetterTooLongError);
  const some = await renderLetterPdf({ ...letter, body: 'Dear Ffion,\n\n---\n\n'.repeat(40) });
  assert.ok(countPdfPages(some) >= 2 && countPdfPages(some) <= LETTER_MAX_PAGES, `${countPdfPages(some)} pages`);
});
