import type { Locale, Translate } from '../../../platform/http/i18n.ts';
import type { PageContent, PageType } from '../content/guidance-content.ts';
import { renderMarkdown } from '../markdown/render-markdown.ts';
import { labelSteps } from '../pages/page-models.ts';

/**
 * A page's content as the one markdown text an author edits, in the body format of `guidance
 * import` markdown files (`contentOf` reads it back): a guide's parts are `# Part title` sections,
 * a step-by-step's steps `## Step title {and|or} {optional}` sections after its introduction.
 */
export function sourceOf(content: PageContent): string {
  if (content.type === 'answer') return content.body;
  if (content.type === 'guide') return content.parts.map((part) => joinBlocks([`# ${part.title}`, part.body])).join('\n\n');
  const steps = content.steps.map((step) => {
    const markers = `${step.logic === 'number' ? '' : ` {${step.logic}}`}${step.optional ? ' {optional}' : ''}`;
    return joinBlocks([`## ${step.title}${markers}`, step.body]);
  });
  return joinBlocks([content.introduction, ...steps]);
}

const joinBlocks = (blocks: string[]) => blocks.filter((block) => block !== '').join('\n\n');

/** A version or a draft, rendered whole for its authors: every part of a guide in turn, every step of a step-by-step. */
export type RenderedVersion = {
  title: string;
  description: string;
  lang: Locale;
  type: PageType;
  html?: string;
  parts?: Array<{ title: string; html: string }>;
  introduction?: string;
  steps?: Array<{ label: string; title: string; optional: boolean; html: string }>;
};

export function renderVersion(version: { title: string; description: string; lang: Locale; content: PageContent }, t: Translate): RenderedVersion {
  const { content, lang } = version;
  // One set of heading ids for the whole page: parts and steps share it.
  const usedIds = new Set(['main-content', 'contents', 'title', 'slug', 'type', 'lang', 'description', 'body', 'publish']);
  const render = (markdown: string) => renderMarkdown(markdown, { lang, usedIds }).html;
  const base = { title: version.title, description: version.description, lang, type: content.type };
  if (content.type === 'answer') return { ...base, html: render(content.body) };
  if (content.type === 'guide') return { ...base, parts: content.parts.map((part) => ({ title: part.title, html: render(part.body) })) };
  const labels = labelSteps(content.steps, t);
  return {
    ...base,
    introduction: render(content.introduction),
    steps: content.steps.map((step, index) => ({ label: labels[index]!.label, title: step.title, optional: step.optional, html: render(step.body) })),
  };
}
