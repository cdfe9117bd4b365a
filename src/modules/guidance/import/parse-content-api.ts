import { isLocale } from '../../../platform/http/i18n.ts';
import { slugify, type PageDraft } from '../content/guidance-content.ts';
import { htmlToMarkdown } from './html-to-markdown.ts';
import { ImportRefusal } from './parse-markdown-file.ts';

type Body = string | Array<{ content_type?: unknown; content?: unknown }>;

const MARKDOWN_TYPES = ['text/govspeak', 'text/markdown'];

/** Govspeak's block markers as the subset's blocks: `$C`/`$A` contact, `$CTA` inset, `%…%` and `^…^` callouts. */
function govspeakToMarkdown(govspeak: string): string {
  // A Map: a line is looked up in it, and a line saying "constructor" or "toString" is text, not a block.
  const blocks: ReadonlyMap<string, string> = new Map([['$C', 'contact'], ['$A', 'contact'], ['$CTA', 'inset']]);
  let open: string | undefined;
  return govspeak
    .split(/\r?\n/)
    .map((line) => {
      const trimmed = line.trim();
      const kind = blocks.get(trimmed);
      if (kind && (open === undefined || open === trimmed)) {
        open = open ? undefined : trimmed;
        return open ? `:::${kind}` : ':::';
      }
      const callout = /^([%^])(.+)\1$/.exec(trimmed);
      return callout ? `:::callout\n${callout[2]!.trim()}\n:::` : line;
    })
    .join('\n');
}

function markdownOfBody(body: unknown, where: string): string {
  if (typeof body === 'string') return htmlToMarkdown(body);
  if (Array.isArray(body)) {
    const list = body as Exclude<Body, string>;
    const markdown = list.find((entry) => MARKDOWN_TYPES.includes(String(entry?.content_type)) && typeof entry.content === 'string');
    if (markdown) return govspeakToMarkdown(markdown.content as string);
    const html = list.find((entry) => entry?.content_type === 'text/html' && typeof entry.content === 'string');
    if (html) return htmlToMarkdown(html.content as string);
  }
  throw new ImportRefusal(`${where} is neither HTML nor a list of contents with text/govspeak, text/markdown or text/html`);
}

function textField(document: Record<string, unknown>, name: string): string | undefined {
  const value = document[name];
  return typeof value === 'string' ? value : undefined;
}

/**
 * A GOV.UK Content API document (`title`, `base_path`, `details.body` or `details.parts`) as a
 * draft: an answer from a body, a guide from parts. The slug is the base path's last segment.
 */
export function parseContentApiDocument(source: string): PageDraft {
  let document: unknown;
  try {
    document = JSON.parse(source);
  } catch {
    throw new ImportRefusal('The file is not valid JSON');
  }
  if (typeof document !== 'object' || document === null || Array.isArray(document)) throw new ImportRefusal('The JSON is not a Content API document');
  const fields = document as Record<string, unknown>;
  const title = textField(fields, 'title');
  const basePath = textField(fields, 'base_path');
  if (!title) throw new ImportRefusal('The document has no title');
  if (!basePath || !basePath.startsWith('/')) throw new ImportRefusal('The document has no base_path');
  const slug = basePath.split('/').filter(Boolean).at(-1) ?? '';
  const locale = textField(fields, 'locale') ?? 'en';
  if (!isLocale(locale)) throw new ImportRefusal('The document\'s locale must be en or cy');
  const details = fields.details;
  if (typeof details !== 'object' || details === null) throw new ImportRefusal('The document has no details');
  const { body, parts } = details as Record<string, unknown>;
  const base = { slug, lang: locale, title, description: textField(fields, 'description') ?? '' };
  if (Array.isArray(parts)) {
    return {
      ...base,
      content: {
        type: 'guide',
        parts: parts.map((part: unknown, index) => {
          const fieldsOfPart = (typeof part === 'object' && part !== null ? part : {}) as Record<string, unknown>;
          const partTitle = textField(fieldsOfPart, 'title') ?? '';
          return {
            title: partTitle,
            slug: textField(fieldsOfPart, 'slug') ?? slugify(partTitle),
            body: markdownOfBody(fieldsOfPart.body, `Part ${index + 1}'s body`),
          };
        }),
      },
    };
  }
  if (body !== undefined) return { ...base, content: { type: 'answer', body: markdownOfBody(body, 'The body') } };
  throw new ImportRefusal('The document has neither details.body nor details.parts');
}
