import { parseBlocks, splitLinks } from './email-formatting.ts';
import { fillPlaceholders, type Personalisation } from './placeholders.ts';

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

/** The letter as a PDF: address in the window, contact block and date, subject as a heading, then the body. */
export async function renderLetterPdf(letter: FilledLetter & { addressLines: readonly string[]; date: Date }): Promise<Buffer> {
  // pdfkit and its fonts take about 30 MB: loaded when the first letter is made, not at start.
  const { default: PDFDocument } = await import('pdfkit');
  const document = new PDFDocument({
    size: 'A4',
    margins: { top: LAYOUT.margin, bottom: LAYOUT.margin, left: LAYOUT.margin, right: LAYOUT.margin },
    info: { Title: letter.subject, Producer: 'Civitas Notify', Creator: 'Civitas Notify' },
    bufferPages: true,
    lang: 'en-GB',
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
  document.font('Helvetica').fontSize(LAYOUT.fontSize);
  if (letter.contactBlock.trim()) {
    document.text(letter.contactBlock.trim(), LAYOUT.margin, LAYOUT.margin, { width, align: 'right' });
  }
  document.text(letter.addressLines.join('\n'), LAYOUT.addressLeft, LAYOUT.addressTop, { width: LAYOUT.addressWidth });
  const dateText = letter.date.toLocaleDateString('en-GB', { day: 'numeric', month: 'long', year: 'numeric', timeZone: 'UTC' });
  document.text(dateText, LAYOUT.margin, LAYOUT.bodyTop - 12 * MM, { width, align: 'right' });

  document.x = LAYOUT.margin;
  document.y = LAYOUT.bodyTop;
  document.font('Helvetica-Bold').fontSize(LAYOUT.headingSize).text(letter.subject, { width });
  document.moveDown(0.8);
  for (const block of parseBlocks(letter.body)) {
    switch (block.kind) {
      case 'heading':
        document.font('Helvetica-Bold').fontSize(block.level === 1 ? LAYOUT.headingSize : LAYOUT.fontSize + 1).text(plain(block.text), { width });
        break;
      case 'paragraph':
        document.font('Helvetica').fontSize(LAYOUT.fontSize).text(block.lines.map(plain).join('\n'), { width });
        break;
      case 'inset':
        document.font('Helvetica').fontSize(LAYOUT.fontSize).text(block.lines.map(plain).join('\n'), LAYOUT.margin + 8 * MM, undefined, { width: width - 8 * MM });
        document.x = LAYOUT.margin;
        break;
      case 'list':
        document.font('Helvetica').fontSize(LAYOUT.fontSize);
        block.items.forEach((item, index) => {
          document.text(`${block.ordered ? `${index + 1}.` : '•'}  ${plain(item)}`, LAYOUT.margin + 4 * MM, undefined, { width: width - 4 * MM });
        });
        document.x = LAYOUT.margin;
        break;
      case 'rule':
        document.moveTo(LAYOUT.margin, document.y).lineTo(LAYOUT.margin + width, document.y).stroke('#b1b4b6');
        break;
    }
    document.moveDown(0.6);
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
