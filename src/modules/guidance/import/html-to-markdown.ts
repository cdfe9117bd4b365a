/**
 * GOV.UK's HTML (as the Content API serves a body) as guidance markdown: headings, paragraphs,
 * lists, links, bold and emphasis are kept, GOV.UK's warning callouts, calls to action and
 * contact blocks become the subset's blocks, every other tag is dropped with its text kept, and
 * the content of script, style and the like is dropped. One pass over the text: a tag is read up
 * to the next `<` or `>`, never further, so no input makes it slow.
 */

const TAG = /<(\/?)([a-zA-Z][a-zA-Z0-9]*)([^<>]*)>|<!--[\s\S]*?(?:-->|$)/g;
const DROPPED_WITH_CONTENT = new Set(['script', 'style', 'template', 'noscript', 'iframe', 'object', 'svg', 'math', 'head', 'title', 'textarea', 'select']);
const BLOCKS = new Set(['p', 'div', 'section', 'article', 'header', 'footer', 'aside', 'table', 'tr', 'blockquote', 'figure', 'pre', 'dl', 'dt', 'dd', 'address']);
const MAX_LIST_DEPTH = 4;
const NAMED_ENTITIES: ReadonlyMap<string, string> = new Map(
  Object.entries({ amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: ' ', pound: '£', euro: '€', ndash: '–', mdash: '—', hellip: '…', rsquo: '’', lsquo: '‘', rdquo: '”', ldquo: '“' }),
);

function decodeEntities(text: string): string {
  return text.replace(/&(#x[0-9a-f]{1,6}|#[0-9]{1,7}|[a-z]{2,8});/gi, (entity, name: string) => {
    if (name[0] === '#') {
      const code = name[1] === 'x' || name[1] === 'X' ? Number.parseInt(name.slice(2), 16) : Number.parseInt(name.slice(1), 10);
      return code > 0 && code <= 0x10ffff && !(code >= 0xd800 && code <= 0xdfff) ? String.fromCodePoint(code) : '';
    }
    return NAMED_ENTITIES.get(name.toLowerCase()) ?? entity;
  });
}

/** Text as markdown that means only that text: every character markdown could read as markup escaped. */
function escapeMarkdown(text: string): string {
  return text.replace(/[\\`*_{}[\]()<>#+\-.!:|~&]/g, (character) => `\\${character}`);
}

function attribute(attributes: string, name: string): string | undefined {
  const match = new RegExp(`(?:^|\\s)${name}\\s*=\\s*(?:"([^"]*)"|'([^']*)'|([^\\s"'=<>\`]+))`, 'i').exec(attributes);
  return match ? decodeEntities(match[1] ?? match[2] ?? match[3] ?? '') : undefined;
}

/** A link's address as markdown can hold it, if it goes somewhere guidance may link to. */
function usableHref(href: string): string | undefined {
  const trimmed = href.trim();
  if (!/^(https?:\/\/|mailto:|tel:|\/(?![/\\])|#)/i.test(trimmed)) return undefined;
  let decoded = trimmed;
  try {
    decoded = decodeURI(trimmed);
  } catch {
    // Keep it as it came: encodeURI below leaves its percent signs alone only if they were valid.
  }
  try {
    return encodeURI(decoded).replace(/\(/g, '%28').replace(/\)/g, '%29');
  } catch {
    return undefined; // a lone surrogate: no address at all
  }
}

function containerOf(tag: string, attributes: string): 'callout' | 'inset' | 'contact' | undefined {
  if (tag !== 'div' && tag !== 'address') return undefined;
  if (tag === 'address') return 'contact';
  const classes = ` ${attribute(attributes, 'class') ?? ''} `;
  if (/ (help-notice|govuk-warning-text|warning-callout) /.test(classes)) return 'callout';
  if (/ (call-to-action|govuk-inset-text|info-notice) /.test(classes)) return 'inset';
  if (/ (contact|address) /.test(classes)) return 'contact';
  return undefined;
}

export function htmlToMarkdown(html: string): string {
  const out: string[] = [];
  const lists: Array<'ul' | 'ol'> = [];
  const links: Array<string | undefined> = [];
  const openElements: Array<{ tag: string; container?: string }> = [];
  let container: string | undefined;
  let dropping: string | undefined;
  let position = 0;

  const blockBreak = () => out.push('\n\n');
  const text = (raw: string) => {
    const words = decodeEntities(raw).replace(/\s+/g, ' ');
    if (words.trim() !== '') out.push(escapeMarkdown(words));
    else if (words !== '') out.push(' ');
  };

  for (const match of html.matchAll(TAG)) {
    if (!dropping) text(html.slice(position, match.index));
    position = match.index + match[0].length;
    if (!match[2]) continue; // a comment
    const closing = match[1] === '/';
    const tag = match[2].toLowerCase();
    const attributes = match[3] ?? '';
    if (dropping) {
      if (closing && tag === dropping) dropping = undefined;
      continue;
    }
    if (!closing && DROPPED_WITH_CONTENT.has(tag)) {
      if (!attributes.trim().endsWith('/')) dropping = tag;
      continue;
    }
    if (closing) {
      if (tag === 'a' && links.length > 0) {
        const href = links.pop();
        if (href) out.push(`](${href})`);
      } else if (tag === 'strong' || tag === 'b') out.push('**');
      else if (tag === 'em' || tag === 'i') out.push('*');
      else if (tag === 'ul' || tag === 'ol') {
        lists.pop();
        if (lists.length === 0) blockBreak();
      } else if (/^h[1-6]$/.test(tag) || BLOCKS.has(tag)) {
        const index = openElements.findLastIndex((element) => element.tag === tag);
        const element = index >= 0 ? openElements.splice(index)[0] : undefined;
        if (element?.container) {
          out.push('\n:::\n\n');
          container = undefined;
        } else blockBreak();
      }
      continue;
    }
    if (/^h[1-6]$/.test(tag)) {
      blockBreak();
      out.push(tag === 'h1' || tag === 'h2' ? '## ' : '### ');
      openElements.push({ tag });
    } else if (BLOCKS.has(tag)) {
      const kind = container ? undefined : containerOf(tag, attributes);
      blockBreak();
      if (kind) {
        container = kind;
        out.push(`:::${kind}\n`);
      }
      openElements.push({ tag, container: kind });
    } else if (tag === 'ul' || tag === 'ol') {
      if (lists.length === 0) blockBreak();
      lists.push(tag);
    } else if (tag === 'li') {
      // Lists deeper than this are shown at this depth: the indentation would grow as the square of the input.
      const depth = Math.min(Math.max(lists.length - 1, 0), MAX_LIST_DEPTH);
      out.push(`\n${'   '.repeat(depth)}${lists.at(-1) === 'ol' ? '1. ' : '- '}`);
    } else if (tag === 'br') out.push(container === 'contact' ? '\n' : ' ');
    else if (tag === 'a') {
      const href = attribute(attributes, 'href');
      const usable = href === undefined ? undefined : usableHref(href);
      links.push(usable);
      if (usable) out.push('[');
    } else if (tag === 'strong' || tag === 'b') out.push('**');
    else if (tag === 'em' || tag === 'i') out.push('*');
  }
  if (!dropping) text(html.slice(position));
  if (container) out.push('\n:::\n');
  return out
    .join('')
    .replace(/[ \t]+\n/g, '\n')
    .replace(/\n (?=\S)/g, '\n')
    .replace(/\n{3,}/g, '\n\n')
    .trim();
}
