import assert from 'node:assert/strict';
import { test } from 'node:test';
import { inflateSync } from 'node:zlib';
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

/** The text a PDF shows, as PDFKit writes it for its standard fonts: hex strings in each page's (deflated) content. */
function textOfPdf(pdf: Buffer): string {
  const raw = pdf.toString('latin1');
  let text = '';
  for (const match of raw.matchAll(/stream\r?\n([\s\S]*?)\r?\nendstream/g)) {
    let content: string;
    try {
      content = inflateSync(Buffer.from(match[1] as string, 'latin1')).toString('latin1');
    } catch {
      continue;
    }
    for (const shown of content.matchAll(/\[([^\]]*)\] TJ/g)) {
      for (const hex of (shown[1] as string).matchAll(/<([0-9a-f]*)>/gi)) text += Buffer.from(hex[1] as string, 'hex').toString('latin1');
      text += '\n';
    }
  }
  return text;
}

test('the letter is dated as GOV.UK writes a date, the day in the UK, in the letter language', async () => {
  // 23:30 UTC on 30 June is already 1 July in the UK (British Summer Time).
  const date = new Date('2026-06-30T23:30:00Z');
  const english = textOfPdf(await renderLetterPdf({ ...letter, body: 'Dear Ffion,', date }));
  assert.match(english, /^1 July 2026$/m);
  const welsh = textOfPdf(await renderLetterPdf({ ...letter, body: 'Annwyl Ffion,', date, language: 'cy' }));
  assert.match(welsh, /^1 Gorffennaf 2026$/m);
});
