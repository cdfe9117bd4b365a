import type { PublishedPage } from '../content/guidance-library.ts';
import { markdownToBlocks, renderMarkdown } from '../markdown/render-markdown.ts';
import { guidePath, stepByStepPath } from '../pages/page-models.ts';

/** A piece of guidance an answer can quote, with where it is: the page, and the section on it. */
export type Passage = {
  id: string;
  lang: string;
  /** The page's title (and the part's, for a guide's later parts): what a citation shows. */
  title: string;
  /** The page (or part) the passage is on, for a citation; `anchor` takes a reader to its section. */
  url: string;
  anchor: string;
  heading: string;
  text: string;
};

type Section = { title: string; url: string; markdown: string; headingPrefix?: string; anchor?: string };

function sectionsOf(page: PublishedPage): Section[] {
  const { content } = page;
  if (content.type === 'guide') {
    return content.parts.map((part, index) => ({
      title: index === 0 ? page.title : `${page.title}: ${part.title}`,
      url: guidePath(page.slug, index === 0 ? undefined : part.slug),
      markdown: part.body,
      headingPrefix: part.title,
    }));
  }
  if (content.type === 'answer') return [{ title: page.title, url: guidePath(page.slug), markdown: content.body }];
  const url = stepByStepPath(page.slug);
  return [
    { title: page.title, url, markdown: content.introduction },
    ...content.steps.map((step, index) => ({ title: page.title, url, markdown: step.body, headingPrefix: step.title, anchor: `#step-${index + 1}` })),
  ];
}

/** The passages of one language of a page: each paragraph, list or block of its text, with its heading. */
export function passagesOf(page: PublishedPage): Passage[] {
  return sectionsOf(page).flatMap((section, sectionIndex) => {
    const { headings } = renderMarkdown(section.markdown, { lang: page.lang });
    return markdownToBlocks(section.markdown).map((block, blockIndex) => {
      const heading = headings[block.headingIndex];
      return {
        id: `${page.lang}:${page.slug}:${sectionIndex}:${blockIndex}`,
        lang: page.lang,
        title: section.title,
        url: section.url,
        anchor: heading ? `#${heading.id}` : (section.anchor ?? ''),
        heading: [section.headingPrefix, heading?.text].filter(Boolean).join(': '),
        text: block.text,
      };
    });
  });
}
