import type { GuidanceLibrary } from '../content/guidance-library.ts';
import type { PageDraft } from '../content/guidance-content.ts';

/** A small set of pages for page and search tests: a guide in two languages, an answer in English only, a step-by-step joining them. */
export const TEST_PAGES: readonly PageDraft[] = [
  {
    slug: 'blue-badge',
    lang: 'en',
    title: 'Blue Badge parking',
    description: 'Park closer to where you need to go',
    content: {
      type: 'guide',
      parts: [
        { slug: 'overview', title: 'Overview', body: 'A Blue Badge lets you park closer to shops.\n\n## What it costs\n\nIt costs up to £10.' },
        { slug: 'eligibility', title: 'Who can get one', body: 'You can get a badge if you are registered blind.' },
        { slug: 'apply', title: 'How to apply', body: ':::callout\nNever pay a website to apply for you.\n:::' },
      ],
    },
  },
  {
    slug: 'blue-badge',
    lang: 'cy',
    title: 'Parcio Bathodyn Glas',
    description: 'Parcio yn nes at ble mae angen i chi fynd',
    content: {
      type: 'guide',
      parts: [
        { slug: 'trosolwg', title: 'Trosolwg', body: "Mae Bathodyn Glas yn gadael i chi barcio'n nes at siopau." },
        { slug: 'cymhwystra', title: 'Pwy sy’n gallu cael un', body: 'Gallwch gael bathodyn os ydych wedi cofrestru’n ddall.' },
      ],
    },
  },
  {
    slug: 'council-tax-bands',
    lang: 'en',
    title: 'Council Tax bands',
    description: 'How your home’s band is set',
    content: { type: 'answer', body: '## Bands\n\nEvery home is in a valuation band.\n\n## Challenging your band\n\nYou can challenge it.' },
  },
  {
    slug: 'get-a-blue-badge',
    lang: 'en',
    title: 'Get a Blue Badge: step by step',
    description: 'How to get a badge',
    content: {
      type: 'step-by-step',
      introduction: 'Follow these steps.',
      steps: [
        { title: 'Check if you can get one', logic: 'number', optional: false, body: '- [Who can get one](/guidance/blue-badge/eligibility)' },
        { title: 'Check your Council Tax band', logic: 'and', optional: true, body: '- [Council Tax bands](/guidance/council-tax-bands)' },
        { title: 'Apply', logic: 'number', optional: false, body: '- [Apply online](/guidance/blue-badge/apply)' },
        { title: 'Apply by post', logic: 'or', optional: false, body: 'Ask your council for a form.' },
      ],
    },
  },
  {
    slug: 'get-a-blue-badge',
    lang: 'cy',
    title: 'Cael Bathodyn Glas: cam wrth gam',
    description: '',
    content: {
      type: 'step-by-step',
      introduction: 'Dilynwch y camau hyn.',
      steps: [{ title: 'Gwirio a allwch gael un', logic: 'number', optional: false, body: '- [Pwy sy’n gallu cael un](/guidance/blue-badge/cymhwystra)' }],
    },
  },
];

export async function publishTestPages(library: GuidanceLibrary): Promise<void> {
  for (const draft of TEST_PAGES) await library.save({ draft, actor: 'test', publish: true });
}
