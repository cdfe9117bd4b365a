import type { Locale } from '../../../platform/http/i18n.ts';
import { GuidanceError, type PageRefusal } from '../guidance.errors.ts';

export const PAGE_TYPES = ['guide', 'answer', 'step-by-step'] as const;
export type PageType = (typeof PAGE_TYPES)[number];

export type GuidePart = { slug: string; title: string; body: string };
/** How a step joins the one before it: a number of its own, or done with it ("and") or instead of it ("or"). */
export type StepLogic = 'number' | 'and' | 'or';
export type Step = { title: string; logic: StepLogic; optional: boolean; body: string };

/** What a page says, in markdown, by type. */
export type PageContent =
  | { type: 'guide'; parts: GuidePart[] }
  | { type: 'answer'; body: string }
  | { type: 'step-by-step'; introduction: string; steps: Step[] };

/** One version of one language of a page, as an author or an import gives it. */
export type PageDraft = {
  slug: string;
  lang: Locale;
  title: string;
  description: string;
  content: PageContent;
};

export const LIMITS = {
  slug: 100,
  title: 200,
  description: 1_000,
  /** All the markdown of one version, together. */
  markdown: 200_000,
  parts: 50,
  steps: 50,
} as const;

const SLUG_PATTERN = /^[a-z0-9]+(?:-[a-z0-9]+)*$/;

export function isPageType(value: unknown): value is PageType {
  return PAGE_TYPES.includes(value as PageType);
}

/**
 * Slugs no page may have: the literal path segments the operators' authoring pages use where a
 * page's slug goes (`/console/operator/guidance/new` creates a page), so a page called so would be
 * unreachable there.
 */
export const RESERVED_SLUGS: readonly string[] = ['new'];

/** Lower case letters and digits, words joined by single hyphens, not too long: a part's slug, and a page's if not reserved. */
export function isSlug(value: string): boolean {
  return value.length <= LIMITS.slug && SLUG_PATTERN.test(value);
}

/** Why a page could not have this slug, or undefined if it can. */
export function pageSlugRefusalOf(value: string): 'SLUG_INVALID' | 'SLUG_RESERVED' | undefined {
  if (!isSlug(value)) return 'SLUG_INVALID';
  return RESERVED_SLUGS.includes(value) ? 'SLUG_RESERVED' : undefined;
}

/** A slug made from a title: lower case, letters and digits, words joined by hyphens. */
export function slugify(text: string): string {
  return text
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, LIMITS.slug)
    .replace(/-+$/, '');
}

function markdownOf(content: PageContent): string[] {
  if (content.type === 'guide') return content.parts.flatMap((part) => [part.title, part.body]);
  if (content.type === 'answer') return [content.body];
  return [content.introduction, ...content.steps.flatMap((step) => [step.title, step.body])];
}

function refuse(refusal: PageRefusal, message: string): never {
  throw new GuidanceError('guidance.INVALID_PAGE', message, 400, refusal);
}

/** Refuses, in words and with the rule broken (`refusal`), a draft that could not be served; returns it tidied (titles trimmed). */
export function checkDraft(draft: PageDraft): PageDraft {
  const title = draft.title.trim();
  const description = draft.description.trim();
  const slugRefusal = pageSlugRefusalOf(draft.slug);
  if (slugRefusal === 'SLUG_INVALID') refuse(slugRefusal, `The slug must be lower-case letters, digits and single hyphens, at most ${LIMITS.slug} characters`);
  if (slugRefusal === 'SLUG_RESERVED') refuse(slugRefusal, `The slug "${draft.slug}" is reserved: the authoring pages' addresses use it`);
  if (title === '') refuse('TITLE_MISSING', 'The page has no title');
  if (title.length > LIMITS.title) refuse('TITLE_TOO_LONG', `The title is longer than ${LIMITS.title} characters`);
  if (description.length > LIMITS.description) refuse('DESCRIPTION_TOO_LONG', `The description is longer than ${LIMITS.description} characters`);
  const { content } = draft;
  const length = markdownOf(content).reduce((total, text) => total + text.length, 0);
  if (length > LIMITS.markdown) refuse('TEXT_TOO_LONG', `The page's text is longer than ${LIMITS.markdown} characters`);
  if (content.type === 'guide') {
    if (content.parts.length === 0) refuse('NO_PARTS', 'A guide needs at least one part');
    if (content.parts.length > LIMITS.parts) refuse('TOO_MANY_PARTS', `A guide has at most ${LIMITS.parts} parts`);
    const slugs = new Set<string>();
    for (const part of content.parts) {
      if (part.title.trim() === '') refuse('PART_TITLE_MISSING', 'Every part of a guide needs a title');
      if (!isSlug(part.slug)) refuse('PART_SLUG_INVALID', `The part "${part.title.slice(0, 100)}" has no usable slug`);
      if (slugs.has(part.slug)) refuse('PARTS_SAME_SLUG', `Two parts of the guide have the slug "${part.slug}"`);
      slugs.add(part.slug);
    }
  }
  if (content.type === 'answer' && content.body.trim() === '') refuse('ANSWER_EMPTY', 'The answer has no text');
  if (content.type === 'step-by-step') {
    if (content.steps.length === 0) refuse('NO_STEPS', 'A step-by-step needs at least one step');
    if (content.steps.length > LIMITS.steps) refuse('TOO_MANY_STEPS', `A step-by-step has at most ${LIMITS.steps} steps`);
    if (content.steps.some((step) => step.title.trim() === '')) refuse('STEP_TITLE_MISSING', 'Every step needs a title');
    if (content.steps[0]!.logic !== 'number') refuse('FIRST_STEP_JOINED', 'The first step cannot follow another with "and" or "or"');
  }
  return { ...draft, title, description };
}

/** Paths of guidance pages a step-by-step's steps link to, such as `/guidance/blue-badge`: those pages are part of it. */
export function linkedGuidanceSlugs(content: PageContent): string[] {
  if (content.type !== 'step-by-step') return [];
  const slugs = new Set<string>();
  for (const step of content.steps) {
    for (const match of step.body.matchAll(/\]\(\/guidance\/([a-z0-9-]{1,100})(?:[/?#)])/g)) slugs.add(match[1]!);
  }
  return [...slugs].sort();
}
