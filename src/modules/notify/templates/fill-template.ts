import { badRequest, type NotifyApiError } from '../notify.errors.ts';
import { findMissingPersonalisation, fillPlaceholders, type Personalisation } from './placeholders.ts';
import { EMAIL_MAX_BYTES, fillEmail, renderEmailBodyHtml } from './render-email.ts';
import { countLetterCharacters, fillLetter, LETTER_MAX_CHARACTERS } from './render-letter.ts';
import { countSmsCharacters, countSmsFragments, SMS_MAX_CHARACTERS } from './sms-length.ts';
import type { TemplateType } from './template.store.ts';

export type TemplateContent = {
  type: TemplateType;
  subject: string | null;
  body: string;
  letter_contact_block: string | null;
};

export type FilledTemplate = {
  subject: string | null;
  body: string;
  /** Text message fragments, or 0 for email; letters count pages later. */
  billableUnits: number;
};

/** The most lines an email body may have once filled in (Civitas's limit). */
export const EMAIL_MAX_LINES = 10_000;

/** The longest an email's subject may be once filled in (Civitas's limit). */
export const EMAIL_SUBJECT_MAX_CHARACTERS = 2_000;

/** The most web addresses an email body may hold once filled in (Civitas's limit). */
export const EMAIL_MAX_LINKS = 10_000;

/**
 * The longest an email's body may be once formatted as HTML (Civitas's limit; Notify has none).
 * Escaping and links still multiply some text: 1 MB of '&' in a link made 10 MB of HTML.
 */
export const EMAIL_MAX_HTML_BYTES = 5_000_000;

/**
 * An upper bound on the HTML a body can become, without rendering it: a character escapes to at
 * most 6 bytes and shows at most twice (a bare link's address is also its text); each line and
 * each link add at most their element's tags and inline styles.
 */
function boundHtmlBytes(body: { bytes: number; lines: number; links: number }): number {
  return 12 * body.bytes + 400 * body.lines + 150 * body.links;
}

/** Counts `://`, which every link the formatting makes contains: an upper bound on the links. */
function countOccurrences(text: string, part: string): number {
  let count = 0;
  for (let index = text.indexOf(part); index !== -1; index = text.indexOf(part, index + part.length)) count += 1;
  return count;
}

/** Lines as the formatting reads them: a line ends at \n, \r\n or a lone \r. */
function countLines(text: string): number {
  let lines = 1;
  for (let index = 0; index < text.length; index += 1) {
    const code = text.charCodeAt(index);
    if (code === LINE_FEED || (code === CARRIAGE_RETURN && text.charCodeAt(index + 1) !== LINE_FEED)) lines += 1;
  }
  return lines;
}

const LINE_FEED = 0x0a;
const CARRIAGE_RETURN = 0x0d;

/** Notify's "Missing personalisation: a, b", or nothing. Letters' address lines are checked apart. */
export function checkPersonalisation(template: TemplateContent, personalisation: Personalisation): NotifyApiError | undefined {
  const missing = findMissingPersonalisation(personalisation, template.subject, template.body, template.letter_contact_block);
  return missing.length > 0 ? badRequest(`Missing personalisation: ${missing.join(', ')}`) : undefined;
}

/** Fills the template in; refuses a message that is too long, with Notify's words. */
export function fillTemplate(
  template: TemplateContent,
  personalisation: Personalisation,
): FilledTemplate {
  switch (template.type) {
    case 'email': {
      const filled = fillEmail({ subject: template.subject ?? '', body: template.body }, personalisation);
      // Civitas's limit (Notify has none): the subject goes into the message's header and twice
      // into its HTML, escaped; a 7 MB one made a 77 MB email.
      if (filled.subject.length > EMAIL_SUBJECT_MAX_CHARACTERS) {
        throw badRequest(`Your subject is too long. Email subjects cannot be longer than ${EMAIL_SUBJECT_MAX_CHARACTERS} characters. Your subject is ${filled.subject.length} characters long.`);
      }
      const bytes = Buffer.byteLength(filled.body, 'utf8');
      if (bytes > EMAIL_MAX_BYTES) {
        throw badRequest(`Your message is too long. Emails cannot be longer than ${EMAIL_MAX_BYTES} bytes. Your message is ${bytes} bytes.`);
      }
      // Each line may become an element with its own inline styles: a body of short lines grew
      // 37 times as HTML (Civitas's limit; Notify has none).
      const lines = countLines(filled.body);
      if (lines > EMAIL_MAX_LINES) {
        throw badRequest(`Your message is too long. Emails cannot have more than ${EMAIL_MAX_LINES} lines. Your message has ${lines} lines.`);
      }
      // Each link becomes an element with inline styles too (12 times its text as HTML).
      const links = countOccurrences(filled.body, '://');
      if (links > EMAIL_MAX_LINKS) {
        throw badRequest(`Your message has too many links. Emails cannot have more than ${EMAIL_MAX_LINKS} links.`);
      }
      // Only a large body can come near the limit: the others are not rendered here.
      if (boundHtmlBytes({ bytes, lines, links }) > EMAIL_MAX_HTML_BYTES) {
        const htmlBytes = Buffer.byteLength(renderEmailBodyHtml(filled.body), 'utf8');
        if (htmlBytes > EMAIL_MAX_HTML_BYTES) {
          throw badRequest(`Your message is too long. Emails cannot be longer than ${EMAIL_MAX_HTML_BYTES} bytes as HTML. Your message is ${htmlBytes} bytes as HTML.`);
        }
      }
      return { subject: filled.subject, body: filled.body, billableUnits: 0 };
    }
    case 'sms': {
      // As Notify's text messages: line endings become \n, and no more than one empty line in a row.
      const body = fillPlaceholders(template.body, personalisation, { listStyle: 'inline' })
        .replace(/\r\n?/g, '\n')
        .replace(/\n{3,}/g, '\n\n')
        .trim();
      const length = countSmsCharacters(body);
      if (length > SMS_MAX_CHARACTERS) {
        throw badRequest(
          `Your message is too long. Text messages cannot be longer than ${SMS_MAX_CHARACTERS} characters. Your message is ${length} characters long.`,
        );
      }
      return { subject: null, body, billableUnits: countSmsFragments(body) };
    }
    case 'letter': {
      const filled = fillLetter(
        { subject: template.subject ?? '', body: template.body, letterContactBlock: template.letter_contact_block },
        personalisation,
      );
      // Civitas' limit, worded as Notify's for text messages (Notify itself accepts any length
      // and fails a letter of more than 10 pages later, when its PDF is checked).
      const length = countLetterCharacters(filled);
      if (length > LETTER_MAX_CHARACTERS) {
        throw badRequest(
          `Your message is too long. Letters cannot be longer than ${LETTER_MAX_CHARACTERS} characters. Your message is ${length} characters long.`,
        );
      }
      return { subject: filled.subject, body: filled.body, billableUnits: 0 };
    }
  }
}
