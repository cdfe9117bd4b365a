import type { Env, MarkdownIt, StateBlock } from 'markdown-it';

/** The blocks guidance adds to markdown, each opened by `:::NAME` on a line and closed by `:::`. */
export const GUIDANCE_BLOCKS = ['callout', 'inset', 'contact'] as const;
type GuidanceBlock = (typeof GUIDANCE_BLOCKS)[number];

const OPENING = /^:::(callout|inset|contact)[ \t]*$/;
const CLOSING = /^:::[ \t]*$/;

function lineText(state: StateBlock, line: number): string {
  return state.src.slice(state.bMarks[line]! + state.tShift[line]!, state.eMarks[line]);
}

/** Whether a line is indented as code would be (four spaces past the block): never a fence then. */
function isIndentedCode(state: StateBlock, line: number): boolean {
  return state.sCount[line]! - state.blkIndent >= 4;
}

/**
 * `:::callout` (a warning: one paragraph of text), `:::inset` (inset text: paragraphs and lists)
 * and `:::contact` (a contact block: each line kept as a line). Blocks do not nest: the first
 * `:::` closes, and an unclosed block runs to the end of the text, so each line is looked at once.
 */
function guidanceBlockRule(state: StateBlock, startLine: number, endLine: number, silent: boolean): boolean {
  if (isIndentedCode(state, startLine)) return false;
  const opening = OPENING.exec(lineText(state, startLine));
  if (!opening) return false;
  if (state.env.insideGuidanceBlock) return false;
  if (silent) return true;
  const kind = opening[1] as GuidanceBlock;
  let closingLine = startLine + 1;
  while (closingLine < endLine && !(CLOSING.test(lineText(state, closingLine)) && !isIndentedCode(state, closingLine))) closingLine += 1;

  const open = state.push(`guidance_${kind}_open`, 'div', 1);
  open.map = [startLine, closingLine];
  open.block = true;
  if (kind === 'inset') {
    state.env.insideGuidanceBlock = true;
    state.md.block.tokenize(state, startLine + 1, closingLine);
    state.env.insideGuidanceBlock = false;
  } else {
    const lines: string[] = [];
    for (let line = startLine + 1; line < closingLine; line += 1) {
      const text = lineText(state, line).trim();
      if (text !== '') lines.push(text);
    }
    const separate = kind === 'contact';
    const groups = separate ? lines : [lines.join('\n')];
    groups.forEach((content, index) => {
      if (index > 0) state.push('guidance_line_break', 'br', 0);
      const inline = state.push('inline', '', 0);
      inline.content = content;
      inline.children = [];
    });
  }
  state.push(`guidance_${kind}_close`, 'div', -1);
  state.line = Math.min(closingLine + 1, endLine);
  return true;
}

export function addGuidanceBlocks(md: MarkdownIt, warningText: (env: GuidanceEnv) => string): void {
  md.block.ruler.before('paragraph', 'guidance_block', guidanceBlockRule, { alt: ['paragraph', 'list'] });
  const rules = md.renderer.rules;
  rules.guidance_callout_open = (_tokens, _index, _options, env) =>
    '<div class="govuk-warning-text"><span class="govuk-warning-text__icon" aria-hidden="true">!</span>' +
    `<strong class="govuk-warning-text__text"><span class="govuk-visually-hidden">${md.utils.escapeHtml(warningText(guidanceEnvOf(env)))}</span>`;
  rules.guidance_callout_close = () => '</strong></div>\n';
  rules.guidance_inset_open = () => '<div class="govuk-inset-text">\n';
  rules.guidance_inset_close = () => '</div>\n';
  rules.guidance_contact_open = () => '<div class="govuk-inset-text"><p class="govuk-body">';
  rules.guidance_contact_close = () => '</p></div>\n';
  rules.guidance_line_break = () => '<br>\n';
}

/** The env of a guidance render, which renderMarkdown always passes. */
export function guidanceEnvOf(env: Env | undefined): GuidanceEnv {
  return env as GuidanceEnv;
}

/** What a render is told and tells back: the page's language in, the headings it made out. */
export type GuidanceEnv = {
  lang: 'en' | 'cy';
  headings: Array<{ id: string; text: string; level: 2 | 3 }>;
  usedIds: Set<string>;
  insideGuidanceBlock?: boolean;
};
