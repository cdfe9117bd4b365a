import {
  escapeHtml,
  parseBlocks,
  renderBlocksAsHtml,
  renderBlocksAsText,
  type ElementAttributes,
} from './email-formatting.ts';
import { fillPlaceholders, type Personalisation } from './placeholders.ts';

export const EMAIL_MAX_BYTES = 2_000_000;

const FONT = 'font-family: Helvetica, Arial, sans-serif;';
const TEXT_COLOUR = 'color: #0b0c0c;';

/** Inline styles: mail programs ignore style sheets. Sizes follow the GOV.UK Design System. */
const EMAIL_ATTRIBUTES: ElementAttributes = {
  p: `style="margin: 0 0 20px 0; font-size: 19px; line-height: 25px; ${FONT} ${TEXT_COLOUR}"`,
  h2: `style="margin: 0 0 15px 0; font-size: 27px; line-height: 35px; font-weight: bold; ${FONT} ${TEXT_COLOUR}"`,
  h3: `style="margin: 0 0 15px 0; font-size: 19px; line-height: 25px; font-weight: bold; ${FONT} ${TEXT_COLOUR}"`,
  ul: `style="margin: 0 0 20px 0; padding: 0 0 0 20px; list-style-type: disc; ${FONT}"`,
  ol: `style="margin: 0 0 20px 0; padding: 0 0 0 20px; list-style-type: decimal; ${FONT}"`,
  li: `style="margin: 5px 0 5px 0; font-size: 19px; line-height: 25px; ${TEXT_COLOUR}"`,
  inset: 'style="margin: 0 0 20px 0; border-left: 10px solid #b1b4b6; padding: 15px 0 0.1px 15px;"',
  hr: 'style="border: 0; height: 1px; background: #b1b4b6; margin: 30px 0 30px 0;"',
  a: 'style="color: #1d70b8; text-decoration: underline; word-wrap: break-word;"',
};

/** GOV.UK Frontend classes, for showing an email's body on a service-team page (no inline styles there). */
export const PAGE_ATTRIBUTES: ElementAttributes = {
  p: 'class="govuk-body"',
  h2: 'class="govuk-heading-m"',
  h3: 'class="govuk-heading-s"',
  ul: 'class="govuk-list govuk-list--bullet"',
  ol: 'class="govuk-list govuk-list--number"',
  li: '',
  inset: 'class="govuk-inset-text"',
  hr: 'class="govuk-section-break govuk-section-break--m govuk-section-break--visible"',
  a: 'class="govuk-link"',
};

export type RenderedEmail = {
  /** Subject and body with the placeholders filled in: what the API returns as `subject` and `body`. */
  subject: string;
  body: string;
  /** The whole HTML message and its plain-text part. */
  html: string;
  text: string;
};

export function fillEmail(
  template: { subject: string; body: string },
  personalisation: Personalisation,
): { subject: string; body: string } {
  const subject = fillPlaceholders(template.subject, personalisation, { listStyle: 'inline' })
    .replace(/\s+/g, ' ')
    .trim();
  // As Notify: the body as written (CRLF line endings kept). A `one_click_unsubscribe_url` adds no
  // link to it: it goes in the email's List-Unsubscribe headers (delivery/deliver.job.ts) alone.
  const body = fillPlaceholders(template.body, personalisation, { listStyle: 'bullets' }).trim();
  return { subject, body };
}

/** The HTML of an email's body alone, styled for a page or for the email itself. */
export function renderEmailBodyHtml(body: string, attributes: ElementAttributes = EMAIL_ATTRIBUTES): string {
  return renderBlocksAsHtml(parseBlocks(body), attributes);
}

/** An accessible HTML email (one column, real headings and lists, a language and a title) and its text part. */
export function renderEmail(filled: { subject: string; body: string }, options: { serviceName: string; lang?: string }): RenderedEmail {
  const blocks = parseBlocks(filled.body);
  const content = renderBlocksAsHtml(blocks, EMAIL_ATTRIBUTES);
  const html =
    '<!DOCTYPE html>\n' +
    `<html lang="${escapeHtml(options.lang ?? 'en')}">\n<head>\n<meta charset="utf-8">\n` +
    '<meta name="viewport" content="width=device-width, initial-scale=1">\n' +
    `<title>${escapeHtml(filled.subject)}</title>\n</head>\n` +
    '<body style="margin: 0; padding: 0; background: #ffffff;">\n' +
    `<div role="article" aria-label="${escapeHtml(filled.subject)}" style="max-width: 580px; margin: 0 auto; padding: 20px 10px;">\n` +
    `<p style="margin: 0 0 30px 0; padding: 0 0 10px 0; border-bottom: 10px solid #1d70b8; font-size: 24px; line-height: 30px; font-weight: bold; ${FONT} ${TEXT_COLOUR}">${escapeHtml(options.serviceName)}</p>\n` +
    `${content}\n</div>\n</body>\n</html>\n`;
  return { subject: filled.subject, body: filled.body, html, text: `${renderBlocksAsText(blocks)}\n` };
}
