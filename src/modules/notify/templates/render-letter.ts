import { formatDate } from '../../../platform/http/dates.ts';
import type { Locale } from '../../../platform/http/i18n.ts';
import { parseBlocks, splitLinks } from './email-formatting.ts';
import { fillPlaceholders, type Personalisation } from './placeholders.ts';
import { ADDRESS_LINE_MAX_CHARACTERS, ADDRESS_MAX_LINES } from './recipients.ts';

const MM = 72 / 25.4;

/** A4 with the address where a C5/DL window envelope shows it (Royal Mail's window position). */
const LAYOUT = {
  margin: 20 * MM,
  addressLeft: 24.6 * MM,
  addressTop: 39.5 * MM,
  addressWidth: 95 * MM,
  bodyTop: 95 * MM,
  fontSize: 11,
  headingSize: 14,
} as const;

export type FilledLetter = { subject: string; body: string; contactBlock: string };

export function fillLetter(
  template: { subject: string; body: string; letterContactBlock: string | null },
  personalisation: Personalisation,
): FilledLetter {
  return {
    subject: fillPlaceholders(template.subject, personalisation, { listStyle: 'inline' }).replace(/\s+/g, ' ').trim(),
    body: fillPlaceholders(template.body, personalisation, { listStyle: 'bullets' }).trim(),
    contactBlock: fillPlaceholders(template.letterContactBlock ?? '', personalisation, { listStyle: 'inline' }),
  };
}

function plain(text: string): string {
  return splitLinks(text)
    .map((part) => (part.href && part.href !== part.text ? `${part.text} (${part.href})` : part.text))
    .join('');
}

/** Notify's limit: a letter of more pages is not printed (notifications-utils LETTER_MAX_PAGE_COUNT). */
export const LETTER_MAX_PAGES = 10;

/**
 * Civitas' limit on a letter's text (subject, body and contact block, filled in). Ten pages of
 * Helvetica 11 hold well under this even in its narrowest characters, so no letter that fits on
 * ten pages is refused; longer ones are refused when sent instead of failing when printed.
 * It also bounds the work of laying a letter out.
 */
export const LETTER_MAX_CHARACTERS = 150_000;

/** Printing a letter was refused: it needs more than LETTER_MAX_PAGES pages, or more than LETTER_MAX_CHARACTERS characters. */
export class LetterTooLongError extends Error {
  readonly code = 'LETTER_TOO_LONG';

  constructor() {
    super(`Letter is longer than ${LETTER_MAX_PAGES} pages`);
    this.name = 'LetterTooLongError';
  }
}

export function countLetterCharacters(letter: FilledLetter): number {
  return letter.subject.length + letter.body.length + letter.contactBlock.length;
}

/** How wide a character can be in Helvetica, in ems ('@' is 1.015): a word of fewer characters always fits. */
const WIDEST_CHARACTER_EMS = 1.1;

/**
 * The text with each word too wide for a line cut into pieces that fit, one per line. PDFKit cuts
 * such a word itself, but measures what is left of it again for every line it makes: the time
 * grows with the square of the word's length (a 100,000-character word took 9 seconds, the event
 * loop stalled throughout). Measured here once per character, so the time grows with the length.
 */
function cutWordsToWidth(document: PDFKit.PDFDocument, text: string, width: number, fontSize: number): string {
  const shortestTooWide = Math.floor(width / (fontSize * WIDEST_CHARACTER_EMS));
  if (text.length <= shortestTooWide) return text;
  const widths = new Map<string, number>();
  // Kerning can make a pair wider than its characters apart: 5% spare.
  const limit = width * 0.95;
  return text.replace(/\S+/g, (word) => {
    if (word.length <= shortestTooWide || document.widthOfString(word) <= limit) return word;
    const pieces: string[] = [];
    let piece = '';
    let pieceWidth = 0;
    for (const character of word) {
      let characterWidth = widths.get(character);
      if (characterWidth === undefined) {
        characterWidth = document.widthOfString(character);
        widths.set(character, characterWidth);
      }
      if (piece !== '' && pieceWidth + characterWidth > limit) {
        pieces.push(piece);
        piece = '';
        pieceWidth = 0;
      }
      piece += character;
      pieceWidth += characterWidth;
    }
    pieces.push(piece);
    return pieces.join('\n');
  });
}

/** How much text PDFKit lays out in one call: a line longer than this is handed over in runs. */
const RUN_CHARACTERS = 1000;
const YIELD_EVERY_CHARACTERS = 4000;

/** A line as runs of at most RUN_CHARACTERS, each ending after a space where there is one. */
function splitIntoRuns(line: string): string[] {
  const runs: string[] = [];
  let rest = line;
  while (rest.length > RUN_CHARACTERS) {
    const space = rest.lastIndexOf(' ', RUN_CHARACTERS - 1);
    const cut = space > 0 ? space + 1 : RUN_CHARACTERS;
    runs.push(rest.slice(0, cut));
    rest = rest.slice(cut);
  }
  runs.push(rest);
  return runs;
}

/** Between pieces of work, other requests get their turn. */
const yieldToEventLoop = () => new Promise<void>((resolve) => setImmediate(resolve));
const BLOCKS_BETWEEN_PAUSES = 200;

/**
 * The letter as a PDF: address in the window, contact block and date, subject as a heading, then
 * the body. The date is the day in the UK, as GOV.UK writes it, in the letter's language (English
 * unless it says otherwise).
 */
export async function renderLetterPdf(letter: FilledLetter & { addressLines: readonly string[]; date: Date; language?: Locale }): Promise<Buffer> {
  const language = letter.language ?? 'en';
  if (countLetterCharacters(letter) > LETTER_MAX_CHARACTERS) throw new LetterTooLongError();
  // pdfkit and its fonts take about 30 MB: loaded when the first letter is made, not at start.
  const { default: PDFDocument } = await import('pdfkit');
  const document = new PDFDocument({
    size: 'A4',
    margins: { top: LAYOUT.margin, bottom: LAYOUT.margin, left: LAYOUT.margin, right: LAYOUT.margin },
    info: { Title: letter.subject, Producer: 'Civitas Notify', Creator: 'Civitas Notify' },
    bufferPages: true,
    lang: `${language}-GB`,
    displayTitle: true,
    pdfVersion: '1.7',
    tagged: true,
  } as PDFKit.PDFDocumentOptions);
  const chunks: Buffer[] = [];
  document.on('data', (chunk: Buffer) => chunks.push(chunk));
  const finished = new Promise<Buffer>((resolve, reject) => {
    document.on('end', () => resolve(Buffer.concat(chunks)));
    document.on('error', reject);
  });

  const width = document.page.width - LAYOUT.margin * 2;
  let charactersSinceYield = 0;
  /**
   * Writes text at x (or where the last text ended), words too wide for a line cut to fit, and
   * handed to PDFKit a run of at most RUN_CHARACTERS at a time (`continued`, so the runs of a
   * line flow on as one). After each run: past LETTER_MAX_PAGES pages the letter is refused, and
   * every so often the event loop gets a turn. So no letter keeps the process busy for long.
   */
  async function write(text: string, options: { x?: number; y?: number; width: number; fontSize: number; align?: 'right' | 'center' }) {
    let first = true;
    for (const line of cutWordsToWidth(document, text, options.width, options.fontSize).split('\n')) {
      if (line === '') {
        document.moveDown(1);
        continue;
      }
      const runs = splitIntoRuns(line);
      for (const [index, run] of runs.entries()) {
        const textOptions = { width: options.width, align: options.align, continued: index < runs.length - 1 };
        if (options.x === undefined || index > 0) document.text(run, textOptions);
        else document.text(run, options.x, first ? options.y : undefined, textOptions);
        first = false;
        if (document.bufferedPageRange().count > LETTER_MAX_PAGES) throw new LetterTooLongError();
        charactersSinceYield += run.length + 50;
        if (charactersSinceYield >= YIELD_EVERY_CHARACTERS) {
          charactersSinceYield = 0;
          await yieldToEventLoop();
        }
      }
    }
  }

  document.font('Helvetica').fontSize(LAYOUT.fontSize);
  if (letter.contactBlock.trim()) {
    await write(letter.contactBlock.trim(), { x: LAYOUT.margin, y: LAYOUT.margin, width, fontSize: LAYOUT.fontSize, align: 'right' });
  }
  // The address stays in the envelope window: at most 7 lines, each cut short, anything taller clipped.
  const addressText = letter.addressLines
    .slice(0, ADDRESS_MAX_LINES)
    .map((line) => line.slice(0, ADDRESS_LINE_MAX_CHARACTERS))
    .join('\n');
  document.font('Helvetica').fontSize(LAYOUT.fontSize);
  document.text(cutWordsToWidth(document, addressText, LAYOUT.addressWidth, LAYOUT.fontSize), LAYOUT.addressLeft, LAYOUT.addressTop, {
    width: LAYOUT.addressWidth,
    height: LAYOUT.bodyTop - 12 * MM - LAYOUT.addressTop - LAYOUT.fontSize,
    ellipsis: true,
  });
  document.text(formatDate(letter.date, language), LAYOUT.margin, LAYOUT.bodyTop - 12 * MM, { width, align: 'right' });

  document.x = LAYOUT.margin;
  document.y = LAYOUT.bodyTop;
  document.font('Helvetica-Bold').fontSize(LAYOUT.headingSize);
  await write(letter.subject, { width, fontSize: LAYOUT.headingSize });
  document.moveDown(0.8);
  for (const [blockNumber, block] of parseBlocks(letter.body).entries()) {
    // Blocks that write no text (rules) never pass through write()'s pauses: pause here too.
    if (blockNumber % BLOCKS_BETWEEN_PAUSES === BLOCKS_BETWEEN_PAUSES - 1) await yieldToEventLoop();
    switch (block.kind) {
      case 'heading': {
        const size = block.level === 1 ? LAYOUT.headingSize : LAYOUT.fontSize + 1;
        document.font('Helvetica-Bold').fontSize(size);
        await write(plain(block.text), { width, fontSize: size });
        break;
      }
      case 'paragraph':
        document.font('Helvetica').fontSize(LAYOUT.fontSize);
        await write(block.lines.map(plain).join('\n'), { width, fontSize: LAYOUT.fontSize });
        break;
      case 'inset':
        document.font('Helvetica').fontSize(LAYOUT.fontSize);
        await write(block.lines.map(plain).join('\n'), { x: LAYOUT.margin + 8 * MM, width: width - 8 * MM, fontSize: LAYOUT.fontSize });
        document.x = LAYOUT.margin;
        break;
      case 'list':
        document.font('Helvetica').fontSize(LAYOUT.fontSize);
        for (const [index, item] of block.items.entries()) {
          const text = `${block.ordered ? `${index + 1}.` : '•'}  ${plain(item)}`;
          await write(text, { x: LAYOUT.margin + 4 * MM, width: width - 4 * MM, fontSize: LAYOUT.fontSize });
        }
        document.x = LAYOUT.margin;
        break;
      case 'rule':
        // A rule is drawn, not written: PDFKit starts no new page for it, so this does.
        if (document.y + LAYOUT.fontSize > document.page.height - document.page.margins.bottom) document.addPage();
        document.moveTo(LAYOUT.margin, document.y).lineTo(LAYOUT.margin + width, document.y).stroke('#b1b4b6');
        break;
    }
    document.moveDown(0.6);
    if (document.bufferedPageRange().count > LETTER_MAX_PAGES) throw new LetterTooLongError();
  }
  const range = document.bufferedPageRange();
  for (let index = 0; index < range.count; index += 1) {
    document.switchToPage(range.start + index);
    // The footer sits in the bottom margin; without this, writing there would start a new page.
    document.page.margins.bottom = 0;
    document.font('Helvetica').fontSize(9).text(
      `Page ${index + 1} of ${range.count}`,
      LAYOUT.margin,
      document.page.height - LAYOUT.margin + 4 * MM,
      { width, align: 'center', lineBreak: false },
    );
  }
  document.end();
  return finished;
}

/** How many sheets a letter PDF takes (double-sided): from its page count. */
export function countPdfPages(pdf: Buffer): number {
  const matches = pdf.toString('latin1').match(/\/Type\s*\/Page[^s]/g);
  return matches ? matches.length : 0;
}
