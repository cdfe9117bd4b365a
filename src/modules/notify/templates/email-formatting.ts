/**
 * Notify's email formatting, on text whose placeholders are already filled in: `#` and `##`
 * headings, bullet (`*`, `-`, `•`) and numbered (`1.`) lists, `^` inset text, `---` rule,
 * `[text](url)` and bare http(s) links. Everything else is literal text: no emphasis, images,
 * code or raw HTML (all HTML is escaped).
 */

export type Block =
  | { kind: 'heading'; level: 1 | 2; text: string }
  | { kind: 'paragraph'; lines: string[] }
  | { kind: 'inset'; lines: string[] }
  | { kind: 'list'; ordered: boolean; items: string[] }
  | { kind: 'rule' };

/*
 * Each kind of line is recognised by slicing and trimming, not by one pattern such as
 * /^#\s*(.*\S)\s*$/: patterns like that take time growing with the square of the line's length
 * when a long run of spaces meets a character `.` does not match (U+2028), and a personalisation
 * value can be a million such characters. Every check here is linear in the line.
 */
const WHITESPACE = /\s/;
const STARTS_NUMBERED = /^\d+[.)]/;

/** The heading level and text of `## text` or `# text` (not `###`), if the line is one. */
function headingOf(line: string): { level: 1 | 2; text: string } | undefined {
  const hashes = line.startsWith('###') ? 3 : line.startsWith('##') ? 2 : line.startsWith('#') ? 1 : 0;
  if (hashes === 0 || hashes === 3) return undefined;
  const text = line.slice(hashes).trim();
  return text ? { level: hashes === 2 ? 2 : 1, text } : undefined;
}

/** `---` or `***`, three or more, spaces between allowed. */
function isRule(line: string): boolean {
  const marks = line.replace(/\s+/g, '');
  return marks.length >= 3 && (/^-+$/.test(marks) || /^\*+$/.test(marks));
}

/** The text of a `* item`, `- item`, `• item` or `1. item` line, and which kind it is. */
function listItemOf(line: string): { ordered: boolean; text: string } | undefined {
  const start = line.trimStart();
  const bullet = start.length > 0 && '*-•'.includes(start[0] as string);
  const marker = bullet ? 1 : (STARTS_NUMBERED.exec(start)?.[0].length ?? 0);
  if (marker === 0 || !WHITESPACE.test(start[marker] ?? '')) return undefined;
  const text = start.slice(marker).trim();
  return text ? { ordered: !bullet, text } : undefined;
}

export function parseBlocks(source: string): Block[] {
  const blocks: Block[] = [];
  let open: Block | undefined;
  const close = () => {
    if (open) blocks.push(open);
    open = undefined;
  };
  for (const rawLine of source.replace(/\r\n?/g, '\n').split('\n')) {
    // trimEnd(), not /\s+$/: that regex takes quadratic time on a long run of inner spaces.
    const line = rawLine.trimEnd();
    if (line.trim() === '') {
      close();
      continue;
    }
    const heading = headingOf(line);
    const item = heading ? undefined : listItemOf(line);
    if (isRule(line)) {
      close();
      blocks.push({ kind: 'rule' });
    } else if (heading) {
      close();
      blocks.push({ kind: 'heading', ...heading });
    } else if (line.startsWith('^')) {
      if (open?.kind !== 'inset') {
        close();
        open = { kind: 'inset', lines: [] };
      }
      const text = line.slice(1).trim();
      if (text) open.lines.push(text);
    } else if (item) {
      if (open?.kind !== 'list' || open.ordered !== item.ordered) {
        close();
        open = { kind: 'list', ordered: item.ordered, items: [] };
      }
      open.items.push(item.text);
    } else {
      if (open?.kind !== 'paragraph') {
        close();
        open = { kind: 'paragraph', lines: [] };
      }
      open.lines.push(line.trim());
    }
  }
  close();
  return blocks.filter((block) => block.kind !== 'inset' || block.lines.length > 0);
}

export function escapeHtml(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

type InlinePart = { text: string; href?: string };

// A link's text holds no '[': with it, a line of many '[' and no ']' took quadratic time to scan.
const LINK = /(?<!!)\[([^[\]\n]+)\]\((https?:\/\/[^\s()]+)\)|(https?:\/\/[^\s<>"]*[^\s<>".,;:!?)'\]])/g;

/** Splits text into plain runs and links (`[text](url)` or a bare http/https address). */
export function splitLinks(text: string): InlinePart[] {
  const parts: InlinePart[] = [];
  let at = 0;
  for (const match of text.matchAll(LINK)) {
    const index = match.index ?? 0;
    if (index > at) parts.push({ text: text.slice(at, index) });
    if (match[1] !== undefined) parts.push({ text: match[1], href: match[2] as string });
    else parts.push({ text: match[3] as string, href: match[3] as string });
    at = index + match[0].length;
  }
  if (at < text.length) parts.push({ text: text.slice(at) });
  return parts;
}

/** The attributes each element gets: inline styles in an email, GOV.UK classes on a page. */
export type ElementAttributes = Record<'p' | 'h2' | 'h3' | 'ul' | 'ol' | 'li' | 'inset' | 'hr' | 'a', string>;

/** ` class="..."` or ` style="..."` for the element, or nothing. */
function attribute(attributes: ElementAttributes, element: keyof ElementAttributes): string {
  const value = attributes[element];
  return value ? ` ${value}` : '';
}

function renderInline(text: string, attributes: ElementAttributes): string {
  return splitLinks(text)
    .map((part) =>
      part.href
        ? `<a ${attributes.a} href="${escapeHtml(part.href)}">${escapeHtml(part.text)}</a>`
        : escapeHtml(part.text),
    )
    .join('');
}

export function renderBlocksAsHtml(blocks: readonly Block[], attributes: ElementAttributes): string {
  return blocks
    .map((block) => {
      switch (block.kind) {
        case 'heading':
          return block.level === 1
            ? `<h2${attribute(attributes, 'h2')}>${renderInline(block.text, attributes)}</h2>`
            : `<h3${attribute(attributes, 'h3')}>${renderInline(block.text, attributes)}</h3>`;
        case 'paragraph':
          return `<p${attribute(attributes, 'p')}>${block.lines.map((line) => renderInline(line, attributes)).join('<br>')}</p>`;
        case 'inset':
          return `<blockquote${attribute(attributes, 'inset')}><p${attribute(attributes, 'p')}>${block.lines
            .map((line) => renderInline(line, attributes))
            .join('<br>')}</p></blockquote>`;
        case 'list': {
          const tag = block.ordered ? 'ol' : 'ul';
          const items = block.items.map((item) => `<li${attribute(attributes, 'li')}>${renderInline(item, attributes)}</li>`).join('');
          return `<${tag}${attribute(attributes, tag)}>${items}</${tag}>`;
        }
        case 'rule':
          return `<hr${attribute(attributes, 'hr')}>`;
      }
    })
    .join('\n');
}

function plainInline(text: string): string {
  return splitLinks(text)
    .map((part) => (part.href && part.href !== part.text ? `${part.text}: ${part.href}` : part.text))
    .join('');
}

export function renderBlocksAsText(blocks: readonly Block[]): string {
  return blocks
    .map((block) => {
      switch (block.kind) {
        case 'heading': {
          const text = plainInline(block.text);
          return `${text}\n${(block.level === 1 ? '=' : '-').repeat(Math.min(text.length, 65))}`;
        }
        case 'paragraph':
        case 'inset':
          return block.lines.map(plainInline).join('\n');
        case 'list':
          return block.items.map((item, index) => `${block.ordered ? `${index + 1}.` : '•'} ${plainInline(item)}`).join('\n');
        case 'rule':
          return '='.repeat(65);
      }
    })
    .join('\n\n');
}
