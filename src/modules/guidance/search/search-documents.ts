import type { PublishedPage } from '../content/guidance-library.ts';
import { markdownToText } from '../markdown/render-markdown.ts';
import { guidePath, stepByStepPath } from '../pages/page-models.ts';

/** One thing a search can find: a part of a guide, an answer or a step-by-step, in one language. */
export type SearchDocument = {
  id: string;
  lang: string;
  url: string;
  /** The page's title, and the part's after it for a guide's later parts. */
  title: string;
  description: string;
  headings: string;
  text: string;
};

function textOf(markdown: readonly string[]): { text: string; headings: string } {
  const converted = markdown.map(markdownToText);
  return { text: converted.map((part) => part.text).join('\n'), headings: converted.flatMap((part) => part.headings).join('\n') };
}

export function searchDocumentsOf(page: PublishedPage): SearchDocument[] {
  const base = { lang: page.lang, description: page.description };
  const { content } = page;
  if (content.type === 'guide') {
    return content.parts.map((part, index) => {
      const url = guidePath(page.slug, index === 0 ? undefined : part.slug);
      return {
        ...base,
        id: `${page.lang}:${url}`,
        url,
        title: index === 0 ? page.title : `${page.title}: ${part.title}`,
        ...textOf([`## ${part.title}`, part.body]),
      };
    });
  }
  const url = content.type === 'answer' ? guidePath(page.slug) : stepByStepPath(page.slug);
  const markdown = content.type === 'answer' ? [content.body] : [content.introduction, ...content.steps.flatMap((step) => [`## ${step.title}`, step.body])];
  return [{ ...base, id: `${page.lang}:${url}`, url, title: page.title, ...textOf(markdown) }];
}
