import type { Locale, Translate } from '../../../platform/http/i18n.ts';
import type { Step } from '../content/guidance-content.ts';
import type { PublishedPage } from '../content/guidance-library.ts';
import { renderMarkdown, type RenderedMarkdown } from '../markdown/render-markdown.ts';

export const guidePath = (slug: string, part?: string) => (part ? `/guidance/${slug}/${part}` : `/guidance/${slug}`);
export const stepByStepPath = (slug: string) => `/step-by-step/${slug}`;

type Link = { href: string; text: string };

/** How a step is labelled in place of a bare number: "Step 2", "and", "or". */
export type StepLabel = { label: string; number?: number };

export function labelSteps(steps: readonly Step[], t: Translate): StepLabel[] {
  let number = 0;
  return steps.map((step) => {
    if (step.logic === 'number') {
      number += 1;
      return { label: t('guidance.stepByStep.step', { number }), number };
    }
    return { label: t(`guidance.stepByStep.${step.logic}`) };
  });
}

const stepId = (index: number) => `step-${index + 1}`;

/** Whether a step's text links to the guidance page `slug`. */
function linksTo(step: Step, slug: string): boolean {
  return new RegExp(`\\]\\(/guidance/${slug}(?:[/?#)])`).test(step.body);
}

export type StepBySteps = {
  /** One step-by-step the page is part of: its steps, the ones that link to the page marked. */
  sidebar?: { title: string; href: string; steps: Array<StepLabel & { title: string; href: string; optional: boolean; current: boolean }> };
  /** Several: links to each. */
  partOf: Link[];
};

export function buildStepBySteps(stepBySteps: readonly PublishedPage[], slug: string, t: Translate): StepBySteps {
  const partOf = stepBySteps.map((page) => ({ href: stepByStepPath(page.slug), text: page.title }));
  const only = stepBySteps.length === 1 ? stepBySteps[0]! : undefined;
  if (!only || only.content.type !== 'step-by-step') return { partOf };
  const { steps } = only.content;
  const labels = labelSteps(steps, t);
  return {
    partOf,
    sidebar: {
      title: only.title,
      href: stepByStepPath(only.slug),
      steps: steps.map((step, index) => ({
        ...labels[index]!,
        title: step.title,
        optional: step.optional,
        href: `${stepByStepPath(only.slug)}#${stepId(index)}`,
        current: linksTo(step, slug),
      })),
    },
  };
}

export type GuidePageModel = {
  title: string;
  description: string;
  /** Set on a guide: its parts, the one shown marked. */
  parts?: Array<Link & { current: boolean }>;
  part?: { title: string; isFirst: boolean };
  previous?: Link;
  next?: Link;
  contents: RenderedMarkdown['headings'];
  html: string;
};

/** A guide's part (the first if none is named) or an answer, ready for its template; undefined if there is no such part. */
export function buildGuidePage(page: PublishedPage, partSlug: string | undefined, lang: Locale): GuidePageModel | undefined {
  const { content } = page;
  if (content.type === 'answer') {
    if (partSlug !== undefined) return undefined;
    const rendered = renderMarkdown(content.body, { lang });
    // A contents list helps only where there are sections to move between.
    const sections = rendered.headings.filter((heading) => heading.level === 2);
    return { title: page.title, description: page.description, contents: sections.length >= 2 ? sections : [], html: rendered.html };
  }
  if (content.type !== 'guide') return undefined;
  const index = partSlug === undefined ? 0 : content.parts.findIndex((part) => part.slug === partSlug);
  // The first part lives at the guide's own address only.
  if (index < 0 || (partSlug !== undefined && index === 0)) return undefined;
  const hrefOf = (position: number) => guidePath(page.slug, position === 0 ? undefined : content.parts[position]!.slug);
  const linkTo = (position: number) => {
    const part = content.parts[position];
    return part && { href: hrefOf(position), text: part.title };
  };
  const part = content.parts[index]!;
  const rendered = renderMarkdown(part.body, { lang });
  return {
    title: page.title,
    description: page.description,
    parts: content.parts.map((candidate, position) => ({ href: hrefOf(position), text: candidate.title, current: position === index })),
    part: { title: part.title, isFirst: index === 0 },
    previous: linkTo(index - 1),
    next: linkTo(index + 1),
    contents: [],
    html: rendered.html,
  };
}

export type StepByStepModel = {
  title: string;
  description: string;
  introduction: string;
  steps: Array<StepLabel & { id: string; title: string; optional: boolean; html: string }>;
};

export function buildStepByStepPage(page: PublishedPage, lang: Locale, t: Translate): StepByStepModel | undefined {
  const { content } = page;
  if (content.type !== 'step-by-step') return undefined;
  const usedIds = new Set(['main-content', ...content.steps.map((_, index) => stepId(index))]);
  const labels = labelSteps(content.steps, t);
  return {
    title: page.title,
    description: page.description,
    introduction: renderMarkdown(content.introduction, { lang, usedIds }).html,
    steps: content.steps.map((step, index) => ({
      ...labels[index]!,
      id: stepId(index),
      title: step.title,
      optional: step.optional,
      html: renderMarkdown(step.body, { lang, usedIds }).html,
    })),
  };
}
