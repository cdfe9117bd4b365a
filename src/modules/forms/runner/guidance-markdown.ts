import MarkdownIt from 'markdown-it';

/** Where a guidance link may point: the web (https and http) and email. Nothing that runs or embeds. */
const SAFE_LINK = /^(https?:\/\/|mailto:)/i;

const CLASSES: Readonly<Record<string, string>> = {
  paragraph_open: 'govuk-body',
  bullet_list_open: 'govuk-list govuk-list--bullet',
  ordered_list_open: 'govuk-list govuk-list--number',
  link_open: 'govuk-link',
};

/**
 * The markdown subset of question guidance and exit pages, as GOV.UK Forms allows: headings
 * (shown as h2 and h3 under the page's h1), paragraphs, bulleted and numbered lists, links and
 * bold. Raw HTML is escaped, images and code are not parsed, and only https, http and mailto
 * links are kept. Kept small and separate from the guidance module's subset on purpose.
 */
function createGuidanceRenderer() {
  const markdown = new MarkdownIt('zero', { html: false, linkify: false, typographer: false });
  markdown.enable(['heading', 'list', 'link', 'emphasis']);
  markdown.validateLink = (url) => SAFE_LINK.test(url.trim());
  markdown.core.ruler.push('govuk_classes', (state) => {
    for (const token of state.tokens) {
      if (token.type === 'heading_open' || token.type === 'heading_close') {
        const level = Number(token.tag.slice(1));
        token.tag = level <= 2 ? 'h2' : 'h3';
        if (token.type === 'heading_open') token.attrSet('class', level <= 2 ? 'govuk-heading-m' : 'govuk-heading-s');
      }
      const className = CLASSES[token.type];
      if (className) token.attrSet('class', className);
      for (const child of token.children ?? []) {
        if (child.type === 'link_open') child.attrSet('class', 'govuk-link');
        // Emphasis beyond bold is not in the subset: single stars show as written.
        if (child.type === 'em_open' || child.type === 'em_close') Object.assign(child, { type: 'text', tag: '', content: child.markup, nesting: 0 });
      }
    }
  });
  return markdown;
}

const renderer = createGuidanceRenderer();

/** Guidance markdown as GOV.UK-styled HTML, safe to put in a page. */
export function renderGuidance(markdown: string): string {
  return renderer.render(markdown);
}
