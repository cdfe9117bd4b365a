import markdownIt, { type MarkdownIt, type Token } from 'markdown-it';
import type { Locale } from '../../../platform/http/i18n.ts';
import { slugify } from '../content/guidance-content.ts';
import { addGuidanceBlocks, guidanceEnvOf, type GuidanceEnv } from './guidance-blocks.ts';

export type RenderedMarkdown = {
  /** GOV.UK Frontend HTML; every character of the author's text escaped. */
  html: string;
  /** The headings, with the ids their elements have, for a contents list. */
  headings: Array<{ id: string; text: string; level: 2 | 3 }>;
};

/** Ids the page around the markdown uses already. */
const RESERVED_IDS = ['main-content', 'contents', 'search', 'step-by-step', 'related'];

/** Where a link may go: a page of this site, a place on the page, a web page, an email address or a phone number. */
function isAllowedLink(url: string): boolean {
  const trimmed = url.trim().toLowerCase();
  if (trimmed.startsWith('/')) return !trimmed.startsWith('//') && !trimmed.startsWith('/\\');
  return trimmed.startsWith('#') || /^(https?:\/\/|mailto:|tel:)/.test(trimmed);
}

const WARNING = { en: 'Warning', cy: 'Rhybudd' } as const;

function createParser(): MarkdownIt {
  // 'zero' turns every rule off; the subset is switched on by name, so nothing else parses:
  // no raw HTML, images, tables, code or block quotes (their characters stay text).
  const md = markdownIt('zero', { html: false, linkify: false, typographer: false });
  md.enable(['heading', 'list', 'link', 'emphasis', 'escape', 'entity', 'newline']);
  md.validateLink = isAllowedLink;
  addGuidanceBlocks(md, (env) => WARNING[env.lang]);

  const rules = md.renderer.rules;
  rules.paragraph_open = (tokens, index) => (tokens[index]!.hidden ? '' : '<p class="govuk-body">');
  rules.heading_open = (tokens, index, _options, env) => {
    const level = tokens[index]!.tag === 'h1' || tokens[index]!.tag === 'h2' ? 2 : 3;
    const text = plainTextOf(tokens[index + 1]!);
    const guidanceEnv = guidanceEnvOf(env);
    const id = uniqueId(guidanceEnv, slugify(text) || 'section');
    guidanceEnv.headings.push({ id, text, level });
    return `<h${level} class="govuk-heading-${level === 2 ? 'm' : 's'}" id="${id}">`;
  };
  rules.heading_close = (tokens, index) => `</h${tokens[index]!.tag === 'h1' || tokens[index]!.tag === 'h2' ? 2 : 3}>\n`;
  rules.bullet_list_open = () => '<ul class="govuk-list govuk-list--bullet">\n';
  rules.ordered_list_open = (tokens, index) => {
    const start = Number(tokens[index]!.attrGet('start') ?? 1);
    return `<ol class="govuk-list govuk-list--number"${Number.isSafeInteger(start) && start !== 1 ? ` start="${start}"` : ''}>\n`;
  };
  rules.link_open = (tokens, index, options, _env, self) => {
    // A title would show only on hover, which not everyone can do: the link text says it all.
    tokens[index]!.attrs = (tokens[index]!.attrs ?? []).filter(([name]) => name === 'href');
    tokens[index]!.attrJoin('class', 'govuk-link');
    return self.renderToken(tokens, index, options);
  };
  return md;
}

function uniqueId(env: GuidanceEnv, base: string): string {
  let id = base;
  for (let suffix = 2; env.usedIds.has(id); suffix += 1) id = `${base}-${suffix}`;
  env.usedIds.add(id);
  return id;
}

/** The text of an inline token, without its markup. */
function plainTextOf(inline: Token): string {
  return (inline.children ?? [])
    .map((child) => (child.type === 'text' || child.type === 'code_inline' ? child.content : child.type === 'softbreak' ? ' ' : ''))
    .join('');
}

const parser = createParser();

/**
 * Renders guidance markdown (the subset the module's README documents) as GOV.UK Frontend HTML.
 * Heading ids are unique within one call: pass a shared `usedIds` to keep them unique across
 * several bodies on one page.
 */
export function renderMarkdown(markdown: string, options: { lang: Locale; usedIds?: Set<string> }): RenderedMarkdown {
  const env: GuidanceEnv = { lang: options.lang, headings: [], usedIds: options.usedIds ?? new Set(RESERVED_IDS) };
  const html = parser.render(markdown, env);
  return { html, headings: env.headings };
}

/** The words of guidance markdown without its markup, block by block, for search and snippets. */
export function markdownToText(markdown: string): { text: string; headings: string[] } {
  const tokens = parser.parse(markdown, { lang: 'en', headings: [], usedIds: new Set() } satisfies GuidanceEnv);
  const blocks: string[] = [];
  const headings: string[] = [];
  tokens.forEach((token, index) => {
    if (token.type !== 'inline') return;
    const text = plainTextOf(token);
    if (tokens[index - 1]?.type === 'heading_open') headings.push(text);
    blocks.push(text);
  });
  return { text: blocks.join('\n'), headings };
}

/**
 * One block of guidance markdown as text (a paragraph, a whole list with the paragraph that leads
 * into it, a callout, inset or contact block) and the heading it sits under.
 */
export type MarkdownBlock = { headingIndex: number; text: string };

const CONTAINER_OPENINGS = new Set(['bullet_list_open', 'ordered_list_open', 'guidance_callout_open', 'guidance_inset_open', 'guidance_contact_open']);

/**
 * The blocks of guidance markdown, each with the number of the heading above it (-1 before the
 * first), in the order renderMarkdown lists its headings: passages for the assistant.
 */
export function markdownToBlocks(markdown: string): MarkdownBlock[] {
  const tokens = parser.parse(markdown, { lang: 'en', headings: [], usedIds: new Set() } satisfies GuidanceEnv);
  const blocks: MarkdownBlock[] = [];
  let headingIndex = -1;
  let depth = 0;
  let lines: string[] = [];
  tokens.forEach((token, index) => {
    if (token.type === 'heading_open') headingIndex += 1;
    if (CONTAINER_OPENINGS.has(token.type)) depth += 1;
    if (token.type === 'inline' && tokens[index - 1]?.type !== 'heading_open') {
      const text = plainTextOf(token).trim();
      if (text !== '') lines.push(text);
    }
    const closesContainer = token.nesting === -1 && CONTAINER_OPENINGS.has(token.type.replace(/_close$/, '_open'));
    if (closesContainer) depth -= 1;
    const endsBlock = depth === 0 && (closesContainer || token.type === 'paragraph_close');
    // A paragraph that leads into what follows ("You can pay:") stays with it.
    if (endsBlock && lines.length > 0 && !(token.type === 'paragraph_close' && lines.at(-1)!.endsWith(':'))) {
      blocks.push({ headingIndex, text: lines.join('\n') });
      lines = [];
    }
  });
  return blocks;
}
